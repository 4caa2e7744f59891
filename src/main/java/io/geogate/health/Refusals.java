package io.geogate.health;

import io.geogate.snapshot.Component;
import io.geogate.snapshot.SnapshotManager;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/** Adds the component's last refused reload, if any, to a check's data. */
final class Refusals {

    private Refusals() {
    }

    static void describe(HealthCheckResponseBuilder b, SnapshotManager snapshots, Component component) {
        var refusal = snapshots.refusals().get(component);
        if (refusal != null) {
            b.withData("lastRefusedAt", refusal.at().toString()).withData("lastRefusedError", refusal.error());
        }
    }
}
