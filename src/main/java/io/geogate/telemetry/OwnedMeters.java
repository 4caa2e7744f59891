package io.geogate.telemetry;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The meters geogate registers, removed again when it stops. Micrometer's global registry outlives an
 * application; without this, a second start in the same JVM (tests do it) would be handed the first
 * one's meters, gauges bound to objects that are gone.
 */
@ApplicationScoped
public class OwnedMeters {

    @Inject
    MeterRegistry registry;

    private final List<Meter> owned = new CopyOnWriteArrayList<>();

    /** Records {@code meter} as geogate's and returns it. */
    public <M extends Meter> M own(M meter) {
        owned.add(meter);
        return meter;
    }

    public MeterRegistry registry() {
        return registry;
    }

    void stop(@Observes ShutdownEvent event) {
        owned.forEach(registry::remove);
        owned.clear();
    }
}
