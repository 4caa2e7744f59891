package io.geogate.live;

import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.policy.Policy;
import io.geogate.policy.Restriction;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.micrometer.core.instrument.Counter;
import io.geogate.telemetry.OwnedMeters;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds the cutoff on exchanges already admitted. A timer is set for each restriction's cutoff in the
 * policy in force (set again whenever the policy changes); when one fires, and whenever a new policy is
 * published, every live exchange is decided again with the facts it was admitted under, and those that
 * would now be refused are ended. Exchanges still allowed (visitors, other countries) are not touched.
 */
@ApplicationScoped
public class CutoffEnforcer {

    private static final Logger LOG = Logger.getLogger(CutoffEnforcer.class);

    @Inject
    SnapshotManager snapshots;

    @Inject
    LiveExchanges exchanges;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    @Inject
    OwnedMeters meters;

    private final List<Long> timers = new ArrayList<>();
    private Counter ended;

    void start(@Observes StartupEvent event) {
        ended = meters.own(Counter.builder("geogate.live.ended").description("live exchanges ended because they became refused")
                .register(meters.registry()));
        schedule(snapshots.current().policy().policy());
        snapshots.onPublish((before, after) -> {
            if (!before.policy().version().equals(after.policy().version())) {
                schedule(after.policy().policy());
                sweep("policy " + after.policy().version() + " published");
            }
        });
    }

    private synchronized void schedule(Policy policy) {
        timers.forEach(vertx::cancelTimer);
        timers.clear();
        Instant now = clock.instant();
        for (Restriction r : policy.restrictions()) {
            if (r.cutoff().isAfter(now)) {
                timers.add(at(r.cutoff(), r));
            }
        }
    }

    /** A timer for the cutoff; one that fires a little early (clock granularity) sets itself again. */
    private long at(Instant cutoff, Restriction r) {
        long delay = Math.max(1, Duration.between(clock.instant(), cutoff).toMillis() + 1);
        return vertx.setTimer(delay, id -> {
            if (clock.instant().isBefore(cutoff)) {
                synchronized (this) {
                    timers.add(at(cutoff, r));
                }
                return;
            }
            sweep("cutoff of " + r.country() + " at " + cutoff);
        });
    }

    /** Decides every live exchange again now and ends those that would be refused. */
    public void sweep(String why) {
        Snapshot snapshot = snapshots.current();
        Instant now = clock.instant();
        int count = 0;
        for (LiveExchange exchange : exchanges.snapshot()) {
            Decision d = Decider.decide(exchange.facts(), snapshot.policy().policy(), now);
            if (d instanceof Decision.Refuse refuse && refuse.enforced()) {
                exchange.refuse(refuse);
                count++;
            }
        }
        if (count > 0) {
            ended.increment(count);
            LOG.infof("%s: ended %d live exchange(s) that are now refused", why, count);
        }
    }
}
