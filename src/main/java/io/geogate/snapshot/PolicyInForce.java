package io.geogate.snapshot;

import io.geogate.policy.Policy;

import java.time.Instant;
import java.util.Objects;

/**
 * A policy with where and when it came from.
 *
 * @param version sha256 of the canonical form
 */
public record PolicyInForce(Policy policy, String version, String source, Instant loadedAt) {
    public PolicyInForce {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(loadedAt, "loadedAt");
    }
}
