package io.geogate.policy;

import io.geogate.country.CountryCode;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A country the service leaves at {@code cutoff}, warning affected users for {@code notice} before.
 *
 * <p>Cutoffs lie within the years 1970 to 9999, so that every form they take (RFC 3339, the
 * IMF-fixdate of {@code Sunset}, epoch milliseconds, timer delays) holds them;
 * the notice is at most 100 years and never starts before 1970, so {@link #noticeFrom()} cannot
 * overflow.
 *
 * @param anonymous what happens, from the cutoff, to requests with no account from inside the country
 * @param blockedBy the page that explains the legal demand ({@code Link rel="blocked-by"})
 * @param reason    human-readable text for refusals
 */
public record Restriction(CountryCode country, Instant cutoff, Duration notice, Rule anonymous,
                          Optional<URI> blockedBy, Optional<String> reason) {

    /** The earliest cutoff, and the earliest start of a notice. */
    public static final Instant EARLIEST_CUTOFF = Instant.EPOCH;

    /** The latest cutoff: the end of year 9999. */
    public static final Instant LATEST_CUTOFF = Instant.parse("9999-12-31T23:59:59.999999999Z");

    /** The longest notice: 100 years of days. */
    public static final Duration MAX_NOTICE = Duration.ofDays(36_500);

    public Restriction {
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(cutoff, "cutoff");
        Objects.requireNonNull(notice, "notice");
        Objects.requireNonNull(anonymous, "anonymous");
        Objects.requireNonNull(blockedBy, "blockedBy");
        Objects.requireNonNull(reason, "reason");
        if (cutoff.isBefore(EARLIEST_CUTOFF) || cutoff.isAfter(LATEST_CUTOFF)) {
            throw new IllegalArgumentException("cutoff " + cutoff + " must be within "
                    + EARLIEST_CUTOFF + " .. " + LATEST_CUTOFF);
        }
        if (notice.isNegative() || notice.compareTo(MAX_NOTICE) > 0 || cutoff.minus(notice).isBefore(EARLIEST_CUTOFF)) {
            throw new IllegalArgumentException("notice " + notice + " must be 0 .. " + MAX_NOTICE
                    + " and start no earlier than " + EARLIEST_CUTOFF);
        }
    }

    /** The first instant of the notice window. */
    public Instant noticeFrom() {
        return cutoff.minus(notice);
    }
}
