package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;

import static org.assertj.core.api.Assertions.assertThat;

/** The limits a production edge has, each answered with its status code and problem+json. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "max-body", value = "1048576"), @ResourceArg(name = "idle-timeout", value = "1s"),
    @ResourceArg(name = "isolation", value = "limits")})
class LimitsTest {

    GatewayFixture fixture;

    private String raw(String request) throws Exception {
        return RawHttp.exchange("127.0.0.1", fixture.dataPort(), request);
    }

    private static void assertProblem(String response, int status) {
        // An unparseable request line has no version of its own, so the answer may be HTTP/1.0.
        assertThat(response).containsPattern("^HTTP/1\\.[01] " + status + " ");
        assertThat(response.toLowerCase()).contains("content-type: application/problem+json");
        assertThat(new JsonObject(RawHttp.body(response)).getInteger("status")).isEqualTo(status);
    }

    @Test
    void anOversizedRequestHeadIs431() throws Exception {
        assertProblem(raw("GET / HTTP/1.1\r\nHost: g\r\nX-Big: " + "x".repeat(20_000) + "\r\nConnection: close\r\n\r\n"), 431);
    }

    @Test
    void tooManyHeaderFieldsIs431() throws Exception {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 101; i++) {
            headers.append("X-H").append(i).append(": v\r\n");
        }
        assertProblem(raw("GET / HTTP/1.1\r\nHost: g\r\n" + headers + "Connection: close\r\n\r\n"), 431);
        assertThat(raw("GET / HTTP/1.1\r\nHost: g\r\nX-Forwarded-For: 8.8.8.8\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    @Test
    void anOverlongRequestLineIs414() throws Exception {
        assertProblem(raw("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n"), 414);
    }

    @Test
    void aDeclaredBodyOverTheLimitIs413BeforeAnythingIsSent() throws Exception {
        assertProblem(raw("POST /upload HTTP/1.1\r\nHost: g\r\nX-Forwarded-For: 8.8.8.8\r\nContent-Length: 2000000\r\n"
                + "Connection: close\r\n\r\n"), 413);
    }

    @Test
    void aChunkedBodyCrossingTheLimitIs413() throws Exception {
        byte[] half = new byte[600_000];
        InputStream body = new SequenceInputStream(Collections.enumeration(java.util.List.of(
                new ByteArrayInputStream(half), new ByteArrayInputStream(half), new ByteArrayInputStream(half))));
        HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/upload"))
                        .header("X-Forwarded-For", "8.8.8.8").POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/problem+json");
    }

    @Test
    void aBodyWithinTheLimitGoesThrough() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/upload"))
                        .header("X-Forwarded-For", "8.8.8.8").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_000_000])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(r.body()).getLong("bytes")).isEqualTo(1_000_000);
    }

    @Test
    void anIdleConnectionIsClosed() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.dataPort()), 2000);
            socket.setSoTimeout(5000);
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("the gateway closed the idle connection").isEqualTo(-1);
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(500L, 4000L);
        }
    }
}
