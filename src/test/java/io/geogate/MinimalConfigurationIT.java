package io.geogate;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The jar started from an empty directory with nothing but a policy and a geo database: no account
 * directory unless one is named. A named accounts file that is missing is not silently dropped.
 */
class MinimalConfigurationIT {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void withOnlyAPolicyAndADatabaseGeogateIsReadyWithNoAccountDirectory() throws Exception {
        int control = Ports.free();
        try (PackagedGateway gateway = start(control, List.of())) {
            gateway.awaitReady(control);
            JsonObject accounts = check(control, "accounts");
            assertThat(accounts.getString("status")).isEqualTo("UP");
            assertThat(accounts.getJsonObject("data").getString("source")).isEqualTo("none");
            assertThat(gateway.output()).as("the operator is told, not left to guess")
                    .contains("geogate.accounts.file is not set and its default");
        }
    }

    @Test
    void aNamedAccountsFileThatIsMissingKeepsReadinessDown() throws Exception {
        int control = Ports.free();
        try (PackagedGateway gateway = start(control, List.of("geogate.accounts.file=accounts.csv"))) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            JsonObject accounts = null;
            while (accounts == null && System.nanoTime() < deadline) {
                assertThat(gateway.isAlive()).as(gateway.output()).isTrue();
                accounts = checkOrNull(control, "accounts");
                Thread.sleep(200);
            }
            assertThat(accounts).as("the control plane answered within 60 s").isNotNull();
            assertThat(accounts.getString("status")).as(accounts.encode()).isEqualTo("DOWN");
            assertThat(accounts.encode()).contains("accounts.csv");
        }
    }

    private PackagedGateway start(int control, List<String> extra) throws Exception {
        GatewayEnvironment.writeDatabase(dir.resolve("country.mmdb"), "geoip2");
        Files.writeString(dir.resolve("policy.yaml"), "datacenters: [{name: a, upstream: \"http://127.0.0.1:1\", default: true}]\n");
        List<String> properties = new ArrayList<>(List.of("geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                "geogate.listen.port=" + Ports.free(), "quarkus.http.port=" + control, "geogate.shutdown.drain-delay=0s"));
        properties.addAll(extra);
        return PackagedGateway.start(dir, properties);
    }

    private JsonObject check(int control, String name) throws Exception {
        JsonObject found = checkOrNull(control, name);
        assertThat(found).as("readiness has a check named " + name).isNotNull();
        return found;
    }

    /** The readiness check {@code name}, or null when the control plane does not answer (yet). */
    private JsonObject checkOrNull(int control, String name) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/q/health/ready"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            JsonArray checks = new JsonObject(r.body()).getJsonArray("checks");
            for (int i = 0; i < checks.size(); i++) {
                if (name.equals(checks.getJsonObject(i).getString("name"))) {
                    return checks.getJsonObject(i);
                }
            }
            return null;
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
