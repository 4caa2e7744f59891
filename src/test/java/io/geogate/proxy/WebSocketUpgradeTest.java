package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * WebSocket upgrades a datacenter refuses: the refusal reaches the client with its hop-by-hop headers
 * dropped and its body bounded, and the upstream connection is given back (closed), so that refused
 * upgrades can never exhaust a datacenter's pool. The datacenter here is a raw TCP server that answers
 * every request with a fixed refusal and keeps its connections open.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "upstream-connections", value = "2"), @ResourceArg(name = "isolation", value = "ws-upgrade")})
class WebSocketUpgradeTest {

    private static final String UPGRADE = "GET /chat%s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade, X-Hop\r\nX-Hop: hop-secret\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\nTE: trailers\r\nKeep-Alive: 300\r\nProxy-Authorization: Basic c2VjcmV0\r\n"
            + "X-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n";

    GatewayFixture fixture;

    private Vertx vertx;
    private NetServer refusing;
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private String originalPolicy;

    @BeforeEach
    void refusingDatacenter() throws Exception {
        vertx = Vertx.vertx();
        refusing = vertx.createNetServer().connectHandler(socket -> {
            Buffer[] head = {Buffer.buffer()};
            socket.handler(bytes -> {
                head[0].appendBuffer(bytes);
                String text = head[0].toString();
                if (!text.contains("\r\n\r\n")) {
                    return;
                }
                heads.add(text);
                head[0] = Buffer.buffer();
                if (text.startsWith("GET /chat/huge")) {
                    socket.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 104857600\r\n\r\n");
                    socket.write(Buffer.buffer(new byte[256 * 1024]));
                    return;
                }
                // Keeps the connection open, as a keep-alive server would: a leaked one holds its pool slot.
                socket.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\nKeep-Alive: timeout=60\r\n"
                        + "Proxy-Authenticate: Basic realm=x\r\nTransfer-Encoding: identity\r\nX-Refused-By: datacenter\r\n\r\nnope!");
            });
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        originalPolicy = Files.readString(fixture.policyFile());
        put("""
                datacenters:
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                """.formatted(refusing.actualPort()));
    }

    @AfterEach
    void restore() throws Exception {
        put(originalPolicy);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void put(String policy) {
        io.geogate.testing.Admin.putPolicy(policy).statusCode(200);
    }

    @Test
    void refusedUpgradesNeverExhaustTheDatacentersPool() throws Exception {
        // Twice the pool (2 connections, 2 waiting) and more: each must be answered, none may wait for a slot.
        for (int i = 0; i < 8; i++) {
            String answer = RawHttp.exchange("127.0.0.1", fixture.dataPort(), UPGRADE.formatted(""));
            assertThat(answer).as("upgrade " + i).startsWith("HTTP/1.1 403");
            assertThat(RawHttp.body(answer)).isEqualTo("nope!");
        }
        int plain = given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "85.214.0.1")
                .get("/plain").statusCode();
        assertThat(plain).as("a plain request still gets a connection").isNotIn(503, 504);
    }

    @Test
    void hopByHopHeadersCrossNeitherWay() throws Exception {
        String answer = RawHttp.exchange("127.0.0.1", fixture.dataPort(), UPGRADE.formatted(""));
        String response = answer.substring(0, answer.indexOf("\r\n\r\n")).toLowerCase();
        assertThat(response).contains("x-refused-by: datacenter").doesNotContain("keep-alive: timeout")
                .doesNotContain("proxy-authenticate").doesNotContain("transfer-encoding");
        String head = heads.get(heads.size() - 1).toLowerCase();
        assertThat(head).contains("upgrade: websocket").contains("sec-websocket-key")
                .doesNotContain("hop-secret").doesNotContain("te: trailers").doesNotContain("keep-alive: 300")
                .doesNotContain("proxy-authorization");
    }

    @Test
    void aHugeRefusalIsNotBufferedButAnswered502() throws Exception {
        String answer = RawHttp.exchange("127.0.0.1", fixture.dataPort(), UPGRADE.formatted("/huge"));
        assertThat(answer).startsWith("HTTP/1.1 502");
        assertThat(RawHttp.body(answer)).contains("refused the WebSocket with a body over");
        for (int i = 0; i < 3; i++) {
            assertThat(RawHttp.exchange("127.0.0.1", fixture.dataPort(), UPGRADE.formatted(""))).startsWith("HTTP/1.1 403");
        }
    }
}
