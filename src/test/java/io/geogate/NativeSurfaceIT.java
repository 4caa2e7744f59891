package io.geogate;

import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.geogate.testing.EnvoyCheck;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.MmdbWriter;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.RedisServer;
import io.geogate.testing.TestFiles;
import io.geogate.testing.TestUpstream;
import io.geogate.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole outside of geogate against the packaged application: the jar in {@code ./mvnw verify}, the native
 * executable in {@code ./mvnw verify -Pnative} ({@link PackagedGateway} picks). Every path that a native image can
 * break (reflection for JSON views and MMDB records, JWT libraries, Caffeine's generated classes, Redis, WebSocket
 * and HTTP/2 codecs, file watching) is crossed here through real HTTP, with real upstreams, a real redis-server
 * holding the accounts, and RS256 tokens.
 *
 * <p>One gateway serves every test. A test that changes the policy or the database puts the original back.
 * Fixture addresses and accounts are those of {@link GatewayEnvironment}: 39.32.0.1 PK (restricted since a day
 * ago, anonymous refused), 85.214.0.1 DE, 77.88.0.1 RU (cutoff in ten days, 30 days' notice), 8.8.8.8 US;
 * alice PK, bob DE, dmitri RU, erin US in Redis.
 */
class NativeSurfaceIT {

    private static final Logger LOG = Logger.getLogger(NativeSurfaceIT.class);
    private static final String PK = "39.32.0.1";
    private static final String DE = "85.214.0.1";
    private static final String RU = "77.88.0.1";
    private static final String US = "8.8.8.8";

    @TempDir
    static Path dir;

    private static Vertx vertx;
    private static final List<TestUpstream> upstreams = new ArrayList<>();
    private static final Map<String, Integer> ports = new LinkedHashMap<>();
    private static RedisServer redis;
    private static PackagedGateway gateway;
    private static KeyPair tokenKeys;
    private static Instant started;
    private static String originalPolicy;
    private static int data;
    private static int control;
    private static int authzGrpc;
    private static int authzHttp;

    private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startGateway() throws Exception {
        started = Instant.now();
        vertx = Vertx.vertx();
        for (String name : List.of("karachi", "frankfurt", "toronto")) {
            TestUpstream upstream = TestUpstream.start(vertx, name);
            upstreams.add(upstream);
            ports.put(name, upstream.port());
        }
        ports.put("lagos", Ports.free());
        GatewayEnvironment.writeDatabase(dir.resolve("country.mmdb"), "geoip2");
        originalPolicy = GatewayEnvironment.policy(ports, started, Map.of());
        Files.writeString(dir.resolve("policy.yaml"), originalPolicy);
        Files.writeString(dir.resolve("accounts.csv"), "account,home\nalice,PK\nbob,DE\ndmitri,RU\nerin,US\n");
        redis = RedisServer.start(dir);
        GatewayEnvironment.seedRedis(redis, dir.resolve("accounts.csv"));
        tokenKeys = Tokens.rsa(2048);
        Files.writeString(dir.resolve("token-public.pem"), Tokens.pem(tokenKeys.getPublic()));
        Files.writeString(dir.resolve("admin-token"), GatewayEnvironment.ADMIN_TOKEN + "\n");
        data = Ports.free();
        control = Ports.free();
        authzGrpc = Ports.free();
        authzHttp = Ports.free();
        long start = System.nanoTime();
        gateway = PackagedGateway.start(dir, List.of("geogate.listen.port=" + data, "geogate.listen.host=127.0.0.1",
                "quarkus.http.port=" + control, "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                "geogate.accounts.directory=redis", "geogate.accounts.redis.url=" + redis.url(),
                "geogate.accounts.jwt.public-key=token-public.pem", "geogate.accounts.jwt.issuer=" + Tokens.ISSUER,
                "geogate.accounts.jwt.audience=" + Tokens.AUDIENCE, "geogate.admin.token-file=admin-token",
                "geogate.reload.interval=200ms", "geogate.upstream.timeout=2s", "geogate.shutdown.drain-delay=0s",
                "geogate.shutdown.timeout=2s", "geogate.authz.grpc.port=" + authzGrpc,
                "geogate.authz.http.port=" + authzHttp));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (status("http://127.0.0.1:" + control + "/q/health/ready") != 200) {
            assertThat(gateway.isAlive()).as(NativeSurfaceIT::output).isTrue();
            assertThat(System.nanoTime()).as("ready within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        LOG.infof("%s ready %d ms after it was started", PackagedGateway.isNative() ? "native executable" : "jar",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    @AfterAll
    static void stopGateway() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        for (TestUpstream upstream : upstreams) {
            upstream.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** Whatever a test changed on disk or through the API is put back, so that each test sees the same world. */
    @AfterEach
    void restore() throws Exception {
        if (!Files.readString(dir.resolve("policy.yaml")).equals(originalPolicy)) {
            assertThat(admin("PUT", "/admin/policy", originalPolicy).statusCode()).isEqualTo(200);
        }
        assertThat(gateway.isAlive()).as(NativeSurfaceIT::output).isTrue();
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** A data-plane request from {@code clientIp} (through the trusted loopback peer), with extra header pairs. */
    private static HttpResponse<String> client(String clientIp, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + data + path))
                .timeout(Duration.ofSeconds(10)).header("X-Forwarded-For", clientIp);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).header("Content-Type", "application/yaml")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonObject json(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(() -> r.body() + "\n--- gateway output ---\n" + output()).isEqualTo(status);
        return new JsonObject(r.body());
    }

    /** What the upstream saw: it must have answered 200. */
    private static JsonObject upstreamSaw(HttpResponse<String> r) {
        return json(r, 200);
    }

    private static String header(JsonObject seen, String name) {
        JsonArray values = seen.getJsonObject("headers").getJsonArray(name);
        return values == null ? null : String.join(",", values.stream().map(Object::toString).toList());
    }

    private static String output() {
        try {
            return gateway.output();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static String token(String sub, String home) {
        return "Bearer " + Tokens.sign(Tokens.claims(sub, home), tokenKeys.getPrivate(), null);
    }

    private static String version() throws Exception {
        return json(admin("GET", "/admin/config", null), 200).getString("version");
    }

    // --- the decision service ------------------------------------------------------------------------------

    /** Protobuf and gRPC classes, Envoy's API and the second HTTP server, as an ingress reaches them. */
    @Test
    void theDecisionServiceAnswersEnvoyOverGrpcAndNginxOverHttp() throws Exception {
        try (EnvoyCheck envoy = new EnvoyCheck(authzGrpc)) {
            CheckResponse refused = envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", PK));
            assertThat(refused.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(451);
            assertThat(new JsonObject(refused.getDeniedResponse().getBody()).getString("reason"))
                    .isEqualTo("anonymous-in-restricted-country");
            CheckResponse visitor = envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", PK, "X-Account-Id", "bob"));
            assertThat(EnvoyCheck.byName(visitor.getOkResponse().getHeadersList()))
                    .containsEntry("x-geogate-datacenter", "frankfurt").containsEntry("x-geogate-decision", "visitor");
        }
        HttpResponse<String> nginx = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + authzHttp + "/nginx"))
                .timeout(Duration.ofSeconds(10)).header("X-Forwarded-For", PK).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(nginx.statusCode()).isEqualTo(403);
        assertThat(nginx.headers().firstValue("X-Geogate-Status")).hasValue("451");
        assertThat(nginx.body()).isEqualTo(client(PK, "/").body());
    }

    // --- the data plane ------------------------------------------------------------------------------------

    @Test
    void anonymousFromInsideARestrictedCountryIsRefusedWith451ProblemJson() throws Exception {
        HttpResponse<String> r = client(PK, "/inbox");
        JsonObject body = json(r, 451);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Link")).hasValue("<https://example.com/legal/pk>; rel=\"blocked-by\"");
        assertThat(body.getInteger("status")).isEqualTo(451);
        assertThat(body.getString("title")).isEqualTo("Unavailable For Legal Reasons");
        assertThat(body.getString("detail")).isEqualTo("Service withdrawn from Pakistan by government order");
        assertThat(body.getString("reason")).isEqualTo("anonymous-in-restricted-country");
        assertThat(body.getString("country")).isEqualTo("PK");
        assertThat(Instant.parse(body.getString("cutoff"))).isEqualTo(started.minus(Duration.ofDays(1)));
    }

    @Test
    void aVisitorHomedElsewhereIsRoutedToTheHomeDatacenterFoundInRedis() throws Exception {
        JsonObject seen = upstreamSaw(client(PK, "/inbox?x=1", "X-Account-Id", "bob"));
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(seen.getString("uri")).isEqualTo("/inbox?x=1");
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("visitor");
        assertThat(header(seen, "x-geo-country")).isEqualTo("PK");
        assertThat(header(seen, "x-account-home")).isEqualTo("DE");
        assertThat(header(seen, "x-forwarded-for")).isEqualTo(PK + ", 127.0.0.1");
        json(client(DE, "/", "X-Account-Id", "alice"), 451);
    }

    @Test
    void theRedisDirectoryIsAskedLiveAndUnknownAccountsAreAnonymous() throws Exception {
        json(client(PK, "/", "X-Account-Id", "newcomer"), 451);
        redis.command("SET", "geogate:account:settler", "FR");
        JsonObject seen = upstreamSaw(client(PK, "/", "X-Account-Id", "settler"));
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(header(seen, "x-account-home")).isEqualTo("FR");
        JsonObject accounts = json(admin("GET", "/admin/config", null), 200).getJsonObject("accounts");
        assertThat(accounts.getString("source")).startsWith("redis://127.0.0.1:" + redis.port());
        assertThat(accounts.getBoolean("reachable")).isTrue();
    }

    @Test
    void anAccountUnderNoticeIsServedWithSunsetAndLink() throws Exception {
        HttpResponse<String> r = client(DE, "/", "X-Account-Id", "dmitri");
        JsonObject seen = upstreamSaw(r);
        assertThat(seen.getString("datacenter")).isEqualTo("toronto");
        assertThat(header(seen, "x-geogate-decision")).isEqualTo("notice");
        ZonedDateTime sunset = ZonedDateTime.parse(r.headers().firstValue("Sunset").orElseThrow(), DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(sunset.toInstant()).isEqualTo(started.plus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS));
        assertThat(r.headers().firstValue("Link")).hasValue("<https://example.com/legal/ru>; rel=\"sunset\"");

        JsonArray notices = json(admin("GET", "/admin/config", null), 200).getJsonArray("notices");
        JsonObject ru = notices.stream().map(JsonObject.class::cast).filter(n -> "RU".equals(n.getString("restriction")))
                .findFirst().orElseThrow(() -> new AssertionError("no RU notice figures in " + notices));
        assertThat(ru.getLong("requests")).isPositive();
        assertThat(ru.getLong("distinctAccounts")).isPositive();
    }

    @Test
    void bearerTokensAreVerifiedAndTheirHomeClaimWins() throws Exception {
        json(client(DE, "/", "Authorization", token("carol", "PK")), 451);
        JsonObject home = upstreamSaw(client(PK, "/", "Authorization", token("zed", "DE")));
        assertThat(home.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(header(home, "x-geogate-decision")).isEqualTo("visitor");
        // No home claim: Redis names bob's home. The same token again is answered from the verified-token cache.
        String bob = token("bob", null);
        for (int i = 0; i < 2; i++) {
            JsonObject seen = upstreamSaw(client(PK, "/", "Authorization", bob));
            assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
            assertThat(header(seen, "authorization")).as("passed upstream untouched").isEqualTo(bob);
        }
        // Signed by another key: no account at all, and the header is not a fall-back. Twice: the refused-token cache.
        String forged = "Bearer " + Tokens.sign(Tokens.claims("bob", "DE"), Tokens.rsa(2048).getPrivate(), null);
        for (int i = 0; i < 2; i++) {
            JsonObject refused = json(client(PK, "/", "Authorization", forged, "X-Account-Id", "bob"), 451);
            assertThat(refused.getString("reason")).isEqualTo("anonymous-in-restricted-country");
        }
    }

    @Test
    void http2CleartextWithPriorKnowledgeIsRoutedAndRefused() throws Exception {
        io.vertx.core.http.HttpClient h2 = vertx.createHttpClient(new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
        try {
            HttpVersion[] version = new HttpVersion[1];
            String body = h2.request(HttpMethod.GET, data, "127.0.0.1", "/h2")
                    .compose(req -> req.putHeader("X-Forwarded-For", PK).putHeader("X-Account-Id", "bob").send())
                    .compose(response -> {
                        version[0] = response.version();
                        return response.body();
                    }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).toString();
            assertThat(version[0]).isEqualTo(HttpVersion.HTTP_2);
            JsonObject seen = new JsonObject(body);
            assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
            assertThat(header(seen, "x-geogate-decision")).isEqualTo("visitor");
            int refused = h2.request(HttpMethod.GET, data, "127.0.0.1", "/h2")
                    .compose(req -> req.putHeader("X-Forwarded-For", PK).send())
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).statusCode();
            assertThat(refused).isEqualTo(451);
        } finally {
            h2.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** A WebSocket client session that remembers what it received and how it ended. */
    private static final class Session implements WebSocket.Listener {
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence text, boolean last) {
            received.add(text.toString());
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }

    @Test
    void aPolicyChangeThatRefusesAWebSocketSessionClosesItWith1008() throws Exception {
        Session anonymous = new Session();
        WebSocket ws = http.newWebSocketBuilder().header("X-Forwarded-For", RU)
                .buildAsync(URI.create("ws://127.0.0.1:" + data + "/chat"), anonymous).get(10, TimeUnit.SECONDS);
        try {
            ws.sendText("hi", true).get(5, TimeUnit.SECONDS);
            assertThat(anonymous.received.poll(5, TimeUnit.SECONDS)).isEqualTo("toronto:hi");
            String ruCutoff = started.plus(Duration.ofDays(10)).toString();
            assertThat(originalPolicy).contains(ruCutoff);
            Instant changed = Instant.now();
            json(admin("PUT", "/admin/policy", originalPolicy.replace(ruCutoff, changed.minusSeconds(1).toString())), 200);
            assertThat(anonymous.closeCode.get(3, TimeUnit.SECONDS)).isEqualTo(1008);
            assertThat(json(client(RU, "/"), 451).getString("reason")).isEqualTo("anonymous-in-restricted-country");
        } finally {
            ws.abort();
        }
    }

    // --- the control plane ---------------------------------------------------------------------------------

    @Test
    void healthChecksAndMetricsAnswerOnTheControlPlane() throws Exception {
        JsonObject ready = new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control
                + "/q/health/ready")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertThat(ready.getString("status")).isEqualTo("UP");
        Map<String, JsonObject> checks = new LinkedHashMap<>();
        ready.getJsonArray("checks").forEach(c -> checks.put(((JsonObject) c).getString("name"), (JsonObject) c));
        assertThat(checks).containsKeys("geo-database", "policy", "accounts", "data-plane");
        checks.values().forEach(c -> assertThat(c.getString("status")).as(c.encode()).isEqualTo("UP"));
        assertThat(checks.get("geo-database").getJsonObject("data").getString("type")).isEqualTo("GeoIP2-Country");
        assertThat(checks.get("geo-database").getJsonObject("data").getString("freshness")).isEqualTo("fresh");
        assertThat(status("http://127.0.0.1:" + control + "/q/health/live")).isEqualTo(200);
        assertThat(status("http://127.0.0.1:" + control + "/q/health/started")).isEqualTo(200);

        json(client(PK, "/"), 451);
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("geogate_decisions_total{").contains("reason=\"anonymous-in-restricted-country\"")
                .contains("geogate_geo_database_age_seconds");
        // Nothing of the gateway's own on the data plane.
        assertThat(upstreamSaw(client(US, "/q/health/ready")).getString("datacenter")).isEqualTo("toronto");
    }

    @Test
    void adminConfigShowsThePolicyInForceAndEveryInput() throws Exception {
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control
                + "/admin/config")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        JsonObject config = json(admin("GET", "/admin/config", null), 200);
        assertThat(config.getString("version")).isNotBlank();
        assertThat(config.getString("source")).contains("policy.yaml");
        assertThat(Instant.parse(config.getString("loadedAt"))).isAfterOrEqualTo(started.truncatedTo(ChronoUnit.SECONDS));
        JsonObject policy = config.getJsonObject("policy");
        assertThat(policy.getJsonArray("datacenters")).hasSize(4);
        assertThat(policy.getJsonArray("restrictions")).hasSize(3);
        JsonObject geo = config.getJsonObject("geoDatabase");
        assertThat(geo.getBoolean("available")).isTrue();
        assertThat(geo.getString("type")).isEqualTo("GeoIP2-Country");
        assertThat(geo.getString("freshness")).isEqualTo("fresh");
        assertThat(config.getJsonObject("lastRefused").fieldNames()).contains("geo-database", "policy", "accounts", "jwt-keys");
    }

    @Test
    void adminDecideAnswersWhatTheDataPlaneWouldDoAndListsBadParameters() throws Exception {
        JsonObject d = json(admin("GET", "/admin/decide?ip=" + PK + "&account=bob", null), 200);
        assertThat(d.getString("outcome")).isEqualTo("allow");
        assertThat(d.getString("reason")).isEqualTo("visitor");
        assertThat(d.getString("ip")).isEqualTo(PK);
        assertThat(d.getString("country")).isEqualTo("PK");
        assertThat(d.getString("account")).isEqualTo("bob");
        assertThat(d.getString("home")).isEqualTo("DE");
        assertThat(d.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(d.getJsonObject("restriction").getString("country")).isEqualTo("PK");
        assertThat(d.getJsonObject("restriction").getString("notice")).isEqualTo("P30D");
        assertThat(d.getString("policyVersion")).isEqualTo(version());

        JsonObject past = json(admin("GET", "/admin/decide?ip=" + US + "&at=2015-01-01T00:00:00Z", null), 200);
        assertThat(past.getString("reason")).isEqualTo("unrestricted");
        assertThat(past.getString("at")).isEqualTo("2015-01-01T00:00:00Z");

        HttpResponse<String> bad = admin("GET", "/admin/decide?ip=not-an-ip&at=yesterday", null);
        JsonObject problem = json(bad, 400);
        assertThat(bad.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("path")).toList())
                .containsExactly("ip", "at");
    }

    @Test
    void adminPolicyPutInstallsAValidPolicyAndRefusesAnInvalidOneByPath() throws Exception {
        String before = version();
        String lifted = originalPolicy.replace("anonymous: refuse", "anonymous: allow");
        JsonObject change = json(admin("PUT", "/admin/policy", lifted), 200);
        assertThat(change.getString("previousVersion")).isEqualTo(before);
        assertThat(change.getBoolean("changed")).isTrue();
        assertThat(change.getString("version")).isNotEqualTo(before).isEqualTo(version());
        assertThat(change.getString("loadedAt")).isNotBlank();
        assertThat(Files.readString(dir.resolve("policy.yaml"))).isEqualTo(lifted);
        assertThat(upstreamSaw(client(PK, "/")).getString("datacenter")).isEqualTo("toronto");

        HttpResponse<String> invalid = admin("PUT", "/admin/policy", """
                datacenters:
                  - {name: a, upstream: "ftp://x", default: true}
                restrictions:
                  - {country: PAK, cutoff: "2015-12-30T00:00:00", notise: P1D}
                """);
        JsonObject problem = json(invalid, 400);
        assertThat(invalid.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(problem.getInteger("status")).isEqualTo(400);
        assertThat(problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("path")).toList())
                .contains("datacenters[0].upstream", "restrictions[0].country", "restrictions[0].cutoff", "restrictions[0].notise");
        assertThat(version()).as("the policy in force is unchanged").isEqualTo(change.getString("version"));
        assertThat(Files.readString(dir.resolve("policy.yaml"))).isEqualTo(lifted);
    }

    @Test
    void aChangedDatabaseFileIsPickedUpAndAReloadReportsEveryInput() throws Exception {
        Path database = dir.resolve("country.mmdb");
        upstreamSaw(client(US, "/"));
        try {
            // 8.8.8.0/24 moves to Pakistan: the watcher loads the new file and anonymous clients there are refused.
            TestFiles.replace(database, MmdbWriter.geoip2Country().country("39.32.0.0/11", "PK").country("85.214.0.0/16", "DE")
                    .country("77.88.0.0/16", "RU").country("8.8.8.0/24", "PK").build());
            Eventually.until("the changed database is in service", () -> statusOf(US) == 451);

            // A corrupt file is refused: the last good one stays in service, and the refusal is reported.
            TestFiles.replace(database, "not an mmdb file".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            JsonObject reload = json(admin("POST", "/admin/reload", null), 200);
            assertThat(reload.getJsonObject("results").fieldNames()).contains("geo-database", "policy", "accounts", "jwt-keys");
            reload.getJsonObject("results").forEach(e -> assertThat(((JsonObject) e.getValue()).getString("result"))
                    .isIn("success", "unchanged", "refused"));
            assertThat(reload.getJsonArray("refused")).contains("geo-database");
            assertThat(json(admin("GET", "/admin/config", null), 200).getJsonObject("lastRefused")
                    .getJsonObject("geo-database").getString("error")).isNotBlank();
            assertThat(statusOf(US)).isEqualTo(451);
        } finally {
            GatewayEnvironment.writeDatabase(database, "geoip2");
        }
        Eventually.until("the original database is back in service", () -> statusOf(US) == 200);
        JsonObject reload = json(admin("POST", "/admin/reload", null), 200);
        assertThat(reload.getJsonArray("refused")).isEmpty();
    }

    private static int statusOf(String clientIp) {
        try {
            return client(clientIp, "/").statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
