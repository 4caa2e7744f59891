package io.geogate.proxy;

import io.geogate.live.LiveExchanges;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.Admin;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Resources now = resources();
        while ((now.threads() > before.threads() + 4 || now.files() > before.files() + 8) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = resources();
        }
        assertThat(now.threads()).as("threads, before " + before).isLessThanOrEqualTo(before.threads() + 4);
        assertThat(now.files()).as("open files, before " + before).isLessThanOrEqualTo(before.files() + 8);
    }

    @Test
    void aDatacenterThatBreaksItsAnswerCostsOnlyThatAnswer() throws Exception {
        Admin.putPolicy("""
                datacenters:
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                """.formatted(broken.actualPort())).statusCode(200);
        breakAnswers(3);
        Resources before = resources();
        breakAnswers(20);
        assertNothingLeaked(before);
    }

    /** Answers cut short by the datacenter reach the client cut short (its connection closed), never as whole. */
    private void breakAnswers(int times) throws Exception {
        for (int i = 0; i < times; i++) {
            String cut = RawHttp.exchange("127.0.0.1", fixture.dataPort(),
                    "GET /reset HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n");
            assertThat(cut).startsWith("HTTP/1.1 200");
            assertThat(RawHttp.body(cut).length()).as("a body cut short is never passed off as whole").isLessThan(100_000);
            String huge = RawHttp.exchange("127.0.0.1", fixture.dataPort(),
                    "GET /huge-header HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n");
            assertThat(huge).startsWith("HTTP/1.1 502").contains("application/problem+json");
            assertThat(RawHttp.exchange("127.0.0.1", fixture.dataPort(),
                    "GET /fine HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n"))
                    .startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void deletedInputFilesAreRefusedAndTheOldOnesServeOn() throws Exception {
        control("/q/health/ready");
        Resources before = resources();
        Path geo = fixture.geoDatabase();
        Path policy = fixture.policyFile();
        byte[] geoBytes = Files.readAllBytes(geo);
        Files.delete(geo);
        Files.delete(policy);
        try {
            Eventually.until("readiness names both refusals", () -> control("/q/health/ready").split("lastRefusedError", -1).length > 2);
            assertThat(control("/q/health/ready")).startsWith("HTTP/1.1 200");
            assertThat(data("39.32.0.1")).startsWith("HTTP/1.1 451").contains("anonymous-in-restricted-country");
            assertThat(data("85.214.0.1")).startsWith("HTTP/1.1 200").contains("\"x-geo-country\":[\"DE\"]");
        } finally {
            TestFiles.replace(geo, geoBytes);
            Files.writeString(policy, originalPolicy);
        }
        Eventually.until("both inputs are read again", () -> !control("/q/health/ready").contains("lastRefusedError"));
        assertNothingLeaked(before);
    }

    /** A control-plane GET on a connection of its own, closed after. */
    private static String control(String path) {
        try {
            return RawHttp.exchange("127.0.0.1", io.restassured.RestAssured.port, "GET " + path
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A data-plane GET from {@code ip}, on a connection of its own, closed after. */
    private String data(String ip) throws IOException {
        return RawHttp.exchange("127.0.0.1", fixture.dataPort(), "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + ip
                + "\r\nConnection: close\r\n\r\n");
    }

    @Test
    void aFloodOfBadAdminTokensLeavesTheControlPlaneServing() throws Exception {
        flood(100);
        Resources before = resources();
        flood(400);
        given().get("/q/health/ready").then().statusCode(200);
        given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").then().statusCode(200);
        assertNothingLeaked(before);
    }

    /** {@code n} admin calls with bad tokens, 16 at a time, each on a connection of its own that it closes. */
    private static void flood(int n) throws Exception {
        int port = io.restassured.RestAssured.port;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String token = "bad-" + i + "-" + "x".repeat(i % 50);
                answers.add(pool.submit(() -> RawHttp.exchange("127.0.0.1", port, "GET /admin/config HTTP/1.1\r\nHost: x\r\n"
                        + "Authorization: Bearer " + token + "\r\nConnection: close\r\n\r\n")));
            }
            for (Future<String> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 401");
            }
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
