package io.geogate.health;

import io.geogate.snapshot.Component;
import io.geogate.snapshot.PolicyInForce;
import io.geogate.snapshot.SnapshotManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Always UP once started (an invalid policy stops start-up); reports the version in force. */
@Readiness
@ApplicationScoped
public class PolicyCheck implements HealthCheck {

    @Inject
    SnapshotManager snapshots;

    @Override
    public HealthCheckResponse call() {
        PolicyInForce p = snapshots.current().policy();
        HealthCheckResponseBuilder b = HealthCheckResponse.named(Component.POLICY.word()).up()
                .withData("version", p.version())
                .withData("source", p.source())
                .withData("loadedAt", p.loadedAt().toString())
                .withData("mode", p.policy().mode().word());
        Refusals.describe(b, snapshots, Component.POLICY);
        return b.build();
    }
}
