package io.geogate.telemetry;

import io.geogate.address.ClientAddress;
import io.geogate.config.GeogateConfig;
import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.snapshot.SnapshotManager;
import io.micrometer.core.instrument.Counter;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One JSON line per refusal, per would-refuse in report-only mode, and per policy change, on the log
 * category {@code geogate.audit}. The request path only offers a small record to a bounded queue;
 * a writer thread of its own formats and logs. A full queue drops the line and counts it
 * ({@code geogate_audit_dropped_total}), so auditing never slows or blocks a request.
 */
@ApplicationScoped
public class AuditLog {

    /** The log category audit lines go to; route it with {@code quarkus.log.category."geogate.audit".*}. */
    public static final String CATEGORY = "geogate.audit";

    private static final Logger AUDIT = Logger.getLogger(CATEGORY);
    private static final Logger LOG = Logger.getLogger(AuditLog.class);

    @Inject
    GeogateConfig config;

    @Inject
    OwnedMeters meters;

    @Inject
    SnapshotManager snapshots;

    private BlockingQueue<Supplier<JsonObject>> queue;
    private Counter dropped;
    private Thread writer;

    void start(@Observes StartupEvent event) {
        queue = new ArrayBlockingQueue<>(Math.max(1, config.audit().queueSize()));
        dropped = meters.own(Counter.builder("geogate.audit.dropped").description("audit lines dropped because the queue was full")
                .register(meters.registry()));
        snapshots.onPublish((before, after) -> {
            if (!before.policy().version().equals(after.policy().version())) {
                offer(() -> new JsonObject().put("time", after.policy().loadedAt().toString()).put("event", "policy-changed")
                        .put("oldVersion", before.policy().version()).put("newVersion", after.policy().version())
                        .put("source", after.policy().source()));
            }
        });
        writer = new Thread(this::drain, "geogate-audit-writer");
        writer.setDaemon(true);
        writer.start();
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (writer != null) {
            writer.interrupt();
            writer.join(2000);
        }
    }

    /** Records a refused or would-refuse decision; a no-op for anything else. Formatting waits for the writer thread. */
    public void decided(Evaluation.Decided d, Instant at) {
        if (d.decision() instanceof Decision.Refuse refuse) {
            offer(() -> line(d, refuse, at));
        }
    }

    private JsonObject line(Evaluation.Decided d, Decision.Refuse refuse, Instant at) {
        JsonObject line = new JsonObject()
                .put("time", at.toString())
                .put("event", refuse.outcome())
                .put("client", address(d.client().address()))
                .put("country", d.facts().country().map(Object::toString).orElse(null))
                .put("account", d.facts().account().map(a -> a.id().value()).orElse(null))
                .put("home", d.facts().home().map(Object::toString).orElse(null))
                .put("restriction", refuse.restriction().map(r -> r.country().value()).orElse(null))
                .put("cutoff", refuse.restriction().map(r -> r.cutoff().toString()).orElse(null))
                .put("reason", refuse.reason().word())
                .put("datacenter", refuse.datacenter().name())
                .put("policyVersion", d.policyVersion());
        if (d.client().malformedForwarded()) {
            line.put("address", ClientAddress.MALFORMED_FORWARDED);
        }
        return line;
    }

    private void offer(Supplier<JsonObject> line) {
        if (!queue.offer(line)) {
            dropped.increment();
        }
    }

    private String address(InetAddress a) {
        if (config.audit().address() == GeogateConfig.AddressDetail.FULL) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int keep = a instanceof Inet4Address ? 3 : 6;
        for (int i = keep; i < b.length; i++) {
            b[i] = 0;
        }
        try {
            return InetAddress.getByAddress(b).getHostAddress() + (a instanceof Inet4Address ? "/24" : "/48");
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    private void drain() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Supplier<JsonObject> line = queue.poll(1, TimeUnit.SECONDS);
                if (line != null) {
                    AUDIT.info(line.get().encode());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.error("audit writer failed to write a line; it keeps running", e);
            }
        }
        Supplier<JsonObject> rest;
        while ((rest = queue.poll()) != null) {
            AUDIT.info(rest.get().encode());
        }
    }
}
