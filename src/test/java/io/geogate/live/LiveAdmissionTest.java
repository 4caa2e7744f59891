package io.geogate.live;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RedisServer;
import io.geogate.testing.SteppableClock;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No admission escapes the cutoff, and the live cut follows the wall clock. dmitri is homed in RU, whose
 * cutoff is ten days away (so his requests get a notice). The tests step the wall clock past it while a
 * Redis lookup or a WebSocket upgrade is still pending, or while his event stream is flowing.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "directory", value = "redis"), @ResourceArg(name = "redis-timeout", value = "5s"),
    @ResourceArg(name = "isolation", value = "live-admission")})
class LiveAdmissionTest {

    private static final String DE_CLIENT = "85.214.0.1";
    private static final Duration PAST_RU_CUTOFF = Duration.ofDays(10).plusMinutes(1);

    GatewayFixture fixture;

    @AfterEach
    void realTime() {
        SteppableClock.reset();
    }

    @Test
    void aCutoffThatPassesDuringTheAccountLookupRefusesTheRequest() throws Exception {
        RedisServer redis = fixture.redis().orElseThrow();
        // An account no request has looked up yet, so that nothing is cached for it.
        redis.command("SET", "geogate:account:dmitri-new", "RU");
        // Redis answers nothing for 3 s from its OK on: the account lookup of the request below waits.
        assertThat(redis.command("CLIENT", "PAUSE", "3000", "ALL")).isEqualTo("OK");
        CompletableFuture<HttpResponse<String>> answer = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/"))
                        .header("X-Forwarded-For", DE_CLIENT).header("X-Account-Id", "dmitri-new")
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(300);
        SteppableClock.step(PAST_RU_CUTOFF);
        HttpResponse<String> r = answer.get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(451);
        assertThat(r.body()).contains("home-in-restricted-country");
    }

    @Test
    void aWebSocketWaitingForItsUpgradeAtTheCutoffIsRefused() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.dataPort()), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws-slow/5000 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "X-Forwarded-For: " + DE_CLIENT + "\r\nX-Account-Id: dmitri\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread.sleep(400);
            SteppableClock.step(PAST_RU_CUTOFF);
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).isEqualTo("HTTP/1.1 451 Unavailable For Legal Reasons");
        }
    }

    @Test
    void theLiveCutFollowsASteppedWallClock() throws Exception {
        // A raw socket: what the client sees is the connection itself, with no client library in between.
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.dataPort()), 5000);
            socket.getOutputStream().write(("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: " + DE_CLIENT
                    + "\r\nX-Account-Id: dmitri\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buffer = new byte[4096];
            while (seen.toString().split("data:", -1).length < 3) {
                int n = in.read(buffer);
                assertThat(n).as("the stream flows before the step: " + seen).isPositive();
                seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            assertThat(seen.toString()).startsWith("HTTP/1.1 200").containsIgnoringCase("sunset:");
            long stepped = System.nanoTime();
            SteppableClock.step(PAST_RU_CUTOFF);
            long deadline = stepped + Duration.ofMillis(1500).toNanos();
            boolean ended = false;
            try {
                while (!ended && System.nanoTime() < deadline) {
                    ended = in.read(buffer) < 0;
                }
            } catch (java.net.SocketException reset) {
                // a reset ends the stream as surely as a clean end
                ended = true;
            }
            assertThat(ended).as("the stream was cut within 1.5 s of the step").isTrue();
        }
    }
}
