package io.geogate.snapshot;

import java.time.Instant;
import java.util.Objects;

/** A new input that was refused, so the previous one stayed in service. */
public record Refusal(Component component, String source, Instant at, String error) {
    public Refusal {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(error, "error");
    }
}
