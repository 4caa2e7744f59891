package io.geogate.proxy;

import io.geogate.config.GeogateConfig;
import io.geogate.evaluation.Evaluator;
import io.geogate.live.LiveExchanges;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.DecisionRecorder;
import io.geogate.telemetry.GatewayMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

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

    private volatile String deploymentId;

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        // Load the inputs (or fail start-up on a bad policy) before the first client can connect.
        snapshots.current();
        Upstreams upstreams = new Upstreams(vertx, config.upstream(), metrics::upstream);
        GatewayHandler handler = new GatewayHandler(snapshots, clock, upstreams, evaluator, recorder, exchanges);
        HttpServerOptions options = new HttpServerOptions()
                .setPort(config.listen().port())
                .setHost(config.listen().host())
                .setHttp2ClearTextEnabled(true);
        int instances = eventLoops();
        deploymentId = vertx.deployVerticle(() -> new AbstractVerticle() {
                    @Override
                    public void start(Promise<Void> started) {
                        vertx.createHttpServer(options).requestHandler(handler).listen()
                                .<Void>mapEmpty().onComplete(started);
                    }
                }, new DeploymentOptions().setInstances(instances))
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.infof("data plane listening on %s:%d (%d event-loop instances)", config.listen().host(),
                config.listen().port(), instances);
    }

    /** Quarkus's event-loop count ({@code quarkus.vertx.event-loops-size}, by default twice the cores). */
    private static int eventLoops() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.vertx.event-loops-size", Integer.class)
                .orElse(2 * Runtime.getRuntime().availableProcessors());
    }

    void stop(@Observes ShutdownEvent event) throws Exception {
        String id = deploymentId;
        if (id != null) {
            vertx.undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
