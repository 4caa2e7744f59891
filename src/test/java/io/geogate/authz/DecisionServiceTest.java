package io.geogate.authz;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.geogate.testing.EnvoyCheck;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.LogCapture;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decision service over gRPC (as Envoy calls it) and over HTTP (as Traefik and nginx call it),
 * against the data plane's own answers for the same client through a real proxied request.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
        @ResourceArg(name = "authz", value = "on"), @ResourceArg(name = "jwt", value = "rsa")})
class DecisionServiceTest {

    GatewayFixture fixture;

    private final HttpClient http = HttpClient.newHttpClient();
    private EnvoyCheck envoy;
    private LogCapture audit;

    static int authzPort(String service) {
        return ConfigProvider.getConfig().getValue("geogate.authz." + service + ".port", Integer.class);
    }

    @BeforeEach
    void connect() {
        envoy = new EnvoyCheck(authzPort("grpc"));
        audit = LogCapture.of("geogate.audit");
    }

    @AfterEach
    void disconnect() throws Exception {
        audit.close();
        envoy.close();
    }

    /**
     * One row of the decision table: a client address (as the trusted proxy's X-Forwarded-For) and
     * what names the account: nothing, the account header, or a bearer token for {@code sub} with {@code home}.
     */
    record Row(String name, String from, Optional<String> account, Optional<String> tokenSubject, Optional<String> tokenHome) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        Optional<String> none = Optional.empty();
        return Stream.of(
                new Row("anonymous inside a restricted country", "39.32.0.1", none, none, none),
                new Row("visitor from a restricted country", "39.32.0.1", Optional.of("bob"), none, none),
                new Row("account homed in a restricted country, abroad", "85.214.0.1", Optional.of("alice"), none, none),
                new Row("account under notice", "85.214.0.1", Optional.of("dmitri"), none, none),
                new Row("anonymous inside a country under notice", "77.88.0.1", none, none, none),
                new Row("unrestricted account routed home", "8.8.8.8", Optional.of("bob"), none, none),
                new Row("account of the default datacenter", "8.8.8.8", Optional.of("erin"), none, none),
                new Row("anonymous of no known country", "192.0.2.1", none, none, none),
                new Row("anonymous where the restriction allows anonymous", "2.144.0.1", none, none, none),
                new Row("account homed where anonymous is allowed", "85.214.0.1", Optional.of("reza"), none, none),
                new Row("account unknown to the directory, inside", "39.32.0.1", Optional.of("mallory"), none, none),
                new Row("token homed in a restricted country", "85.214.0.1", none, Optional.of("zoe"), Optional.of("PK")),
                new Row("token homed abroad, inside a restricted country", "39.32.0.1", none, Optional.of("max"), Optional.of("DE")));
    }

    /** What a client and a datacenter would notice of one answer; empty strings for what is absent. */
    record Outcome(int status, String body, String contentType, String cacheControl, String link, String sunset,
                   String country, String home, String decision, String datacenter) {
    }

    private Map<String, String> headers(Row row) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-Forwarded-For", row.from());
        row.account().ifPresent(a -> headers.put("X-Account-Id", a));
        row.tokenSubject().ifPresent(sub -> headers.put("Authorization", "Bearer " + fixture.token(sub, row.tokenHome().orElseThrow())));
        return headers;
    }

    private HttpResponse<String> get(int port, String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String first(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse("");
    }

    private Outcome dataPlane(Row row) throws Exception {
        HttpResponse<String> r = get(fixture.dataPort(), "/table", headers(row));
        if (r.statusCode() != 200) {
            return new Outcome(r.statusCode(), r.body(), first(r, "Content-Type"), first(r, "Cache-Control"), first(r, "Link"),
                    "", "", "", "", "");
        }
        JsonObject seen = new JsonObject(r.body());
        JsonObject upstream = seen.getJsonObject("headers");
        return new Outcome(200, "", "", "", first(r, "Link"), first(r, "Sunset"), seenHeader(upstream, "x-geo-country"),
                seenHeader(upstream, "x-account-home"), seenHeader(upstream, "x-geogate-decision"), seen.getString("datacenter"));
    }

    private static String seenHeader(JsonObject headers, String name) {
        JsonArray values = headers.getJsonArray(name);
        return values == null ? "" : String.join(",", values.getList());
    }

    private Outcome httpCheck(Row row) throws Exception {
        HttpResponse<String> r = get(authzPort("http"), "/traefik", headers(row));
        if (r.statusCode() != 200) {
            return new Outcome(r.statusCode(), r.body(), first(r, "Content-Type"), first(r, "Cache-Control"), first(r, "Link"),
                    "", "", "", "", "");
        }
        assertThat(r.body()).isEmpty();
        return new Outcome(200, "", "", "", first(r, "Link"), first(r, "Sunset"), first(r, "X-Geo-Country"),
                first(r, "X-Account-Home"), first(r, "X-Geogate-Decision"), first(r, "X-Geogate-Datacenter"));
    }

    private Outcome grpcCheck(Row row) throws Exception {
        CheckResponse r = envoy.check("127.0.0.1", "/table", headers(row));
        if (r.hasDeniedResponse()) {
            DeniedHttpResponse denied = r.getDeniedResponse();
            Map<String, String> h = EnvoyCheck.byName(denied.getHeadersList());
            return new Outcome(denied.getStatus().getCodeValue(), denied.getBody(), h.getOrDefault("content-type", ""),
                    h.getOrDefault("cache-control", ""), h.getOrDefault("link", ""), "", "", "", "", "");
        }
        assertThat(r.getStatus().getCode()).isZero();
        OkHttpResponse ok = r.getOkResponse();
        Map<String, String> set = EnvoyCheck.byName(ok.getHeadersList());
        Map<String, String> response = EnvoyCheck.byName(ok.getResponseHeadersToAddList());
        return new Outcome(200, "", "", "", response.getOrDefault("link", ""), response.getOrDefault("sunset", ""),
                set.getOrDefault("x-geo-country", ""), set.getOrDefault("x-account-home", ""),
                set.getOrDefault("x-geogate-decision", ""), set.getOrDefault("x-geogate-datacenter", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void bothDecisionServicesAnswerEveryRowAsTheDataPlaneDoes(Row row) throws Exception {
        Outcome dataPlane = dataPlane(row);
        assertThat(dataPlane.status()).as("the data plane either proxies or refuses this row").isIn(200, 451);
        assertThat(httpCheck(row)).as("HTTP forward-auth").isEqualTo(dataPlane);
        assertThat(grpcCheck(row)).as("gRPC Check").isEqualTo(dataPlane);
    }

    @Test
    void aRefusalOverGrpcIsDeniedWith451AndTheDataPlanesBodyAndLink() throws Exception {
        CheckResponse r = envoy.check("39.32.0.1", "/inbox", Map.of());
        assertThat(r.getStatus().getCode()).isEqualTo(com.google.rpc.Code.PERMISSION_DENIED_VALUE);
        DeniedHttpResponse denied = r.getDeniedResponse();
        assertThat(denied.getStatus().getCodeValue()).isEqualTo(451);
        assertThat(EnvoyCheck.byName(denied.getHeadersList())).containsEntry("link", "<https://example.com/legal/pk>; rel=\"blocked-by\"")
                .containsEntry("content-type", "application/problem+json").containsEntry("cache-control", "no-store");
        JsonObject body = new JsonObject(denied.getBody());
        assertThat(body.getString("reason")).isEqualTo("anonymous-in-restricted-country");
        assertThat(body.getString("country")).isEqualTo("PK");
    }

    @Test
    void aCheckThatNamesNoSourceIsUnavailableNotDecidedOnHeaders() throws Exception {
        // With no downstream address, only headers the downstream client may have written are left: fail closed.
        CheckResponse r = envoy.check("", "/", Map.of("X-Forwarded-For", "85.214.0.1"));
        assertThat(r.getStatus().getCode()).isEqualTo(com.google.rpc.Code.UNAVAILABLE_VALUE);
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(503);
        assertThat(new JsonObject(r.getDeniedResponse().getBody()).getString("reason")).isEqualTo("client-address-unavailable");
    }

    @Test
    void anUntrustedPeersForwardedForIsIgnoredOverGrpc() throws Exception {
        CheckResponse r = envoy.check("39.32.0.1", "/", Map.of("X-Forwarded-For", "8.8.8.8"));
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).as("the peer itself is the client, inside PK").isEqualTo(451);
    }

    @Test
    void anUntrustedPeersAccountHeaderIsIgnoredAndRemovedOverGrpc() throws Exception {
        CheckResponse r = envoy.check("85.214.0.1", "/", Map.of("X-Account-Id", "alice", "X-Geo-Country", "US"));
        assertThat(r.hasOkResponse()).as("alice's home would be refused; an untrusted peer cannot claim her").isTrue();
        OkHttpResponse ok = r.getOkResponse();
        assertThat(EnvoyCheck.byName(ok.getHeadersList())).containsEntry("x-geo-country", "DE")
                .containsEntry("x-geogate-decision", "allow").containsEntry("x-geogate-datacenter", "toronto")
                .doesNotContainKey("x-account-home");
        assertThat(ok.getHeadersToRemoveList()).containsExactlyInAnyOrder("x-account-home", "x-account-id");
    }

    @Test
    void aTrustedPeersForwardedForNamesTheClientOverGrpc() throws Exception {
        CheckResponse r = envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", "203.0.113.9, 8.8.8.8"));
        assertThat(EnvoyCheck.byName(r.getOkResponse().getHeadersList())).containsEntry("x-geo-country", "US");
        assertThat(r.getOkResponse().getHeadersToRemoveList()).containsExactly("x-account-home");
    }

    @Test
    void aCheckFromAnUntrustedPeerOverHttpIgnoresItsForwardedForAndAccount() throws Exception {
        String raw = RawHttp.exchange("127.0.0.2", authzPort("http"), "GET /traefik HTTP/1.1\r\nHost: g\r\n"
                + "X-Forwarded-For: 39.32.0.1\r\nX-Account-Id: alice\r\nConnection: close\r\n\r\n");
        assertThat(raw).startsWith("HTTP/1.1 200").contains("X-Geogate-Decision: allow").doesNotContain("X-Geo-Country:")
                .contains("x-envoy-auth-headers-to-remove: X-Geo-Country,X-Account-Home,X-Account-Id");
    }

    @Test
    void aNoticeOverGrpcAddsItsLinkBesideTheApplicationsOwnLinks() throws Exception {
        CheckResponse r = envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", "77.88.0.1"));
        Map<String, HeaderValueOption.HeaderAppendAction> actions = new LinkedHashMap<>();
        r.getOkResponse().getResponseHeadersToAddList().forEach(h -> actions.put(h.getHeader().getKey(), h.getAppendAction()));
        assertThat(actions).containsEntry("link", HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)
                .containsEntry("sunset", HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    }

    @Test
    void anAccountHeaderJoinedWithACommaNamesNoAccountOverGrpcAsTwoHeadersDoOnTheDataPlane() throws Exception {
        CheckResponse r = envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", "39.32.0.1", "X-Account-Id", "bob,erin"));
        assertThat(r.getDeniedResponse().getStatus().getCodeValue()).isEqualTo(451);
        assertThat(new JsonObject(r.getDeniedResponse().getBody()).getString("reason")).isEqualTo("anonymous-in-restricted-country");

        String twoFields = RawHttp.exchange("127.0.0.1", fixture.dataPort(), "GET / HTTP/1.1\r\nHost: g\r\n"
                + "X-Forwarded-For: 39.32.0.1\r\nX-Account-Id: bob\r\nX-Account-Id: erin\r\nConnection: close\r\n\r\n");
        assertThat(twoFields).startsWith("HTTP/1.1 451");
        String joined = RawHttp.exchange("127.0.0.1", fixture.dataPort(), "GET / HTTP/1.1\r\nHost: g\r\n"
                + "X-Forwarded-For: 39.32.0.1\r\nX-Account-Id: bob,erin\r\nConnection: close\r\n\r\n");
        assertThat(joined).startsWith("HTTP/1.1 451");
    }

    @Test
    void aRefusalForNginxIs403WithTheStatusAndTheSameBodyInHeaders() throws Exception {
        Map<String, String> from = Map.of("X-Forwarded-For", "39.32.0.1");
        HttpResponse<String> plain = get(authzPort("http"), "/", from);
        HttpResponse<String> nginx = get(authzPort("http"), "/nginx", from);
        assertThat(plain.statusCode()).isEqualTo(451);
        assertThat(nginx.statusCode()).isEqualTo(403);
        assertThat(first(nginx, "X-Geogate-Status")).isEqualTo("451");
        assertThat(first(nginx, "X-Geogate-Problem")).isEqualTo(plain.body());
        assertThat(nginx.body()).isEqualTo(plain.body());
        assertThat(first(nginx, "Link")).isEqualTo(first(plain, "Link")).isNotEmpty();
    }

    @Test
    void aRefusedCheckIsAuditedLikeADataPlaneRefusal() throws Exception {
        envoy.check("127.0.0.1", "/", Map.of("X-Forwarded-For", "39.32.0.77"));
        get(authzPort("http"), "/", Map.of("X-Forwarded-For", "39.32.0.78"));
        io.geogate.testing.Eventually.until("both refusals audited", () -> audit.lines().stream().filter(l -> l.contains("\"client\":\"39.32.0.7")).count() == 2);
        assertThat(audit.lines()).anySatisfy(l -> assertThat(l).contains("\"event\":\"refuse\"").contains("\"client\":\"39.32.0.77\"")
                .contains("\"reason\":\"anonymous-in-restricted-country\""));
    }

    @Test
    void nonAsciiInAProblemIsEscapedForAHeader() {
        assertThat(ForwardAuthHandler.asciiJson("{\"detail\":\"Zürich\"}")).isEqualTo("{\"detail\":\"Z\\u00fcrich\"}");
    }
}
