package io.geogate.live;

import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.policy.Policy;
import io.geogate.policy.Restriction;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.AuditLog;
import io.geogate.telemetry.OwnedMeters;
import io.micrometer.core.instrument.Counter;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Holds the cutoff on exchanges already admitted. When a restriction's cutoff passes, and whenever a
 * new policy is published, every live exchange is decided again with the facts it was admitted under,
 * and those that would now be refused are ended. Exchanges still allowed (visitors, other countries)
 * are not touched; in report-only mode nothing is ended and each would-refuse is audited once.
 *
 * <p>The cutoffs follow the wall clock, not a delay measured once: Vert.x timers run on a monotonic
 * clock, so one long timer would fire late by any step of the wall clock (an NTP correction, a VM
 * resumed). Instead the clock is read at least every {@link #MAX_WAIT_MILLIS} while the policy has
 * cutoffs, and once any cutoff has passed every reading sweeps: a step of the clock either way is
 * noticed within that time.
 */
@ApplicationScoped
public class CutoffEnforcer {

    private static final Logger LOG = Logger.getLogger(CutoffEnforcer.class);

    /** Longest a timer runs before the wall clock is read again. */
    static final long MAX_WAIT_MILLIS = 500;

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

    @Inject
    AuditLog audit;

    /** Every cutoff of the policy in force. Guarded by this. */
    private final NavigableSet<Instant> cutoffs = new TreeSet<>();
    /** The wall clock at the previous tick. Guarded by this. */
    private Instant lastTick = Instant.MIN;
    private long timer = -1;
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
        cutoffs.clear();
        for (Restriction r : policy.restrictions()) {
            cutoffs.add(r.cutoff());
        }
        lastTick = clock.instant();
        arm(lastTick);
    }

    /** Sets the one timer: to the next cutoff, or {@link #MAX_WAIT_MILLIS}, whichever comes first. */
    private synchronized void arm(Instant now) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
        if (cutoffs.isEmpty()) {
            return;
        }
        Instant next = cutoffs.higher(now);
        Duration until = next == null ? Duration.ofMillis(MAX_WAIT_MILLIS) : Duration.between(now, next);
        // Compared in seconds first: a cutoff millions of years ahead must not overflow milliseconds.
        long untilNext = until.getSeconds() > MAX_WAIT_MILLIS / 1000 ? MAX_WAIT_MILLIS : until.toMillis();
        // +1: a timer may fire up to a millisecond early on a coarse clock; the tick then just re-arms.
        long delay = Math.max(1, Math.min(MAX_WAIT_MILLIS, untilNext + 1));
        timer = vertx.setTimer(delay, id -> tick());
    }

    private void tick() {
        Instant passed;
        boolean due;
        synchronized (this) {
            // Re-armed first, whatever happens after: a sweep that fails must not stop the cutoffs that follow.
            timer = -1;
            Instant now = clock.instant();
            passed = now.isAfter(lastTick) ? cutoffs.subSet(lastTick, false, now, true).stream().reduce((a, b) -> b).orElse(null)
                    : null;
            // Once any cutoff has passed, every tick sweeps: an exchange admitted while the clock was stepped back
            // (and forward again between two ticks) is still cut. A sweep is one pure decision per live exchange.
            due = cutoffs.floor(now) != null;
            lastTick = now;
            arm(now);
        }
        if (passed != null) {
            sweep("cutoff at " + passed);
        } else if (due) {
            sweep("a cutoff in force");
        }
    }

    /**
     * Decides every live exchange again now and ends those that would be refused; in report-only mode,
     * audits each would-refuse once instead.
     */
    public void sweep(String why) {
        Snapshot snapshot = snapshots.current();
        Instant now = clock.instant();
        int count = 0;
        for (LiveExchange exchange : exchanges.snapshot()) {
            Decision d;
            try {
                d = Decider.decide(exchange.facts(), snapshot.policy().policy(), now);
            } catch (RuntimeException e) {
                LOG.errorf(e, "%s: an exchange could not be decided again; it is ended", why);
                exchange.goAway();
                continue;
            }
            if (!(d instanceof Decision.Refuse refuse)) {
                continue;
            }
            if (refuse.enforced()) {
                exchange.refuse(refuse);
                count++;
            } else if (exchange.firstWouldRefuse()) {
                audit.decided(new Evaluation.Decided(exchange.client(), exchange.facts(), refuse, snapshot.policy().version()), now);
            }
        }
        if (count > 0) {
            ended.increment(count);
            LOG.infof("%s: ended %d live exchange(s) that are now refused", why, count);
        }
    }
}
