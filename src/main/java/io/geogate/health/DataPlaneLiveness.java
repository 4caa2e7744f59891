package io.geogate.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** The process answers: restarting it would not help any input problem, so liveness never fails on one. */
@Liveness
@ApplicationScoped
public class DataPlaneLiveness implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.up("geogate");
    }
}
