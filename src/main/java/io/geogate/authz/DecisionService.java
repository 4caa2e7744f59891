package io.geogate.authz;

import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.geogate.config.GeogateConfig;
import io.geogate.evaluation.Evaluator;
import io.geogate.live.Draining;
import io.geogate.proxy.ConnectionGate;
import io.geogate.proxy.DataPlaneServer;
import io.geogate.proxy.HeaderDeadline;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.DecisionRecorder;
import io.geogate.telemetry.OwnedMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The decision service for an ingress that already exists: Envoy's ext_authz over gRPC on
 * {@code geogate.authz.grpc.port}, forward-auth over HTTP on {@code geogate.authz.http.port}. Each is
 * off unless its port is set; each is its own Vert.x server, one instance per event loop, beside the
 * data plane and deciding with the same snapshot, evaluator and recorder. The ports face the ingress,
 * not clients, but get the data plane's protections all the same: the request-header deadline, a
 * connection limit, HTTP/2's stream and reset-flood limits, and its shutdown.
 */
@ApplicationScoped
public class DecisionService {

    private static final Logger LOG = Logger.getLogger(DecisionService.class);

    /**
     * Largest Check message: the request's headers (an ingress bounds them, Envoy to 60 KiB by default)
     * with room to spare. A body in the Check (Envoy's with_request_body) is not needed and must stay small.
     */
    static final long MAX_CHECK_BYTES = 256 * 1024;

    /** Concurrent Checks one Envoy connection may carry: Envoy multiplexes them all on few connections. */
    static final int MAX_CONCURRENT_CHECKS = 1024;

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
    Draining draining;

    @Inject
    OwnedMeters meters;

    private final List<String> deploymentIds = new CopyOnWriteArrayList<>();
    private volatile AuthzCheck check;

    void start(@Observes @Priority(20) StartupEvent event) throws Exception {
        Optional<Integer> grpcPort = port(config.authz().grpc().port(), "geogate.authz.grpc.port");
        Optional<Integer> httpPort = port(config.authz().http().port(), "geogate.authz.http.port");
        if (grpcPort.isEmpty() && httpPort.isEmpty()) {
            return;
        }
        snapshots.current();
        // The beans themselves, not their client proxies: a proxy looks its bean up in the CDI context on every call.
        check = new AuthzCheck(ClientProxy.unwrap(snapshots), ClientProxy.unwrap(clock), ClientProxy.unwrap(evaluator),
                ClientProxy.unwrap(recorder));
        GeogateConfig.Limits limits = config.limits();
        // Its own count: a flood of client connections to the data plane must not shut the ingress out, nor the reverse.
        ConnectionGate gate = new ConnectionGate(limits.maxConnections(), meters.own(
                Counter.builder("geogate.authz.connections.refused")
                        .description("decision-service connections closed at once because geogate.limits.max-connections were open")
                        .register(meters.registry())));
        meters.own(Gauge.builder("geogate.authz.connections", gate::open)
                .description("open connections on the decision-service ports").register(meters.registry()));
        if (grpcPort.isPresent()) {
            HttpServerOptions options = options(grpcPort.get(), limits, MAX_CONCURRENT_CHECKS);
            EnvoyCheckHandler handler = new EnvoyCheckHandler(check);
            serve("gRPC ext_authz", options, gate, () -> GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(MAX_CHECK_BYTES))
                    .callHandler(AuthorizationGrpc.getCheckMethod(), handler));
        }
        if (httpPort.isPresent()) {
            ForwardAuthHandler handler = new ForwardAuthHandler(check, limits.maxHeaderCount());
            serve("HTTP forward-auth", options(httpPort.get(), limits, limits.maxConcurrentStreams()), gate, () -> handler);
        }
    }

    private HttpServerOptions options(int port, GeogateConfig.Limits limits, int maxConcurrentStreams) {
        return new HttpServerOptions()
                .setPort(port)
                .setHost(config.listen().host())
                .setHttp2ClearTextEnabled(true)
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setIdleTimeout((int) Math.max(1, limits.idleTimeout().toSeconds()))
                .setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(maxConcurrentStreams)
                        .setMaxHeaderListSize(limits.maxHeaderSize()))
                // CVE-2023-44487 (rapid reset), as on the data plane.
                .setHttp2RstFloodMaxRstFramePerWindow(maxConcurrentStreams * 2)
                .setHttp2RstFloodWindowDuration(30)
                .setHttp2RstFloodWindowDurationTimeUnit(TimeUnit.SECONDS);
    }

    private void serve(String name, HttpServerOptions options, ConnectionGate gate, Supplier<Handler<HttpServerRequest>> handler)
            throws Exception {
        long headerMillis = Math.max(1, config.limits().requestHeaderTimeout().toMillis());
        int instances = eventLoops();
        String id = vertx.deployVerticle(() -> new AbstractVerticle() {
                    @Override
                    public void start(Promise<Void> started) {
                        Handler<HttpServerRequest> checks = handler.get();
                        new DataPlaneServer(vertx, options, headerMillis, gate)
                                .connectionHandler(connection -> {
                                    connection.closeHandler(v -> draining.closed(connection));
                                    draining.accepted(connection);
                                })
                                .requestHandler(request -> {
                                    HeaderDeadline.headArrived(request);
                                    // Its first request may be decoded before a connection refused at shutdown is gone.
                                    if (draining.isRefused(request.connection())) {
                                        request.connection().close();
                                        return;
                                    }
                                    checks.handle(request);
                                })
                                .listen().<Void>mapEmpty().onComplete(started);
                    }
                }, new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        deploymentIds.add(id);
        LOG.infof("decision service (%s) listening on %s:%d (%d event-loop instances)", name, options.getHost(),
                options.getPort(), instances);
    }

    /**
     * After the data plane's shutdown (readiness DOWN, the drain delay, then new connections refused on every
     * port, the decision ports included): the Checks in flight are answered within the same shutdown timeout
     * as the data plane's requests (one deadline, not two in a row), then the servers close.
     */
    void stop(@Observes @Priority(1100) ShutdownEvent event) {
        if (deploymentIds.isEmpty()) {
            return;
        }
        // A failure here must not skip the observers after this one (the audit log's last lines among them).
        try {
            long deadline = draining.inFlightDeadline(config.shutdown().timeout());
            while (check.inFlight() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            for (String id : deploymentIds) {
                vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("the decision service's shutdown was interrupted");
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            LOG.error("the decision service did not shut down cleanly", e);
        }
    }

    /** A configured port, checked here so that a bad one stops start-up naming its key. */
    private static Optional<Integer> port(Optional<Integer> port, String key) {
        if (port.isPresent() && (port.get() < 1 || port.get() > 65_535)) {
            throw new IllegalStateException(key + " must be within 1-65535, not " + port.get());
        }
        return port;
    }

    /** Quarkus's event-loop count ({@code quarkus.vertx.event-loops-pool-size}, by default twice the cores). */
    private static int eventLoops() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.vertx.event-loops-pool-size", Integer.class)
                .orElse(2 * Runtime.getRuntime().availableProcessors());
    }
}
