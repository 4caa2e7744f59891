package io.geogate.authz;

import io.geogate.policy.PolicyParser;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.Ports;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * A real nginx (Debian's package) with auth_request to geogate's HTTP decision service, in front of the
 * environment's real datacenters, configured by the very file the README documents
 * ({@code k8s/authz/nginx/geogate-locations.conf}). It must behave as the sidecar does.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
        @ResourceArg(name = "authz", value = "on"), @ResourceArg(name = "jwt", value = "rsa")})
class NginxAuthRequestTest {

    private static final Path LOCATIONS = Path.of("k8s/authz/nginx/geogate-locations.conf").toAbsolutePath();

    private static Process nginx;
    private static Path prefix;
    private static int port;

    GatewayFixture fixture;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void startNginxOnce() throws Exception {
        if (nginx != null) {
            return;
        }
        Path binary = Stream.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx").map(Path::of)
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new AssertionError("nginx is not installed: this test needs Debian's nginx package "
                        + "(apt-get install nginx; .ci/run installs it)"));
        prefix = Files.createTempDirectory("geogate-nginx");
        port = Ports.free();
        Files.writeString(prefix.resolve("nginx.conf"), config(prefix, port, DecisionServiceTest.authzPort("http"),
                fixture.upstreamPorts()));
        nginx = new ProcessBuilder(binary.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(),
                "-e", prefix.resolve("error.log").toString(), "-g", "daemon off;")
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!accepts(port)) {
            if (!nginx.isAlive() || System.nanoTime() > deadline) {
                fail("nginx did not start: " + Files.readString(prefix.resolve("stdout.log")) + readIfExists(prefix.resolve("error.log")));
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stopNginx() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            nginx.waitFor();
            nginx = null;
        }
    }

    private static String config(Path dir, int port, int authzPort, Map<String, Integer> datacenters) {
        String upstreams = datacenters.entrySet().stream()
                .map(e -> "  upstream " + e.getKey() + " { server 127.0.0.1:" + e.getValue() + "; }")
                .collect(Collectors.joining("\n"));
        return """
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 64; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  upstream geogate-authz { server 127.0.0.1:%2$d; }
                %3$s
                  server {
                    listen 127.0.0.1:%4$d;
                    include %5$s;
                  }
                }
                """.formatted(dir, authzPort, upstreams, port, LOCATIONS);
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String readIfExists(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private HttpResponse<String> viaNginx(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> viaDataPlane(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + path));
        request.headers(headers);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String seen(JsonObject echo, String header) {
        JsonArray values = echo.getJsonObject("headers").getJsonArray(header);
        return values == null ? null : String.join(",", values.getList());
    }

    @Test
    void aRefusalReachesTheClientAs451WithTheDataPlanesBodyAndLink() throws Exception {
        HttpResponse<String> r = viaNginx("/inbox", "X-Forwarded-For", "39.32.0.1");
        HttpResponse<String> sidecar = viaDataPlane("/inbox", "X-Forwarded-For", "39.32.0.1");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(451);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(r.headers().firstValue("Link")).hasValue("<https://example.com/legal/pk>; rel=\"blocked-by\"");
        assertThat(r.body()).isEqualTo(sidecar.body());
        assertThat(new JsonObject(r.body()).getString("reason")).isEqualTo("anonymous-in-restricted-country");
    }

    @Test
    void aVisitorWithAVerifiedTokenIsRoutedToTheHomeDatacenterNamedByGeogate() throws Exception {
        HttpResponse<String> r = viaNginx("/inbox?x=1", "X-Forwarded-For", "39.32.0.1",
                "Authorization", "Bearer " + fixture.token("max", "DE"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject echo = new JsonObject(r.body());
        assertThat(echo.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(echo.getString("uri")).isEqualTo("/inbox?x=1");
        assertThat(seen(echo, "x-geogate-decision")).isEqualTo("visitor");
        assertThat(seen(echo, "x-geo-country")).isEqualTo("PK");
        assertThat(seen(echo, "x-account-home")).isEqualTo("DE");
    }

    @Test
    void aClientsOwnAccountHeaderDoesNotMakeAnAnonymousClientAVisitor() throws Exception {
        HttpResponse<String> r = viaNginx("/inbox", "X-Forwarded-For", "39.32.0.1", "X-Account-Id", "bob");
        assertThat(r.statusCode()).as("bob is homed in DE, but nothing proved this client is bob").isEqualTo(451);
        assertThat(new JsonObject(r.body()).getString("reason")).isEqualTo("anonymous-in-restricted-country");
    }

    @Test
    void aClientsOwnAccountHeaderNeitherRoutesNorReachesTheDatacenter() throws Exception {
        HttpResponse<String> r = viaNginx("/", "X-Forwarded-For", "8.8.8.8", "x-account-ID", "bob");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonObject echo = new JsonObject(r.body());
        assertThat(echo.getString("datacenter")).as("bob's home would be frankfurt").isEqualTo("toronto");
        assertThat(seen(echo, "x-account-id")).isNull();
        assertThat(seen(echo, "x-account-home")).isNull();
    }

    @Test
    void noClientSentGeogateHeaderReachesADatacenter() throws Exception {
        HttpResponse<String> noCountry = viaNginx("/", "X-Forwarded-For", "192.0.2.1", "X-Geo-Country", "PK",
                "x-account-HOME", "PK", "X-Geogate-Decision", "visitor", "x-GEOGATE-datacenter", "karachi",
                "X-Geogate-Status", "200", "x-geogate-PROBLEM", "{}", "X-Account-Id", "alice");
        JsonObject echo = new JsonObject(noCountry.body());
        assertThat(seen(echo, "x-geo-country")).isNull();
        assertThat(seen(echo, "x-account-home")).isNull();
        assertThat(seen(echo, "x-account-id")).isNull();
        assertThat(seen(echo, "x-geogate-status")).isNull();
        assertThat(seen(echo, "x-geogate-problem")).isNull();
        assertThat(seen(echo, "x-geogate-decision")).isEqualTo("allow");
        assertThat(seen(echo, "x-geogate-datacenter")).isEqualTo("toronto");
        assertThat(echo.getString("datacenter")).isEqualTo("toronto");

        JsonObject us = new JsonObject(viaNginx("/", "X-Forwarded-For", "8.8.8.8", "X-Geo-Country", "PK").body());
        assertThat(seen(us, "x-geo-country")).isEqualTo("US");
    }

    @Test
    void aLongNonAsciiReasonAndLinkStillReachTheClientAs451() throws Exception {
        String original = Files.readString(fixture.policyFile());
        String reason = "Сервис недоступен по решению суда. ".repeat(40).substring(0, PolicyParser.MAX_REASON_CHARS);
        String page = "https://example.com/legal/pk/" + "решение".repeat(48);
        String linked = URI.create(page).toASCIIString();
        assertThat(linked.length()).as("near the longest blocked-by allowed").isBetween(PolicyParser.MAX_URL_CHARS - 100,
                PolicyParser.MAX_URL_CHARS);
        try {
            Files.writeString(fixture.policyFile(), original
                    .replace("blocked-by: https://example.com/legal/pk", "blocked-by: \"" + linked + "\"")
                    .replace("reason: Service withdrawn from Pakistan by government order", "reason: \"" + reason + "\""));
            Eventually.until("the long reason is in force", () -> reason.equals(refusalDetail()));

            HttpResponse<String> r = viaNginx("/inbox", "X-Forwarded-For", "39.32.0.1");
            HttpResponse<String> sidecar = viaDataPlane("/inbox", "X-Forwarded-For", "39.32.0.1");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(451);
            assertThat(new JsonObject(r.body())).isEqualTo(new JsonObject(sidecar.body()));
            assertThat(new JsonObject(r.body()).getString("detail")).isEqualTo(reason);
            assertThat(r.headers().firstValue("Link")).hasValue("<" + linked + ">; rel=\"blocked-by\"");
        } finally {
            Files.writeString(fixture.policyFile(), original);
            Eventually.until("the policy is restored", () -> "Service withdrawn from Pakistan by government order".equals(refusalDetail()));
        }
    }

    private String refusalDetail() {
        try {
            return new JsonObject(viaDataPlane("/inbox", "X-Forwarded-For", "39.32.0.1").body()).getString("detail");
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void aNoticeCarriesSunsetAndLinkToTheClient() throws Exception {
        HttpResponse<String> r = viaNginx("/", "X-Forwarded-For", "77.88.0.1");
        HttpResponse<String> sidecar = viaDataPlane("/", "X-Forwarded-For", "77.88.0.1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(seen(new JsonObject(r.body()), "x-geogate-decision")).isEqualTo("notice");
        assertThat(r.headers().firstValue("Sunset")).isPresent().isEqualTo(sidecar.headers().firstValue("Sunset"));
        assertThat(r.headers().firstValue("Link")).hasValue("<https://example.com/legal/ru>; rel=\"sunset\"");
    }
}
