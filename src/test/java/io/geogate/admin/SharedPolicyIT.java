package io.geogate.admin;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two packaged gateways share one policy file, as replicas share a volume: a policy PUT to one is in
 * force on the other within 10 s, and survives a restart.
 */
class SharedPolicyIT {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private record Replica(PackagedGateway process, int dataPort, int controlPort) {
    }

    private Replica start() throws Exception {
        int data = Ports.free();
        int control = Ports.free();
        PackagedGateway p = PackagedGateway.start(dir, List.of("geogate.listen.port=" + data, "quarkus.http.port=" + control,
                "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb", "geogate.accounts.file=accounts.csv",
                "geogate.admin.token-file=token", "geogate.reload.interval=1s", "geogate.shutdown.drain-delay=0s"));
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            assertThat(p.isAlive()).as(p.output()).isTrue();
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return new Replica(p, data, control);
                }
            } catch (java.io.IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("replica did not become ready:\n" + p.output());
    }

    private HttpResponse<String> admin(Replica r, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.controlPort() + path))
                .header("Authorization", "Bearer secret").header("Content-Type", "application/yaml")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String version(Replica r) throws Exception {
        return new JsonObject(admin(r, "GET", "/admin/config", null).body()).getString("version");
    }

    private String versionOrNull(Replica r) {
        try {
            return version(r);
        } catch (Exception e) {
            return null;
        }
    }

    private int statusFromPakistan(Replica r) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.dataPort() + "/"))
                .header("X-Forwarded-For", "39.32.0.1").build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void aPolicyPutOnOneReplicaReachesTheOtherAndSurvivesARestart() throws Exception {
        GatewayEnvironment.writeDatabase(dir.resolve("country.mmdb"), "geoip2");
        Files.writeString(dir.resolve("accounts.csv"), "account,home\nbob,DE\n");
        Files.writeString(dir.resolve("token"), "secret\n");
        String original = GatewayEnvironment.policy(Map.of("karachi", 1, "frankfurt", 2, "toronto", 3, "lagos", 4),
                Instant.now(), Map.of());
        Files.writeString(dir.resolve("policy.yaml"), original);
        String lifted = original.replace("anonymous: refuse", "anonymous: allow");
        String installed;

        Replica one = start();
        try (PackagedGateway a = one.process()) {
            Replica two = start();
            try (PackagedGateway b = two.process()) {
                assertThat(version(one)).isEqualTo(version(two));
                HttpResponse<String> put = admin(one, "PUT", "/admin/policy", lifted);
                assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
                installed = new JsonObject(put.body()).getString("version");
                assertThat(version(one)).isEqualTo(installed);

                String expected = installed;
                Eventually.until("the other replica has the new policy", () -> expected.equals(versionOrNull(two)));
                assertThat(statusFromPakistan(two)).isNotEqualTo(451);
            }
        }
        assertThat(Files.readString(dir.resolve("policy.yaml"))).isEqualTo(lifted);

        Replica restarted = start();
        try (PackagedGateway c = restarted.process()) {
            assertThat(version(restarted)).isEqualTo(installed);
            assertThat(statusFromPakistan(restarted)).isNotEqualTo(451);
        }
    }
}
