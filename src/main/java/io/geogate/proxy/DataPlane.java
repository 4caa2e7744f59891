package io.geogate.proxy;

import io.geogate.config.GeogateConfig;
import io.geogate.evaluation.Evaluator;
import io.geogate.live.Draining;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.DecisionRecorder;
import io.geogate.telemetry.GatewayMetrics;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.Http2Settings;
import io.geogate.telemetry.OwnedMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The data plane: its own Vert.x HTTP server on {@code geogate.listen.port}, one instance per event
 * loop, on Quarkus's managed Vert.x. Every request here is a client request; nothing of the
 * gateway's own is served on this port.
 */
@ApplicationScoped
public class DataPlane {

    private static final Logger LOG = Logger.getLogger(DataPlane.class);

    @Inject
    Vertx vertx;

    @Inject
    GeogateConfig config;

    @Inject
    SnapshotManager snapshots;

    @Inject
    Clock clock;

    @Inject
    Evaluator evaluator;

    @Inject
    DecisionRecorder recorder;

    @Inject
    GatewayMetrics metrics;

    @Inject
    LiveExchanges exchanges;

    @Inject
    Draining draining;

    @Inject
    OwnedMeters meters;

    private volatile String deploymentId;

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        // Load the inputs (or fail start-up on a bad policy) before the first client can connect.
        snapshots.current();
        ConnectionGate gate = new ConnectionGate(config.limits().maxConnections(), meters.own(
                Counter.builder("geogate.connections.refused")
                        .description("client connections closed at once because geogate.limits.max-connections were open")
                        .register(meters.registry())));
        meters.own(Gauge.builder("geogate.connections", gate::open).description("open client connections on the data plane")
                .register(meters.registry()));
        Upstreams upstreams = new Upstreams(vertx, config.upstream(), config.limits().maxBody(), ClientProxy.unwrap(metrics)::upstream, ClientProxy.unwrap(exchanges),
                snapshots.current().policy().policy());
        snapshots.onPublish((before, after) -> upstreams.retainOnly(after.policy().policy()));
        meters.own(Gauge.builder("geogate.upstream.clients", upstreams::open)
                .description("datacenter clients (connection pools) open").register(meters.registry()));
        // The beans themselves, not their client proxies: a proxy looks its bean up in the CDI context on every call.
        GatewayHandler handler = new GatewayHandler(ClientProxy.unwrap(snapshots), ClientProxy.unwrap(clock), upstreams, ClientProxy.unwrap(evaluator),
                ClientProxy.unwrap(recorder), ClientProxy.unwrap(exchanges), config.limits(), ClientProxy.unwrap(draining),
                config.upstream().timeout().toMillis());
        GeogateConfig.Limits limits = config.limits();
        HttpServerOptions options = new HttpServerOptions()
                .setPort(config.listen().port())
                .setHost(config.listen().host())
                .setHttp2ClearTextEnabled(true)
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setIdleTimeout((int) Math.max(1, limits.idleTimeout().toSeconds()))
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(limits.maxConcurrentStreams())
                        .setMaxHeaderListSize(limits.maxHeaderSize()))
                // CVE-2023-44487 (rapid reset): a client resetting more streams than this in the window is disconnected.
                .setHttp2RstFloodMaxRstFramePerWindow(limits.maxConcurrentStreams() * 2)
                .setHttp2RstFloodWindowDuration(30)
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
        long headerMillis = Math.max(1, limits.requestHeaderTimeout().toMillis());
        int instances = eventLoops();
        deploymentId = vertx.deployVerticle(() -> new AbstractVerticle() {
                    @Override
                    public void start(Promise<Void> started) {
                        new DataPlaneServer(vertx, options, headerMillis, gate)
                                .connectionHandler(DataPlane.this::accepted)
                                .invalidRequestHandler(DataPlane::invalid)
                                .requestHandler(handler).listen()
                                .<Void>mapEmpty().onComplete(started);
                    }
                }, new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("data plane listening on %s:%d (%d event-loop instances)", config.listen().host(),
                config.listen().port(), instances);
    }

    /** Every new client connection, once Vert.x hands it over: refused while shutting down. */
    private void accepted(HttpConnection connection) {
        connection.closeHandler(v -> draining.closed(connection));
        draining.accepted(connection);
    }

    /** Quarkus's event-loop count ({@code quarkus.vertx.event-loops-pool-size}, by default twice the cores). */
    private static int eventLoops() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.vertx.event-loops-pool-size", Integer.class)
                .orElse(2 * Runtime.getRuntime().availableProcessors());
    }

    /** A request Netty could not decode: 431 for an oversized head, 414 for an oversized request line. */
    private static void invalid(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpHeaderException) {
            GatewayHandler.reject(request, 431, "Request Header Fields Too Large", "the request head is larger than allowed");
        } else if (cause instanceof TooLongHttpLineException) {
            GatewayHandler.reject(request, 414, "URI Too Long", "the request line is longer than allowed");
        } else {
            GatewayHandler.reject(request, 400, "Bad Request", "the request could not be decoded");
        }
    }

    /**
     * SIGTERM, while Quarkus's shutdown delay ({@code quarkus.shutdown.delay}, set to the drain delay) keeps
     * the control plane answering: readiness fails from here, with 503 rather than a refused connection,
     * and metrics can still be scraped.
     */
    void drainStarts(@Observes ShutdownDelayInitiatedEvent event) {
        if (deploymentId != null) {
            draining.start();
            LOG.infof("shutting down: readiness is DOWN; accepting connections for %s more", config.shutdown().drainDelay());
        }
    }

    /**
     * Graceful shutdown, as Kubernetes needs it: readiness fails at once; new connections are still
     * accepted for the drain delay while endpoints are removed; then new connections are refused,
     * requests in flight get up to the shutdown timeout to finish, and long-lived exchanges
     * (WebSockets, event streams) are ended with a going-away signal. Runs before the observers of the
     * audit log, the meters and the input watcher, which must keep working for the requests still served.
     */
    void stop(@Observes @Priority(1000) ShutdownEvent event) {
        String id = deploymentId;
        if (id == null) {
            return;
        }
        // A failure here must not skip the observers after this one (the audit log's last lines among them).
        try {
            drainThenClose(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("the data plane's shutdown was interrupted");
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            LOG.error("the data plane did not shut down cleanly", e);
        }
    }

    private void drainThenClose(String id) throws InterruptedException, ExecutionException, TimeoutException {
        // The drain began with the shutdown delay's event; when Quarkus's delay is off or shorter, it is completed here.
        draining.start();
        long drainLeft = config.shutdown().drainDelay().toNanos() - draining.drainingForNanos();
        if (drainLeft > 0) {
            TimeUnit.NANOSECONDS.sleep(drainLeft);
        }
        long deadline = draining.inFlightDeadline(config.shutdown().timeout());
        while (exchanges.shortLived() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        List<LiveExchange> remaining = exchanges.snapshot();
        remaining.forEach(LiveExchange::goAway);
        if (!remaining.isEmpty()) {
            LOG.infof("ended %d remaining exchange(s) with a going-away signal", remaining.size());
            Thread.sleep(200);
        }
        vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
