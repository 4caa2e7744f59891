package io.geogate.telemetry;

import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.policy.Restriction;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.datasketches.hll.HllSketch;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Shadow figures for the days before a cutoff: per restriction, how many requests are being served
 * with a notice (and so will be refused at the cutoff), and how many distinct accounts make them.
 * Distinct accounts are estimated with a HyperLogLog sketch (about 1.6% error, 2 KiB per
 * restriction), so millions of accounts cost no more memory than ten. A restriction whose cutoff
 * changes starts counting afresh.
 */
@ApplicationScoped
public class NoticeFigures {

    /** HLL precision: 2^12 buckets. */
    private static final int LG_K = 12;

    @Inject
    OwnedMeters meters;

    private final ConcurrentMap<String, Figure> byCountry = new ConcurrentHashMap<>();

    /** One restriction's figures, as operators see them in {@code /admin/config} (serialised by Jackson, hence registered). */
    @RegisterForReflection
    public record NoticeFigure(String restriction, Instant cutoff, long requests, long accountRequests,
                               long distinctAccounts) {
    }

    public void decided(Evaluation.Decided d) {
        if (!(d.decision() instanceof Decision.Notice notice)) {
            return;
        }
        Restriction r = notice.notice();
        byCountry.computeIfAbsent(r.country().value(), this::register)
                .count(r.cutoff(), d.facts().account().map(a -> a.id().value()));
    }

    public List<NoticeFigure> figures() {
        return byCountry.values().stream().map(Figure::view).flatMap(Optional::stream)
                .sorted(Comparator.comparing(NoticeFigure::restriction)).toList();
    }

    private Figure register(String country) {
        Figure figure = new Figure(country);
        meters.own(FunctionCounter.builder("geogate.notice.requests", figure, f -> f.view().map(NoticeFigure::requests).orElse(0L))
                .description("requests served with a notice: refused once the restriction's cutoff passes")
                .tag("restriction", country).register(meters.registry()));
        meters.own(Gauge.builder("geogate.notice.accounts", () -> figure.view().map(NoticeFigure::distinctAccounts).orElse(0L))
                .description("distinct accounts (estimated) served with a notice for the restriction")
                .tag("restriction", country).register(meters.registry()));
        return figure;
    }

    private static final class Figure {
        private final String country;
        private volatile Window window;

        Figure(String country) {
            this.country = country;
        }

        void count(Instant cutoff, Optional<String> account) {
            Window w = window;
            if (w == null || !w.cutoff.equals(cutoff)) {
                synchronized (this) {
                    w = window;
                    if (w == null || !w.cutoff.equals(cutoff)) {
                        w = new Window(cutoff);
                        window = w;
                    }
                }
            }
            w.requests.increment();
            if (account.isPresent()) {
                w.accountRequests.increment();
                synchronized (w.accounts) {
                    w.accounts.update(account.get());
                }
            }
        }

        Optional<NoticeFigure> view() {
            Window w = window;
            if (w == null) {
                return Optional.empty();
            }
            long distinct;
            synchronized (w.accounts) {
                distinct = Math.round(w.accounts.getEstimate());
            }
            return Optional.of(new NoticeFigure(country, w.cutoff, w.requests.sum(), w.accountRequests.sum(), distinct));
        }
    }

    private static final class Window {
        final Instant cutoff;
        final LongAdder requests = new LongAdder();
        final LongAdder accountRequests = new LongAdder();
        final HllSketch accounts = new HllSketch(LG_K);

        Window(Instant cutoff) {
            this.cutoff = cutoff;
        }
    }
}
