package io.geogate.live;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.RawHttp;
import io.geogate.testing.Pattern;
import io.geogate.testing.PatternStream;
import io.geogate.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM against the packaged jar. During an upload held half-way: readiness answers 503 at once while the
 * control plane stays up (liveness 200), new connections are still accepted during the drain delay and
 * refused after it, the upload then completes intact, a WebSocket still open is closed with 1001 (going
 * away), and the process exits by itself. Without Quarkus's shutdown delay, the data plane still drains, and
 * a refusal made while it drains is audited: the audit log stops after the data plane.
 */
class ShutdownIT {

    private static final long SIZE = 20L * 1024 * 1024;
    private static final long HELD_AT = 4L * 1024 * 1024;
    private static final Duration DRAIN = Duration.ofSeconds(4);
    private static final String ANYONE = "X-Forwarded-For: 8.8.8.8";
    private static final String REFUSED = "X-Forwarded-For: 39.32.0.9";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Vertx vertx;
    private TestUpstream upstream;

    @BeforeEach
    void upstream() throws Exception {
        vertx = Vertx.vertx();
        upstream = TestUpstream.start(vertx, "toronto");
        GatewayEnvironment.writeDatabase(dir.resolve("country.mmdb"), "geoip2");
        Files.writeString(dir.resolve("accounts.csv"), "account,home\n");
        int port = upstream.port();
        Files.writeString(dir.resolve("policy.yaml"), GatewayEnvironment.policy(
                Map.of("karachi", port, "frankfurt", port, "toronto", port, "lagos", port), Instant.now(), Map.of()));
    }

    @AfterEach
    void stopUpstream() throws Exception {
        upstream.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void sigtermLetsAnUploadFinishThenRefusesNewConnections() throws Exception {
        int data = Ports.free();
        int control = Ports.free();
        try (PackagedGateway gateway = start(data, control, List.of())) {
            awaitReady(control, gateway);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<HttpResponse<String>> upload = http.sendAsync(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + data + "/upload"))
                            .header("X-Forwarded-For", "8.8.8.8")
                            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> PatternStream.pausingAt(SIZE, HELD_AT,
                                    () -> await(release))))
                            .build(), HttpResponse.BodyHandlers.ofString());
            awaitUpstreamReceiving(upstream.port());
            CompletableFuture<Integer> webSocketClose = new CompletableFuture<>();
            http.newWebSocketBuilder().header("X-Forwarded-For", "8.8.8.8")
                    .buildAsync(URI.create("ws://127.0.0.1:" + data + "/chat"), new java.net.http.WebSocket.Listener() {
                        @Override
                        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int code, String reason) {
                            webSocketClose.complete(code);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);

            Instant sigterm = Instant.now();
            gateway.terminate();
            long readinessDeadline = System.nanoTime() + 1_000_000_000L;
            int readiness = RawHttp.status(control, "/q/health/ready");
            while (readiness != 503 && System.nanoTime() < readinessDeadline) {
                Thread.sleep(20);
                readiness = RawHttp.status(control, "/q/health/ready");
            }
            assertThat(readiness).as(() -> "readiness answers 503 within a second of SIGTERM\n" + output(gateway)).isEqualTo(503);
            int during = RawHttp.status(data, "/", ANYONE);
            int live = RawHttp.status(control, "/q/health/live");
            long checkedAfter = Duration.between(sigterm, Instant.now()).toMillis();
            assertThat(during).as(() -> "new connections accepted during the drain delay (checked within " + checkedAfter
                    + " ms of SIGTERM)\n" + output(gateway)).isEqualTo(200);
            assertThat(live).as(() -> "the control plane answers during the drain delay (checked within " + checkedAfter
                    + " ms of SIGTERM)\n" + output(gateway)).isEqualTo(200);

            Thread.sleep(Math.max(0, Duration.between(Instant.now(), sigterm.plus(DRAIN).plusMillis(100)).toMillis()));
            int afterDrain = RawHttp.status(data, "/", ANYONE);
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (afterDrain != -1 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                afterDrain = RawHttp.status(data, "/", ANYONE);
            }
            assertThat(afterDrain).as(() -> "new connections refused after the drain delay\n" + output(gateway)).isEqualTo(-1);
            assertThat(upload).as("...while the upload is still held half-way").isNotDone();

            release.countDown();
            HttpResponse<String> done = upload.get(30, TimeUnit.SECONDS);
            assertThat(done.statusCode()).isEqualTo(200);
            JsonObject seen = new JsonObject(done.body());
            assertThat(seen.getLong("bytes")).isEqualTo(SIZE);
            assertThat(seen.getString("sha256")).isEqualTo(Pattern.sha256(SIZE));
            assertThat(webSocketClose.get(10, TimeUnit.SECONDS)).as("long-lived sessions end with going away").isEqualTo(1001);
            assertThat(gateway.exitCode(20)).as("the process ends by itself:\n" + gateway.output()).isNotEqualTo(-1);
        }
    }

    @Test
    void withoutQuarkusShutdownDelayTheDataPlaneStillDrainsAndItsRefusalsAreAudited() throws Exception {
        int data = Ports.free();
        int control = Ports.free();
        try (PackagedGateway gateway = start(data, control, List.of("quarkus.shutdown.delay=0s"))) {
            awaitReady(control, gateway);
            gateway.terminate();
            // The drain now runs in the data plane's shutdown observer, after the control plane has closed.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (RawHttp.status(control, "/q/health/live") == 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            int refused = RawHttp.status(data, "/", REFUSED);
            assertThat(refused).as(() -> "a new connection during the drain delay gets its answer\n" + output(gateway)).isEqualTo(451);
            assertThat(gateway.exitCode(30)).as(() -> "the process ends by itself:\n" + output(gateway)).isNotEqualTo(-1);
            assertThat(gateway.output()).as("the audit log outlives the data plane: the refusal made while draining is written")
                    .contains("\"client\":\"39.32.0.9\"");
        }
    }

    private PackagedGateway start(int data, int control, List<String> extra) throws IOException {
        List<String> properties = new ArrayList<>(List.of("geogate.listen.port=" + data,
                "quarkus.http.port=" + control, "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                "geogate.accounts.file=accounts.csv", "geogate.shutdown.drain-delay=" + DRAIN.toSeconds() + "s",
                "geogate.shutdown.timeout=30s"));
        properties.addAll(extra);
        return PackagedGateway.start(dir, properties);
    }

    private static boolean await(CountDownLatch release) {
        try {
            return release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String output(PackagedGateway gateway) {
        try {
            return gateway.output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private void awaitReady(int control, PackagedGateway gateway) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (RawHttp.status(control, "/q/health/ready") != 200) {
            assertThat(gateway.isAlive()).as(gateway.output()).isTrue();
            assertThat(System.nanoTime()).as("ready within 60 s").isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    private void awaitUpstreamReceiving(int port) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            String got = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/received")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            if (Long.parseLong(got) > 1024 * 1024) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the upload never reached the upstream");
    }
}
