package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.Pattern;
import io.geogate.testing.PatternStream;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/** Real HTTP through the data plane to real upstream servers, one test per behaviour a client or operator would notice. */
@QuarkusTest
@WithTestResource(GatewayEnvironment.class)
class GatewayTest {

    private static final int MIB = 1024 * 1024;

    GatewayFixture fixture;

    RequestSpecification client(String clientIp) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", clientIp);
    }

    private static JsonPath upstreamSaw(Response r) {
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        return r.jsonPath();
    }

    private static String header(JsonPath seen, String name) {
        List<String> values = seen.getList("headers.'" + name + "'");
        return values == null ? null : String.join(",", values);
    }

    @Test
    void accountHomedInRestrictedCountryIsRefusedWith451FromAnywhere() {
        for (String from : List.of("85.214.0.1", "39.32.0.1", "192.0.2.1")) {
            Response r = client(from).header("X-Account-Id", "alice").get("/inbox");
            assertThat(r.statusCode()).as("from " + from).isEqualTo(451);
            assertThat(r.contentType()).isEqualTo("application/problem+json");
            assertThat(r.header("Cache-Control")).isEqualTo("no-store");
            assertThat(r.header("Link")).isEqualTo("<https://example.com/legal/pk>; rel=\"blocked-by\"");
            JsonPath body = r.jsonPath();
            assertThat(body.getInt("status")).isEqualTo(451);
            assertThat(body.getString("title")).isEqualTo("Unavailable For Legal Reasons");
            assertThat(body.getString("reason")).isEqualTo("home-in-restricted-country");
            assertThat(body.getString("detail")).isEqualTo("Service withdrawn from Pakistan by government order");
            assertThat(body.getString("country")).isEqualTo("PK");
            assertThat(body.getString("cutoff")).endsWith("Z");
        }
    }

    @Test
    void anonymousFromInsideRestrictedCountryIsRefused() {
        client("39.32.0.1").get("/").then().statusCode(451)
                .body("reason", equalTo("anonymous-in-restricted-country"))
                .body("country", equalTo("PK"));
    }

    @Test
    void visitorFromRestrictedCountryIsRoutedHome() {
        JsonPath seen = upstreamSaw(client("39.32.0.1").header("X-Account-Id", "bob").get("/inbox?x=1"));
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(seen.getString("uri")).isEqualTo("/inbox?x=1");
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("visitor");
        assertThat(header(seen, "x-geo-country")).isEqualTo("PK");
        assertThat(header(seen, "x-account-home")).isEqualTo("DE");
        assertThat(header(seen, "x-account-id")).isEqualTo("bob");
    }

    @Test
    void accountUnderNoticeIsServedWithSunsetBeforeTheCutoff() {
        Response r = client("85.214.0.1").header("X-Account-Id", "dmitri").get("/");
        JsonPath seen = upstreamSaw(r);
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("notice");
        ZonedDateTime sunset = ZonedDateTime.parse(r.header("Sunset"), DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(sunset.toInstant()).isEqualTo(fixture.started().plus(Duration.ofDays(10)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        assertThat(r.header("Link")).isEqualTo("<https://example.com/legal/ru>; rel=\"sunset\"");
    }

    @Test
    void anonymousFromInsideIsServedWhereTheRestrictionAllowsAnonymous() {
        JsonPath seen = upstreamSaw(client("2.144.0.1").get("/"));
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("allow");
        assertThat(header(seen, "x-geo-country")).isEqualTo("IR");
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
    }

    @Test
    void accountHomedInRestrictedCountryWithAnonymousAllowedIsStillRefused() {
        client("85.214.0.1").header("X-Account-Id", "reza").get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country")).body("country", equalTo("IR"));
    }

    @Test
    void anonymousWithNoCountryIsAllowedByDefault() {
        JsonPath seen = upstreamSaw(client("192.0.2.1").get("/"));
        assertThat(header(seen, "x-geo-country")).isNull();
        assertThat(header(seen, "x-account-home")).isNull();
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("allow");
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
    }

    @Test
    void unrestrictedAccountIsRoutedToItsHomeDatacenter() {
        JsonPath seen = upstreamSaw(client("8.8.8.8").header("X-Account-Id", "bob").get("/"));
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("allow");
        assertThat(header(seen, "x-geo-country")).isEqualTo("US");
        JsonPath pk = upstreamSaw(client("8.8.8.8").header("X-Account-Id", "erin").get("/"));
        assertThat(pk.getString("datacenter")).isEqualTo("toronto");
    }

    @Test
    void accountUnknownToTheDirectoryIsTreatedLikeNoAccount() {
        client("39.32.0.1").header("X-Account-Id", "mallory").get("/").then().statusCode(451)
                .body("reason", equalTo("anonymous-in-restricted-country"));
        JsonPath seen = upstreamSaw(client("8.8.8.8").header("X-Account-Id", "mallory").get("/"));
        assertThat(header(seen, "x-account-home")).isNull();
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
    }

    @Test
    void ipv6ClientsAreLookedUpToo() {
        JsonPath seen = upstreamSaw(client("[2a01:4f8::7]:443").get("/"));
        assertThat(header(seen, "x-geo-country")).isEqualTo("DE");
    }

    @Test
    void clientCopiesOfGatewayHeadersAreReplaced() {
        JsonPath seen = upstreamSaw(client("8.8.8.8")
                .header("X-Geo-Country", "PK").header("X-Account-Home", "PK").header("X-Geogate-Decision", "visitor")
                .get("/"));
        assertThat(header(seen, "x-geo-country")).isEqualTo("US");
        assertThat(header(seen, "x-account-home")).isNull();
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("allow");
        assertThat(header(seen, "x-forwarded-for")).isEqualTo("8.8.8.8, 127.0.0.1");
    }

    @Test
    void clientHostHeaderReachesThePlainHttpUpstream() {
        JsonPath seen = upstreamSaw(client("8.8.8.8").header("Host", "messages.example.org").get("/"));
        assertThat(seen.getString("host")).isEqualTo("messages.example.org");
    }

    @Test
    void spoofedForwardingHeadersFromAnUntrustedPeerAreIgnored() throws Exception {
        String raw = RawHttp.exchange("127.0.0.2", fixture.dataPort(), """
                GET /spoof HTTP/1.1\r
                Host: gateway\r
                X-Forwarded-For: 39.32.0.1\r
                X-Account-Id: alice\r
                X-Geo-Country: US\r
                Connection: close\r
                \r
                """);
        assertThat(raw).startsWith("HTTP/1.1 200");
        JsonPath seen = JsonPath.from(RawHttp.body(raw));
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
        assertThat(header(seen, "x-geo-country")).isNull();
        assertThat(header(seen, "x-account-id")).isNull();
        assertThat(header(seen, "x-account-home")).isNull();
        assertThat(header(seen, "x-forwarded-for")).isEqualTo("39.32.0.1, 127.0.0.2");
    }

    @Test
    void malformedForwardingHeadersNeverCauseAServerError() {
        for (String xff : List.of("garbage", "39.32.0.1, ", ",,,", "[::1", "[2001:db8::1]:99999", "1.2.3.4:", "::ffff:",
                "39.32.0.1, \u00e9t\u00e9", "x".repeat(4000), "39.32.0.1, 10.0.0.1:80:80")) {
            Response r = client(xff).get("/");
            assertThat(r.statusCode()).as(xff).isIn(200, 451);
        }
        // The walk stops at the bad entry: the client is the trusted peer, which has no country.
        client("39.32.0.1, not-an-address").get("/").then().statusCode(200);
    }

    @Test
    void upstreamDownGives502ProblemJson() {
        Response r = client("85.214.0.1").header("X-Account-Id", "bruno").get("/");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.jsonPath().getInt("status")).isEqualTo(502);
        assertThat(r.jsonPath().getString("datacenter")).isEqualTo("lagos");
    }

    @Test
    void slowUpstreamGives504ProblemJson() {
        long start = System.nanoTime();
        Response r = client("8.8.8.8").get("/slow/30000");
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.jsonPath().getString("datacenter")).isEqualTo("toronto");
        assertThat(tookMillis).as("answered at the 5 s upstream timeout, not when the upstream finished (30 s)")
                .isBetween(4900L, 25_000L);
        client("8.8.8.8").get("/after-timeout").then().statusCode(200);
    }

    @Test
    void fiftyMegabyteUploadIsStreamedToTheUpstreamIntact() throws Exception {
        long size = 50L * MIB;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/upload"))
                .header("X-Forwarded-For", "85.214.0.1").header("X-Account-Id", "bob")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> PatternStream.pausingAt(size, MIB, this::upstreamHasStartedReceiving)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonPath seen = JsonPath.from(response.body());
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(seen.getLong("bytes")).isEqualTo(size);
        assertThat(seen.getString("sha256")).isEqualTo(Pattern.sha256(size));
    }

    @Test
    void aSlowUploadIsNeverCutByTheUpstreamTimeout() throws Exception {
        long size = 2L * MIB;
        // About 7 s of upload against the 5 s upstream timeout, which only starts once the body is sent.
        PatternStream slow = PatternStream.throttled(size, 300_000);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/upload"))
                .header("X-Forwarded-For", "85.214.0.1").header("X-Account-Id", "bob")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> slow)).build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JsonPath.from(response.body()).getLong("bytes")).isEqualTo(size);
    }

    /** The upload pauses after its first MiB until frankfurt has received half of it: a buffering proxy would never let it. */
    private boolean upstreamHasStartedReceiving() {
        HttpClient direct = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                String got = direct.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + fixture.upstreamPorts().get("frankfurt") + "/received")).build(), HttpResponse.BodyHandlers.ofString()).body();
                if (Long.parseLong(got) >= MIB / 2) {
                    return true;
                }
                Thread.sleep(20);
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    @Test
    void fiftyMegabyteDownloadIsStreamedToTheClientIntact() throws Exception {
        long size = 50L * MIB;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/download/" + size + "?hold"))
                .header("X-Forwarded-For", "8.8.8.8").build();
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        InputStream body = response.body();
        // The upstream sends its first MiB and holds the rest: the client must get that MiB now.
        long first = CompletableFuture.supplyAsync(() -> readInto(body, digest, MIB)).get(10, TimeUnit.SECONDS);
        assertThat(first).isEqualTo(MIB);
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + fixture.upstreamPorts().get("toronto") + "/release")).build(), HttpResponse.BodyHandlers.ofString());
        long rest = readInto(body, digest, Long.MAX_VALUE);
        assertThat(first + rest).isEqualTo(size);
        assertThat(HexFormat.of().formatHex(digest.digest())).isEqualTo(Pattern.sha256(size));
    }

    private static long readInto(InputStream in, MessageDigest digest, long limit) {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            while (total < limit) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, limit - total));
                if (n < 0) {
                    break;
                }
                digest.update(buf, 0, n);
                total += n;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return total;
    }

    @Test
    void http2CleartextIsServedByPriorKnowledgeAndByUpgrade() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            for (boolean upgrade : new boolean[] {false, true}) {
                io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(upgrade));
                for (int i = 0; i < 2; i++) {
                    io.vertx.core.http.HttpVersion[] version = new io.vertx.core.http.HttpVersion[1];
                    String body = h2.request(io.vertx.core.http.HttpMethod.GET, fixture.dataPort(), "127.0.0.1", "/h2")
                            .compose(req -> req.putHeader("X-Forwarded-For", "39.32.0.1").putHeader("X-Account-Id", "bob").send())
                            .compose(response -> {
                                version[0] = response.version();
                                return response.body();
                            })
                            .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
                    assertThat(version[0]).as("upgrade=" + upgrade).isEqualTo(io.vertx.core.http.HttpVersion.HTTP_2);
                    JsonPath seen = JsonPath.from(body);
                    assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
                    assertThat(header(seen, "x-geogate-decision")).isEqualTo("visitor");
                }
                h2.close();
            }
            var refused = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                            .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false))
                    .request(io.vertx.core.http.HttpMethod.GET, fixture.dataPort(), "127.0.0.1", "/h2")
                    .compose(req -> req.putHeader("X-Forwarded-For", "39.32.0.1").send())
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(refused.statusCode()).isEqualTo(451);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anHttp2UploadWithoutContentLengthReachesTheDatacenterWhole() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
                    .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
            byte[] part = "0123456789".repeat(1000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            io.vertx.core.http.HttpClientResponse[] answered = new io.vertx.core.http.HttpClientResponse[1];
            String body = h2.request(io.vertx.core.http.HttpMethod.POST, fixture.dataPort(), "127.0.0.1", "/h2-upload")
                    .compose(req -> {
                        req.putHeader("X-Forwarded-For", "85.214.0.1").putHeader("X-Account-Id", "bob");
                        // Two DATA frames and no Content-Length, as a streaming HTTP/2 client sends them (Vert.x
                        // wants "chunked" said, which HTTP/2 has no header for).
                        req.setChunked(true);
                        req.write(io.vertx.core.buffer.Buffer.buffer(part));
                        return req.end(io.vertx.core.buffer.Buffer.buffer(part)).compose(v -> req.response());
                    })
                    .compose(response -> {
                        answered[0] = response;
                        return response.body();
                    })
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
            assertThat(answered[0].statusCode()).as(body).isEqualTo(200);
            JsonPath seen = JsonPath.from(body);
            assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
            assertThat(seen.getLong("bytes")).isEqualTo(2L * part.length);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void nothingOfTheGatewaysOwnIsServedOnTheDataPlane() {
        for (String path : List.of("/q/health/ready", "/q/metrics", "/admin/config")) {
            JsonPath seen = upstreamSaw(client("8.8.8.8").get(path));
            assertThat(seen.getString("datacenter")).as(path).isEqualTo("toronto");
            assertThat(seen.getString("uri")).isEqualTo(path);
        }
    }

    @Test
    void readinessReportsTheThreeInputs() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'geo-database' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'geo-database' }.data.type", equalTo("GeoIP2-Country"))
                .body("checks.find { it.name == 'geo-database' }.data.freshness", equalTo("fresh"))
                .body("checks.find { it.name == 'policy' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'accounts' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'accounts' }.data.count", equalTo(6))
                .body("checks.find { it.name == 'accounts' }.data.lastRefusedError", nullValue());
        given().get("/q/health/live").then().statusCode(200);
    }
}
