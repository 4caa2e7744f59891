package io.geogate.proxy;

import io.geogate.live.LiveExchanges;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.TestFiles;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Faults injected into real parts while geogate serves: a datacenter that resets mid-response or sends
 * oversized headers, input files deleted, the control plane flooded with bad tokens. Each gets the status
 * the contract names, readiness tells the truth, service recovers without a restart, and no thread, file
 * handle or live exchange is left behind.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "faults"))
class FaultInjectionTest {

    GatewayFixture fixture;

    @Inject
    LiveExchanges exchanges;

    private Vertx vertx;
    private NetServer broken;
    private String originalPolicy;

    @BeforeEach
    void brokenDatacenter() throws Exception {
        vertx = Vertx.vertx();
        broken = vertx.createNetServer().connectHandler(socket -> socket.handler(bytes -> {
            String head = bytes.toString();
            if (head.startsWith("GET /reset")) {
                socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
                socket.write(Buffer.buffer(new byte[1000]));
                vertx.setTimer(50, id -> socket.close());
            } else if (head.startsWith("GET /huge-header")) {
                socket.write("HTTP/1.1 200 OK\r\nX-Huge: " + "h".repeat(64 * 1024) + "\r\nContent-Length: 0\r\n\r\n");
            } else {
                socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        originalPolicy = Files.readString(fixture.policyFile());
    }

    @AfterEach
    void restore() throws Exception {
        putPolicy(originalPolicy);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void putPolicy(String policy) {
        io.geogate.testing.Admin.putPolicy(policy).statusCode(200);
    }

    private Response get(String path) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "85.214.0.1").get(path);
    }

    private record Resources(int threads, long files) {
    }

    private static Resources resources() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return new Resources(ManagementFactory.getThreadMXBean().getThreadCount(), fds.count());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void assertNothingLeaked(Resources before) throws Exception {
        Eventually.until("every exchange has ended", () -> exchanges.size() == 0);
        Eventually.until("threads and file handles are back", () -> {
            Resources now = resources();
            return now.threads() <= before.threads() + 4 && now.files() <= before.files() + 8;
        });
    }

    @Test
    void aDatacenterThatBreaksItsAnswerCostsOnlyThatAnswer() throws Exception {
        putPolicy("""
                datacenters:
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                """.formatted(broken.actualPort()));
        get("/warm-up").then().statusCode(200);
        Resources before = resources();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        for (int i = 0; i < 20; i++) {
            HttpRequest reset = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/reset"))
                    .header("X-Forwarded-For", "85.214.0.1").timeout(Duration.ofSeconds(5)).build();
            CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(reset, HttpResponse.BodyHandlers.ofByteArray());
            assertThat(answer).as("a body cut short is never passed off as whole").failsWithin(Duration.ofSeconds(4));
            Response huge = get("/huge-header");
            assertThat(huge.statusCode()).isEqualTo(502);
            assertThat(huge.contentType()).isEqualTo("application/problem+json");
            get("/fine").then().statusCode(200);
        }
        assertNothingLeaked(before);
    }

    @Test
    void deletedInputFilesAreRefusedAndTheOldOnesServeOn() throws Exception {
        Resources before = resources();
        Path geo = fixture.geoDatabase();
        Path policy = fixture.policyFile();
        byte[] geoBytes = Files.readAllBytes(geo);
        Files.delete(geo);
        Files.delete(policy);
        try {
            Eventually.until("readiness names both refusals", () -> {
                String ready = given().get("/q/health/ready").asString();
                return ready.contains("geo-database") && ready.split("lastRefusedError", -1).length > 2;
            });
            given().get("/q/health/ready").then().statusCode(200);
            given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "39.32.0.1")
                    .get("/").then().statusCode(451).body("reason", equalTo("anonymous-in-restricted-country"));
            get("/").then().statusCode(200).body("headers.'x-geo-country'[0]", equalTo("DE"));
        } finally {
            TestFiles.replace(geo, geoBytes);
            Files.writeString(policy, originalPolicy);
        }
        Eventually.until("both inputs are read again", () -> !given().get("/q/health/ready").asString().contains("lastRefusedError"));
        assertNothingLeaked(before);
    }

    @Test
    void aFloodOfBadAdminTokensLeavesTheControlPlaneServing() throws Exception {
        Resources before = resources();
        HttpClient http = HttpClient.newHttpClient();
        int port = io.restassured.RestAssured.port;
        List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            flood.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/config"))
                    .header("Authorization", "Bearer bad-" + i + "-" + "x".repeat(i % 50)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> answer : flood) {
            assertThat(answer.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
        }
        given().get("/q/health/ready").then().statusCode(200);
        given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").then().statusCode(200);
        assertNothingLeaked(before);
    }
}
