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
 * @param anonymous what happens, from the cutoff, to requests with no account from inside the country
 * @param blockedBy the page that explains the legal demand ({@code Link rel="blocked-by"})
 * @param reason    human-readable text for refusals
 */
public record Restriction(CountryCode country, Instant cutoff, Duration notice, Rule anonymous,
                          Optional<URI> blockedBy, Optional<String> reason) {

    public Restriction {
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(cutoff, "cutoff");
        Objects.requireNonNull(notice, "notice");
        Objects.requireNonNull(anonymous, "anonymous");
        Objects.requireNonNull(blockedBy, "blockedBy");
        Objects.requireNonNull(reason, "reason");
        if (notice.isNegative()) {
            throw new IllegalArgumentException("notice must not be negative");
        }
    }

    /** The first instant of the notice window. */
    public Instant noticeFrom() {
        return cutoff.minus(notice);
    }
}
