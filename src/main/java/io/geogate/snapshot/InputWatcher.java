package io.geogate.snapshot;

import io.geogate.config.GeogateConfig;
import io.geogate.geo.GeoDatabase;
import io.geogate.policy.PolicyJson;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Polls the input files on a thread of its own and reloads what changed. Polling, rather than
 * directory events, sees every way files are replaced: geoipupdate's rename, a Kubernetes
 * ConfigMap's symlink swap, an editor writing in place.
 */
@ApplicationScoped
public class InputWatcher {

    private static final Logger LOG = Logger.getLogger(InputWatcher.class);
    private static final Duration STALE_WARNING_EVERY = Duration.ofDays(1);

    @Inject
    SnapshotManager snapshots;

    @Inject
    GeogateConfig config;

    @Inject
    Clock clock;

    private ScheduledExecutorService executor;
    private Instant lastStaleWarning = Instant.EPOCH;

    void start(@Observes StartupEvent event) {
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "geogate-input-watcher");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(100, config.reload().interval().toMillis());
        executor.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    private void tick() {
        try {
            snapshots.reload(EnumSet.allOf(Component.class), false);
            warnIfStale();
        } catch (RuntimeException e) {
            LOG.error("input watcher failed; it keeps running", e);
        }
    }

    private void warnIfStale() {
        Instant now = clock.instant();
        GeoDatabase geo = snapshots.current().geo().orElse(null);
        if (geo == null || !geo.isStale(now, config.geo().maxAge())
                || Duration.between(lastStaleWarning, now).compareTo(STALE_WARNING_EVERY) < 0) {
            return;
        }
        lastStaleWarning = now;
        LOG.warnf("geo database %s was built %s, %d days ago, past geogate.geo.max-age=%s: keep geoipupdate running",
                geo.path(), geo.buildTime(), geo.age(now).toDays(), PolicyJson.duration(config.geo().maxAge()));
    }
}
