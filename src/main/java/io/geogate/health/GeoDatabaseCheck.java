package io.geogate.health;

import io.geogate.config.GeogateConfig;
import io.geogate.geo.GeoDatabase;
import io.geogate.snapshot.Component;
import io.geogate.snapshot.SnapshotManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Clock;
import java.time.Instant;

/**
 * UP while a database is in service, stale or not (a stale map still beats no service; the data
 * says {@code freshness: stale}). DOWN when none is usable: the data plane then answers 503.
 */
@Readiness
@ApplicationScoped
public class GeoDatabaseCheck implements HealthCheck {

    @Inject
    SnapshotManager snapshots;

    @Inject
    GeogateConfig config;

    @Inject
    Clock clock;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(Component.GEO_DATABASE.word());
        GeoDatabase geo = snapshots.current().geo().orElse(null);
        if (geo == null) {
            b.down().withData("path", config.geo().database());
            Refusals.describe(b, snapshots, Component.GEO_DATABASE);
            return b.build();
        }
        Instant now = clock.instant();
        b.up().withData("path", geo.path().toString())
                .withData("type", geo.type())
                .withData("buildTime", geo.buildTime().toString())
                .withData("ageSeconds", geo.age(now).toSeconds())
                .withData("freshness", geo.isStale(now, config.geo().maxAge()) ? "stale" : "fresh");
        Refusals.describe(b, snapshots, Component.GEO_DATABASE);
        return b.build();
    }
}
