package io.geogate.health;

import io.geogate.live.Draining;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** DOWN once shutdown has begun, so that Kubernetes stops routing to the pod while the data plane drains. */
@Readiness
@ApplicationScoped
public class DataPlaneReadiness implements HealthCheck {

    @Inject
    Draining draining;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("data-plane").status(!draining.isDraining())
                .withData("draining", draining.isDraining()).build();
    }
}
