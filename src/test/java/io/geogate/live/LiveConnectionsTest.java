package io.geogate.live;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cutoff holds on exchanges admitted before it. dmitri is homed in RU; bob (homed in DE) visits
 * from a Russian address (77.88.0.1). Both open a WebSocket, a server-sent-event stream over
 * HTTP/1.1 and one over HTTP/2 while RU is still only under notice; when RU's cutoff passes,
 * dmitri's are ended within one second and bob's go on.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "live"))
class LiveConnectionsTest {

    private static final String RU_CLIENT = "77.88.0.1";
    private static final String DE_CLIENT = "85.214.0.1";

    GatewayFixture fixture;

    @jakarta.inject.Inject
    LiveExchanges exchanges;

    private String originalPolicy;
    private Vertx vertx;
    /** Every session a test opens is closed after it, so that the registry must drain to nothing. */
    private final java.util.List<Runnable> closeAfter = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        originalPolicy = Files.readString(fixture.policyFile());
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        closeAfter.forEach(Runnable::run);
        closeAfter.clear();
        toronto("/release-held");
        putPolicy(originalPolicy);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A call straight to the toronto datacenter. */
    private String toronto(String path) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + fixture.upstreamPorts().get("toronto") + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void putPolicy(String policy) {
        given().config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                        .encodeContentTypeAs("application/yaml", ContentType.TEXT)))
                .header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).contentType("application/yaml")
                .body(policy).put("/admin/policy").then().statusCode(200);
    }

    /** The policy with RU's cutoff moved to {@code cutoff}. */
    private String withRussianCutoff(Instant cutoff) {
        String ru = fixture.started().plus(Duration.ofDays(10)).toString();
        assertThat(originalPolicy).contains(ru);
        return originalPolicy.replace(ru, cutoff.toString());
    }

    /** A WebSocket client session that remembers what it received and how it ended. */
    private static final class Session implements WebSocket.Listener {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        volatile Instant closedAt;
        WebSocket socket;

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            received.add(data.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closedAt = Instant.now();
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closedAt = Instant.now();
            closeCode.completeExceptionally(error);
        }

        String echo(String text) throws Exception {
            socket.sendText(text, true).get(5, TimeUnit.SECONDS);
            return received.poll(5, TimeUnit.SECONDS);
        }
    }

    private Session webSocket(String clientIp, String account) throws Exception {
        Session session = new Session();
        session.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .header("X-Forwarded-For", clientIp).header("X-Account-Id", account)
                .buildAsync(URI.create("ws://127.0.0.1:" + fixture.dataPort() + "/chat"), session)
                .get(10, TimeUnit.SECONDS);
        closeAfter.add(session.socket::abort);
        return session;
    }

    /** An event stream read on a thread of its own, counting events and noting when it ended. */
    private static final class EventStream {
        final AtomicInteger events = new AtomicInteger();
        volatile Instant endedAt;

        static EventStream http1(int port, String clientIp, String account, java.util.List<Runnable> closeAfter) throws Exception {
            EventStream stream = new EventStream();
            HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/sse"))
                            .header("X-Forwarded-For", clientIp).header("X-Account-Id", account).build(),
                            HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            closeAfter.add(() -> {
                try {
                    response.body().close();
                } catch (java.io.IOException ignored) {
                    // already ended
                }
            });
            Thread reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                        if (line.startsWith("data:")) {
                            stream.events.incrementAndGet();
                        }
                    }
                } catch (Exception ended) {
                    // a reset connection ends the stream as surely as a clean end
                }
                stream.endedAt = Instant.now();
            });
            reader.setDaemon(true);
            reader.start();
            return stream;
        }

        int eventsWithin(Duration d) throws InterruptedException {
            int before = events.get();
            Thread.sleep(d.toMillis());
            return events.get() - before;
        }
    }

    /** The same over HTTP/2 cleartext with prior knowledge; remembers how the stream ended. */
    private EventStream http2(String clientIp, String account, AtomicReference<Throwable> endedBy) throws Exception {
        EventStream stream = new EventStream();
        io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        var response = h2.request(HttpMethod.GET, fixture.dataPort(), "127.0.0.1", "/sse")
                .compose(req -> req.putHeader("X-Forwarded-For", clientIp).putHeader("X-Account-Id", account).send())
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(response.version()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(response.statusCode()).isEqualTo(200);
        response.handler(chunk -> stream.events.addAndGet(chunk.toString().split("data:", -1).length - 1));
        response.exceptionHandler(error -> {
            endedBy.set(error);
            stream.endedAt = Instant.now();
        });
        response.endHandler(v -> stream.endedAt = Instant.now());
        return stream;
    }

    private static void awaitUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(Instant.now(), when).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    @Test
    void atTheCutoffSessionsHomedThereAreEndedWithinASecondAndVisitorsGoOn() throws Exception {
        Session homed = webSocket(DE_CLIENT, "dmitri");
        Session visitor = webSocket(RU_CLIENT, "bob");
        assertThat(homed.echo("before")).isEqualTo("toronto:before");
        assertThat(visitor.echo("before")).isEqualTo("frankfurt:before");
        EventStream homedEvents = EventStream.http1(fixture.dataPort(), DE_CLIENT, "dmitri", closeAfter);
        EventStream visitorEvents = EventStream.http1(fixture.dataPort(), RU_CLIENT, "bob", closeAfter);
        AtomicReference<Throwable> homedH2End = new AtomicReference<>();
        EventStream homedH2 = http2(DE_CLIENT, "dmitri", homedH2End);
        EventStream visitorH2 = http2(RU_CLIENT, "bob", new AtomicReference<>());
        assertThat(homedEvents.eventsWithin(Duration.ofMillis(400))).isPositive();
        // Every session is open before the cutoff is even set, however slow opening them was.
        Instant cutoff = Instant.now().plusSeconds(3);
        putPolicy(withRussianCutoff(cutoff));
        assertThat(Instant.now()).as("the policy installed before its cutoff").isBefore(cutoff);

        awaitUntil(cutoff.plusMillis(1300));

        assertThat(homed.closeCode.get(1, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(Duration.between(cutoff, homed.closedAt)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(homedEvents.endedAt).as("HTTP/1.1 event stream ended").isNotNull();
        assertThat(Duration.between(cutoff, homedEvents.endedAt)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(homedH2.endedAt).as("HTTP/2 stream ended").isNotNull();
        assertThat(Duration.between(cutoff, homedH2.endedAt)).isBetween(Duration.ZERO, Duration.ofSeconds(1));
        assertThat(homedH2End.get()).isInstanceOf(StreamResetException.class);
        assertThat(homedEvents.eventsWithin(Duration.ofMillis(300))).isZero();

        assertThat(visitor.closeCode).isNotDone();
        assertThat(visitor.echo("after")).isEqualTo("frankfurt:after");
        assertThat(visitorEvents.endedAt).isNull();
        assertThat(visitorEvents.eventsWithin(Duration.ofMillis(400))).isPositive();
        assertThat(visitorH2.endedAt).isNull();
        assertThat(visitorH2.eventsWithin(Duration.ofMillis(400))).isPositive();

        // A new session after the cutoff is refused like any request.
        int status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/"))
                .header("X-Forwarded-For", DE_CLIENT).header("X-Account-Id", "dmitri").build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
        assertThat(status).isEqualTo(451);
    }

    @Test
    void clientsThatVanishLeaveNothingBehind() throws Exception {
        Eventually.until("exchanges of earlier tests, all closed, are gone", () -> exchanges.size() == 0);
        int before = 0;
        Session ws = webSocket(DE_CLIENT, "erin");
        assertThat(ws.echo("x")).isEqualTo("toronto:x");
        HttpResponse<InputStream> sse = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/sse"))
                        .header("X-Forwarded-For", DE_CLIENT).build(), HttpResponse.BodyHandlers.ofInputStream());
        sse.body().read();
        assertThat(exchanges.size()).isEqualTo(before + 2);

        ws.socket.abort();
        sse.body().close();
        Eventually.until("registrations of vanished clients are gone", () -> exchanges.size() == before);
    }

    @Test
    void aPolicyChangeThatRefusesLiveSessionsEndsThemAtOnce() throws Exception {
        Session homed = webSocket(DE_CLIENT, "dmitri");
        Session other = webSocket(DE_CLIENT, "erin");
        EventStream homedEvents = EventStream.http1(fixture.dataPort(), DE_CLIENT, "dmitri", closeAfter);
        assertThat(homed.echo("hi")).isEqualTo("toronto:hi");
        // A request still waiting for its datacenter's answer when it becomes refused: the datacenter holds it
        // until the test releases it, so a 451 can only come from geogate.
        CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/held"))
                        .header("X-Forwarded-For", DE_CLIENT).header("X-Account-Id", "dmitri").build(),
                HttpResponse.BodyHandlers.ofString());
        Eventually.until("the request waits at its datacenter", () -> "1".equals(toronto("/held-count")));

        Instant changed = Instant.now();
        putPolicy(withRussianCutoff(changed.minusSeconds(1)));

        HttpResponse<String> refused = inFlight.get(5, TimeUnit.SECONDS);
        assertThat(refused.statusCode()).as("answered 451 while the datacenter still holds it").isEqualTo(451);
        assertThat(refused.body()).contains("home-in-restricted-country");

        assertThat(homed.closeCode.get(2, TimeUnit.SECONDS)).isEqualTo(1008);
        assertThat(Duration.between(changed, homed.closedAt)).isLessThan(Duration.ofSeconds(1));
        Thread.sleep(300);
        assertThat(homedEvents.endedAt).isNotNull();
        assertThat(Duration.between(changed, homedEvents.endedAt)).isLessThan(Duration.ofSeconds(1));
        assertThat(other.echo("still here")).isEqualTo("toronto:still here");
    }
}
