package io.geogate.live;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.Pattern;
import io.geogate.testing.PatternStream;
import io.geogate.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM during a 20 MB upload, against the packaged jar: readiness fails at once, new connections
 * are still accepted during the drain delay and refused after it, the upload completes intact, a
 * WebSocket still open is then closed with 1001 (going away), and the process exits by itself.
 */
class ShutdownIT {

    private static final long SIZE = 20L * 1024 * 1024;
    private static final Duration DRAIN = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void sigtermLetsAnUploadFinishThenRefusesNewConnections() throws Exception {
        Vertx vertx = Vertx.vertx();
        TestUpstream upstream = TestUpstream.start(vertx, "toronto");
        try {
            GatewayEnvironment.writeDatabase(dir.resolve("country.mmdb"), "geoip2");
            Files.writeString(dir.resolve("accounts.csv"), "account,home\n");
            int port = upstream.port();
            Files.writeString(dir.resolve("policy.yaml"), GatewayEnvironment.policy(
                    Map.of("karachi", port, "frankfurt", port, "toronto", port, "lagos", port), Instant.now(), Map.of()));
            int data = Ports.free();
            int control = Ports.free();
            try (PackagedGateway gateway = PackagedGateway.start(dir, List.of("geogate.listen.port=" + data,
                    "quarkus.http.port=" + control, "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                    "geogate.accounts.file=accounts.csv", "geogate.shutdown.drain-delay=" + DRAIN.toSeconds() + "s",
                    "geogate.shutdown.timeout=30s"))) {
                awaitReady(control, gateway);

                CompletableFuture<HttpResponse<String>> upload = http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + data + "/upload"))
                                .header("X-Forwarded-For", "8.8.8.8")
                                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> PatternStream.throttled(SIZE, 3 * 1024 * 1024)))
                                .build(), HttpResponse.BodyHandlers.ofString());
                awaitUpstreamReceiving(port);
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
                int readiness = readinessStatus(control);
                while (readiness == 200 && System.nanoTime() < readinessDeadline) {
                    Thread.sleep(50);
                    readiness = readinessStatus(control);
                }
                assertThat(readiness).as(() -> "readiness fails within a second of SIGTERM\n" + output(gateway)).isNotEqualTo(200);
                assertThat(status(data)).as("new connections accepted during the drain delay").isEqualTo(200);

                Thread.sleep(Math.max(0, Duration.between(Instant.now(), sigterm.plus(DRAIN).plusMillis(100)).toMillis()));
                int afterDrain = status(data);
                long deadline = System.nanoTime() + 2_000_000_000L;
                while (afterDrain != -1 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    afterDrain = status(data);
                }
                assertThat(afterDrain).as(() -> "new connections refused after the drain delay\n" + output(gateway)).isEqualTo(-1);
                assertThat(upload).as("...while the upload is still going").isNotDone();

                HttpResponse<String> done = upload.get(30, TimeUnit.SECONDS);
                assertThat(done.statusCode()).isEqualTo(200);
                JsonObject seen = new JsonObject(done.body());
                assertThat(seen.getLong("bytes")).isEqualTo(SIZE);
                assertThat(seen.getString("sha256")).isEqualTo(Pattern.sha256(SIZE));
                assertThat(webSocketClose.get(10, TimeUnit.SECONDS)).as("long-lived sessions end with going away").isEqualTo(1001);
                assertThat(gateway.exitCode(20)).as("the process ends by itself:\n" + gateway.output()).isNotEqualTo(-1);
            }
        } finally {
            upstream.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static String output(PackagedGateway gateway) {
        try {
            return gateway.output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** The status of a plain request on a new connection, or -1 if the connection was refused or dropped. */
    private int status(int port) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("X-Forwarded-For", "8.8.8.8")
                            .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** Readiness on a new connection each time: a kept-alive one would outlive the server's stop accepting. */
    private int readinessStatus(int control) {
        try {
            return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/q/health/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    private void awaitReady(int control, PackagedGateway gateway) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (readinessStatus(control) != 200) {
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
