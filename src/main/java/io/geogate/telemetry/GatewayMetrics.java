package io.geogate.telemetry;

import io.geogate.country.CountryCode;
import io.geogate.decision.Decision;
import io.geogate.decision.Reason;
import io.geogate.evaluation.Evaluation;
import io.geogate.geo.GeoDatabase;
import io.geogate.snapshot.Component;
import io.geogate.snapshot.ReloadReport;
import io.geogate.snapshot.SnapshotManager;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * geogate's own metrics on {@code /q/metrics}. Label values are bounded: outcomes and reasons are
 * fixed words, countries are two-letter codes or {@code unknown}, datacenters come from the policy.
 * Meters are cached, so counting a request is a map lookup and an increment.
 */
@ApplicationScoped
public class GatewayMetrics {

    @Inject
    OwnedMeters meters;

    @Inject
    SnapshotManager snapshots;

    @Inject
    Clock clock;

    private record DecisionKey(String outcome, String reason, String country) {
    }

    private record UpstreamKey(String datacenter, String outcome) {
    }

    /** Outcomes of a decided request, in the order of {@link #decidedSlot}. */
    private static final List<String> OUTCOMES = List.of("allow", "notice", "refuse", "would-refuse");
    /** Country slots: 26 x 26 two-letter codes, then {@code unknown}. */
    private static final int COUNTRY_SLOTS = 26 * 26 + 1;

    /**
     * Decided requests' counters by (outcome, reason, country) slot, created on first use: counting a
     * decision is an index computation and an increment, with no key object and no hashing.
     */
    private final AtomicReferenceArray<Counter> decided =
            new AtomicReferenceArray<>(OUTCOMES.size() * Reason.values().length * COUNTRY_SLOTS);
    private final ConcurrentMap<DecisionKey, Counter> unavailable = new ConcurrentHashMap<>();
    private final ConcurrentMap<UpstreamKey, Timer> upstreams = new ConcurrentHashMap<>();

    void start(@Observes StartupEvent event) {
        MeterRegistry registry = meters.registry();
        meters.own(Gauge.builder("geogate.geo.database.age", () -> geo().map(g -> (double) g.age(clock.instant()).toSeconds()).orElse(Double.NaN))
                .baseUnit("seconds").description("age of the geo database in service, from its build time")
                .register(registry));
        meters.own(Gauge.builder("geogate.geo.database.build.time", () -> geo().map(g -> (double) g.buildTime().getEpochSecond()).orElse(Double.NaN))
                .baseUnit("seconds").description("build time of the geo database in service, as a Unix time")
                .register(registry));
        meters.own(Gauge.builder("geogate.cutoff", this::secondsToNextCutoff).baseUnit("seconds")
                .description("seconds until the next cutoff of the policy in force (NaN when none lies ahead)")
                .register(registry));
        meters.own(Gauge.builder("geogate.accounts", () -> (double) snapshots.current().accounts().size().orElse(-1))
                .description("accounts in the directory (-1: unknown)").register(registry));
        for (Component c : Component.values()) {
            for (ReloadReport.Outcome o : ReloadReport.Outcome.values()) {
                reloads(c, o);
            }
        }
        snapshots.refusals().keySet().forEach(c -> reloads(c, ReloadReport.Outcome.REFUSED).increment());
        snapshots.onReload((c, o) -> reloads(c, o).increment());
    }

    private double secondsToNextCutoff() {
        java.time.Instant now = clock.instant();
        return snapshots.current().policy().policy().restrictions().stream().map(r -> r.cutoff()).filter(now::isBefore)
                .min(java.util.Comparator.naturalOrder())
                .map(c -> java.time.Duration.between(now, c).toMillis() / 1000.0).orElse(Double.NaN);
    }

    private java.util.Optional<GeoDatabase> geo() {
        return snapshots.current().geo();
    }

    private Counter reloads(Component c, ReloadReport.Outcome o) {
        String result = o == ReloadReport.Outcome.CHANGED ? "success" : o.name().toLowerCase(Locale.ROOT);
        return meters.own(Counter.builder("geogate.reloads").description("input reloads by component and result")
                .tag("component", c.word()).tag("result", result).register(meters.registry()));
    }

    /** Counts one data-plane request by outcome, reason and client country. */
    public void decided(Evaluation evaluation) {
        if (evaluation instanceof Evaluation.Decided d) {
            int slot = decidedSlot(d.decision(), d.facts().country());
            Counter counter = decided.get(slot);
            if (counter == null) {
                counter = decisionCounter(new DecisionKey(d.decision().outcome(), d.decision().reason().word(),
                        d.facts().country().map(Object::toString).orElse("unknown")));
                // Two threads may race here; Micrometer hands both the same registered counter.
                decided.set(slot, counter);
            }
            counter.increment();
        } else {
            Evaluation.Unavailable u = (Evaluation.Unavailable) evaluation;
            unavailable.computeIfAbsent(new DecisionKey("unavailable", u.reason(), "unknown"), this::decisionCounter)
                    .increment();
        }
    }

    private static int decidedSlot(Decision decision, Optional<CountryCode> country) {
        int outcome;
        if (decision instanceof Decision.Refuse r) {
            outcome = r.enforced() ? 2 : 3;
        } else {
            outcome = decision instanceof Decision.Notice ? 1 : 0;
        }
        int countrySlot = country.map(c -> (c.value().charAt(0) - 'A') * 26 + (c.value().charAt(1) - 'A'))
                .orElse(COUNTRY_SLOTS - 1);
        return (outcome * Reason.values().length + decision.reason().ordinal()) * COUNTRY_SLOTS + countrySlot;
    }

    private Counter decisionCounter(DecisionKey k) {
        return meters.own(Counter.builder("geogate.decisions")
                .description("data-plane decisions by outcome, reason and client country")
                .tag("outcome", k.outcome()).tag("reason", k.reason()).tag("country", k.country())
                .register(meters.registry()));
    }

    /**
     * Times one exchange with a datacenter up to its response headers.
     *
     * @param outcome the response's status class ({@code 2xx} …), or {@code unreachable} or {@code timeout}
     */
    public void upstream(String datacenter, String outcome, long nanos) {
        upstreams.computeIfAbsent(new UpstreamKey(datacenter, outcome), k -> meters.own(Timer.builder("geogate.upstream")
                .description("time from sending a request to a datacenter to its response headers")
                .tag("datacenter", k.datacenter()).tag("outcome", k.outcome())
                .register(meters.registry()))).record(nanos, TimeUnit.NANOSECONDS);
    }
}
