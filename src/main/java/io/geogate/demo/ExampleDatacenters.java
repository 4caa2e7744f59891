package io.geogate.demo;

import io.geogate.config.GeogateConfig;
import io.geogate.policy.Datacenter;
import io.geogate.proxy.GatewayHeaders;
import io.geogate.snapshot.SnapshotManager;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * With {@code geogate.demo.enabled=true}, answers for each plain-HTTP loopback datacenter of the
 * policy, so that geogate can be tried with nothing else running. Each answers with its name and
 * the headers geogate added, which is what an operator wants to see first.
 */
@ApplicationScoped
public class ExampleDatacenters {

    private static final Logger LOG = Logger.getLogger(ExampleDatacenters.class);
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    @Inject
    Vertx vertx;

    @Inject
    GeogateConfig config;

    @Inject
    SnapshotManager snapshots;

    void start(@Observes StartupEvent event) throws Exception {
        if (!config.demo().enabled()) {
            return;
        }
        for (Datacenter dc : snapshots.current().policy().policy().datacenters()) {
            if (dc.tls() || !LOOPBACK.contains(dc.upstream().getHost())) {
                continue;
            }
            String host = dc.upstream().getHost().replace("[", "").replace("]", "");
            vertx.createHttpServer(new HttpServerOptions().setPort(dc.port()).setHost(host)).requestHandler(req -> req.body().onComplete(body -> {
                JsonObject answer = new JsonObject()
                        .put("datacenter", dc.name())
                        .put("method", req.method().name())
                        .put("path", req.uri())
                        .put("country", req.getHeader(GatewayHeaders.GEO_COUNTRY))
                        .put("home", req.getHeader(GatewayHeaders.ACCOUNT_HOME))
                        .put("decision", req.getHeader(GatewayHeaders.DECISION))
                        .put("forwardedFor", req.getHeader(GatewayHeaders.FORWARDED_FOR));
                req.response().putHeader("Content-Type", "application/json").end(answer.encodePrettily() + "\n");
            })).listen()
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            LOG.infof("example datacenter %s answering on %s", dc.name(), dc.upstream());
        }
    }
}
