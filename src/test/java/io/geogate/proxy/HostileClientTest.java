package io.geogate.proxy;

import io.geogate.testing.Eventually;
import jakarta.inject.Inject;
import io.micrometer.core.instrument.MeterRegistry;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile clients on raw sockets: request smuggling, slow request heads, half-open and surplus
 * connections. The request-header deadline is 1 s here and at most 6 client connections may be open,
 * on the data plane and on the decision service's HTTP port alike.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "header-timeout", value = "1s"), @ResourceArg(name = "max-connections", value = "6"),
    @ResourceArg(name = "isolation", value = "hostile"), @ResourceArg(name = "authz", value = "on")})
class HostileClientTest {

    /** A request from inside Pakistan with no account: geogate must refuse it wherever it appears. */
    private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 39.32.0.1\r\n\r\n";

    GatewayFixture fixture;

    private Socket connect() throws IOException {
        return connect(fixture.dataPort());
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    /**
     * Everything the gateway answers on one connection until it closes it, or goes quiet for a second once it
     * has begun to answer: the first answer may take up to ten seconds on a loaded machine.
     */
    private static String readAll(Socket socket) throws IOException {
        socket.setSoTimeout(10_000);
        StringBuilder out = new StringBuilder();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                socket.setSoTimeout(1000);
            }
        } catch (SocketTimeoutException quiet) {
            // nothing more is coming
        } catch (IOException reset) {
            // a reset after the answer ends it too
        }
        return out.toString();
    }

    /** What a datacenter has received, asked of it directly. */
    private static String seenBy(int port) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/seen")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    private static List<Integer> statuses(String answers) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        while ((i = answers.indexOf("HTTP/1.", i)) >= 0 && i + 12 <= answers.length()) {
            out.add(Integer.parseInt(answers.substring(i + 9, i + 12)));
            i += 12;
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // Content-Length and Transfer-Encoding together
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 60\r\n\r\n0\r\n\r\n",
        // two Content-Lengths
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 0\r\nContent-Length: 60\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 0, 60\r\n\r\n",
        // obfuscated Transfer-Encoding
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 60\r\nTransfer-Encoding: xchunked\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 60\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 60\r\nTransfer-Encoding : chunked\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 60\r\nTransfer-Encoding:\tchunked\r\nTransfer-Encoding: x\r\n\r\n",
        "POST /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nContent-Length: 60\r\n Transfer-Encoding: chunked\r\n\r\n",
        // bare CR and LF inside header values
        "GET /outer HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nX-Note: a\rGET /smuggled HTTP/1.1\r\n\r\n",
        "GET /outer HTTP/1.1\nHost: x\nX-Forwarded-For: 85.214.0.1\nX-Note: a\r\n\r\n",
    })
    void nothingIsSmuggledPastTheDecision(String outer) throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            out.write((outer + SMUGGLED).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answers = readAll(socket);
            assertThat(statuses(answers)).as(answers).isNotEmpty().allMatch(s -> s == 400 || s == 451 || s == 200 || s == 501);
            // If the gateway saw the inner request at all, it saw it as a request of its own, and refused it.
            if (statuses(answers).size() > 1) {
                assertThat(statuses(answers).get(1)).as(answers).isIn(400, 451);
            }
        }
        for (int port : fixture.upstreamPorts().values()) {
            if (port != fixture.upstreamPorts().get("lagos")) {
                assertThat(seenBy(port)).as("requests datacenter :" + port + " received").doesNotContain("/smuggled");
            }
        }
    }

    @Test
    void aHeadTrickledByteByByteIsCutAtTheDeadline() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            boolean closed = false;
            try {
                for (int i = 0; i < 40 && !closed; i++) {
                    Thread.sleep(100);
                    out.write(("X-Slow-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    socket.setSoTimeout(1);
                    try {
                        closed = socket.getInputStream().read() < 0;
                    } catch (SocketTimeoutException stillOpen) {
                        // keep trickling
                    }
                }
            } catch (IOException reset) {
                closed = true;
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(closed).as("closed before the whole head (4 s of trickle) arrived").isTrue();
            assertThat(seconds).isLessThan(4);
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsNotCutByTheHeaderDeadline() throws Exception {
        try (Socket socket = connect()) {
            String request = "GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(socket))).containsExactly(200);
            Thread.sleep(1500);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(socket))).containsExactly(200);
        }
    }

    @Test
    void aClientThatSaysNothingIsClosedAtTheDeadline() throws Exception {
        try (Socket socket = connect()) {
            socket.setSoTimeout(4000);
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aHalfClosedClientStillGetsItsAnswer() throws Exception {
        try (Socket socket = connect()) {
            socket.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 39.32.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(statuses(readAll(socket))).containsExactly(451);
        }
    }

    @Test
    void http2ClientsAreHeldToTheStreamLimitAndARapidResetFloodIsCut() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            io.vertx.core.http.HttpClientResponse first = h2.request(io.vertx.core.http.HttpMethod.GET, fixture.dataPort(),
                            "127.0.0.1", "/").compose(req -> req.putHeader("X-Forwarded-For", "85.214.0.1").send())
                    .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first.statusCode()).isEqualTo(200);
            io.vertx.core.http.HttpConnection connection = first.request().connection();
            assertThat(connection.remoteSettings().getMaxConcurrentStreams()).isEqualTo(128);
            java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
            connection.closeHandler(v -> closed.complete(null));
            // Open and cancel streams as fast as possible, as the rapid-reset attack does.
            for (int i = 0; i < 1000 && !closed.isDone(); i++) {
                h2.request(io.vertx.core.http.HttpMethod.GET, fixture.dataPort(), "127.0.0.1", "/slow/1000")
                        .onSuccess(req -> req.putHeader("X-Forwarded-For", "85.214.0.1").sendHead()
                                .onSuccess(v -> req.reset()));
                if (i % 50 == 49) {
                    Thread.sleep(10);
                }
            }
            closed.get(10, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        try (Socket again = connect()) {
            again.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(again))).containsExactly(200);
        }
    }

    @Test
    void aWebSocketOutlivesTheHeaderDeadline() throws Exception {
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .header("X-Forwarded-For", "85.214.0.1")
                .buildAsync(java.net.URI.create("ws://127.0.0.1:" + fixture.dataPort() + "/chat"), new java.net.http.WebSocket.Listener() {
                    @Override
                    public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket socket, CharSequence data, boolean last) {
                        received.add(data.toString());
                        socket.request(1);
                        return null;
                    }
                }).get(10, java.util.concurrent.TimeUnit.SECONDS);
        try {
            for (int i = 0; i < 3; i++) {
                ws.sendText("ping " + i, true).get(5, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(received.poll(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("toronto:ping " + i);
                // Longer than the 1 s header deadline between messages.
                Thread.sleep(1300);
            }
        } finally {
            ws.abort();
        }
    }

    @Inject
    MeterRegistry registry;

    /** Waits until the gateway counts no open connection on {@code gauge}: earlier tests' sockets are gone. */
    private void awaitNoConnections(String gauge) {
        Eventually.until("no connection counted on " + gauge, () -> registry.get(gauge).gauge().value() == 0);
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnceAndTheLimitRecovers() throws Exception {
        awaitNoConnections("geogate.connections");
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = connect();
                s.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(statuses(readAll(s))).containsExactly(200);
                held.add(s);
            }
            try (Socket surplus = connect()) {
                surplus.setSoTimeout(3000);
                int first;
                try {
                    surplus.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    first = surplus.getInputStream().read();
                } catch (IOException reset) {
                    first = -1;
                }
                assertThat(first).as("the seventh connection is closed without an answer").isEqualTo(-1);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        awaitNoConnections("geogate.connections");
        try (Socket again = connect()) {
            again.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(again))).containsExactly(200);
        }
    }

    private static int checkPort() {
        return ConfigProvider.getConfig().getValue("geogate.authz.http.port", Integer.class);
    }

    /** Whether the server closes {@code socket} within {@code millis}, without having answered. */
    private static boolean closedWithin(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void halfACheckHeadOnTheDecisionPortIsCutAtTheDeadline() throws Exception {
        try (Socket socket = connect(checkPort())) {
            long start = System.nanoTime();
            socket.getOutputStream().write("GET /traefik HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 8.8".getBytes(StandardCharsets.US_ASCII));
            assertThat(closedWithin(socket, 4000)).as("closed, unanswered, at the 1 s deadline").isTrue();
            assertThat((System.nanoTime() - start) / 1_000_000L).isBetween(500L, 3500L);
        }
    }

    @Test
    void aKeptAliveCheckConnectionIsNotCutBetweenChecks() throws Exception {
        try (Socket socket = connect(checkPort())) {
            String check = "GET /traefik HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\n\r\n";
            socket.getOutputStream().write(check.getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(socket))).containsExactly(200);
            Thread.sleep(1500);
            socket.getOutputStream().write(check.getBytes(StandardCharsets.US_ASCII));
            assertThat(statuses(readAll(socket))).containsExactly(200);
        }
    }

    @Test
    void checkConnectionsPastTheLimitAreClosedAtOnce() throws Exception {
        awaitNoConnections("geogate.authz.connections");
        awaitNoConnections("geogate.connections");
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = connect(checkPort());
                s.getOutputStream().write("GET /traefik HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(statuses(readAll(s))).containsExactly(200);
                held.add(s);
            }
            try (Socket surplus = connect(checkPort())) {
                assertThat(closedWithin(surplus, 3000)).as("the seventh check connection is closed without an answer").isTrue();
            }
            try (Socket client = connect()) {
                client.getOutputStream().write("GET /a HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 85.214.0.1\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(statuses(readAll(client))).as("the data plane counts its own connections").containsExactly(200);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
