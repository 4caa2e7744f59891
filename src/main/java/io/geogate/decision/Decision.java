package io.geogate.decision;

import io.geogate.policy.Datacenter;
import io.geogate.policy.Restriction;

import java.util.Objects;
import java.util.Optional;

/**
 * The outcome for one request. Every variant names a datacenter: the one to proxy to, or for a
 * refusal the one a report-only policy lets the request through to.
 */
public sealed interface Decision {

    Reason reason();

    Datacenter datacenter();

    /** {@code allow}, {@code notice}, {@code refuse} or {@code would-refuse}. */
    String outcome();

    /** The restriction behind the outcome, if one is. */
    Optional<Restriction> restriction();

    /** Proxied: reason {@code unrestricted}, {@code visitor} or {@code unknown-country}. */
    record Allow(Reason reason, Datacenter datacenter, Optional<Restriction> restriction) implements Decision {
        public Allow {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(datacenter, "datacenter");
            Objects.requireNonNull(restriction, "restriction");
        }

        @Override
        public String outcome() {
            return "allow";
        }
    }

    /**
     * Proxied now, refused from the restriction's cutoff: the response carries {@code Sunset}.
     *
     * @param reason the reason the refusal will have
     */
    record Notice(Reason reason, Datacenter datacenter, Restriction notice) implements Decision {
        public Notice {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(datacenter, "datacenter");
            Objects.requireNonNull(notice, "notice");
        }

        @Override
        public String outcome() {
            return "notice";
        }

        @Override
        public Optional<Restriction> restriction() {
            return Optional.of(notice);
        }
    }

    /**
     * Refused; with {@code enforced == false} (report-only) the request is proxied and marked.
     *
     * @param restriction empty for an {@code unknown-country} refusal, which no restriction causes
     */
    record Refuse(Reason reason, Datacenter datacenter, Optional<Restriction> restriction, boolean enforced)
            implements Decision {
        public Refuse {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(datacenter, "datacenter");
            Objects.requireNonNull(restriction, "restriction");
        }

        @Override
        public String outcome() {
            return enforced ? "refuse" : "would-refuse";
        }
    }
}
