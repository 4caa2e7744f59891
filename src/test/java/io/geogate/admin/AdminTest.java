package io.geogate.admin;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.LogCapture;
import io.geogate.testing.MmdbWriter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The operator API: auth, config, policy changes, reload, decide, and what they leave in metrics and the audit log. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "admin"))
class AdminTest {

    GatewayFixture fixture;

    private String originalPolicy;
    private LogCapture audit;

    @BeforeEach
    void remember() throws Exception {
        originalPolicy = Files.readString(fixture.policyFile());
        audit = LogCapture.of("geogate.audit");
    }

    @AfterEach
    void restore() throws Exception {
        audit.close();
        admin().body(originalPolicy).put("/admin/policy").then().statusCode(200);
    }

    private static RequestSpecification admin() {
        return given().config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                        .encodeContentTypeAs("application/yaml", ContentType.TEXT)))
                .header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN);
    }

    private RequestSpecification client(String ip) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", ip);
    }

    private JsonPath decide(String ip, String account, Instant at) {
        RequestSpecification r = admin().queryParam("ip", ip);
        if (account != null) {
            r.queryParam("account", account);
        }
        if (at != null) {
            r.queryParam("at", at.toString());
        }
        Response response = r.get("/admin/decide");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return response.jsonPath();
    }

    @Test
    void everyAdminPathNeedsTheRightBearerToken() {
        for (String path : List.of("/admin/config", "/admin/decide?ip=1.1.1.1", "/admin/nothing-here", "/admin")) {
            given().get(path).then().statusCode(401).contentType("application/problem+json");
            given().header("Authorization", "Bearer wrong").get(path).then().statusCode(401);
            given().header("Authorization", "Basic " + GatewayEnvironment.ADMIN_TOKEN).get(path).then().statusCode(401);
        }
        given().body(originalPolicy).put("/admin/policy").then().statusCode(401);
        given().post("/admin/reload").then().statusCode(401);
        admin().get("/admin/config").then().statusCode(200);
        admin().get("/admin/nothing-here").then().statusCode(404);
        given().header("Authorization", "bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").then().statusCode(200);
    }

    @Test
    void healthAndMetricsNeedNoToken() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void configShowsThePolicyInForceAndEveryInput() {
        admin().get("/admin/config").then().statusCode(200)
                .body("version", equalTo(given().get("/q/health/ready").jsonPath()
                        .getString("checks.find { it.name == 'policy' }.data.version")))
                .body("source", org.hamcrest.Matchers.endsWith("file:" + fixture.policyFile()))
                .body("policy.restrictions.country", equalTo(List.of("IR", "PK", "RU")))
                .body("policy.restrictions.find { it.country == 'PK' }.notice", equalTo("P30D"))
                .body("policy.datacenters.find { it.default == true }.name", equalTo("toronto"))
                .body("geoDatabase.available", equalTo(true))
                .body("geoDatabase.type", equalTo("GeoIP2-Country"))
                .body("geoDatabase.freshness", equalTo("fresh"))
                .body("accounts.count", equalTo(6))
                .body("accounts.source", equalTo("file:" + fixture.accountsFile()))
                .body("lastRefused.policy", equalTo(null));
    }

    @Test
    void oneCallChangesACutoffAndDecisionsFollowAtOnce() throws Exception {
        String before = admin().get("/admin/config").jsonPath().getString("version");
        client("85.214.0.1").header("X-Account-Id", "dmitri").get("/").then().statusCode(200);
        Instant newCutoff = Instant.now().minusSeconds(60);
        String changed = originalPolicy.replace(fixture.started().plus(Duration.ofDays(10)).toString(), newCutoff.toString());
        assertThat(changed).isNotEqualTo(originalPolicy);

        JsonPath put = admin().contentType("application/yaml").body(changed).put("/admin/policy").then().statusCode(200)
                .extract().jsonPath();
        assertThat(put.getString("previousVersion")).isEqualTo(before);
        assertThat(put.getString("version")).isNotEqualTo(before);
        assertThat(put.getBoolean("changed")).isTrue();

        client("85.214.0.1").header("X-Account-Id", "dmitri").get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country")).body("country", equalTo("RU"));
        admin().get("/admin/config").then().body("version", equalTo(put.getString("version")))
                .body("policy.restrictions.find { it.country == 'RU' }.cutoff", equalTo(newCutoff.toString()));
        assertThat(Files.readString(fixture.policyFile())).isEqualTo(changed);
        // The audit writer is its own thread.
        String newVersion = put.getString("version");
        Eventually.until("the policy change audited", () -> audit.lines().stream().anyMatch(line -> line.contains("\"event\":\"policy-changed\"")
                && line.contains("\"oldVersion\":\"" + before + "\"") && line.contains("\"newVersion\":\"" + newVersion + "\"")));
    }

    @Test
    void policyCanBePutAsJson() {
        String json = """
                {"datacenters": [{"name": "toronto", "upstream": "http://127.0.0.1:%d", "default": true}],
                 "restrictions": [], "unknown-country": "refuse"}
                """.formatted(fixture.upstreamPorts().get("toronto"));
        admin().contentType("application/json").body(json).put("/admin/policy").then().statusCode(200);
        client("39.32.0.1").get("/").then().statusCode(200);
        client("192.0.2.1").get("/").then().statusCode(451).body("reason", equalTo("unknown-country"));
    }

    @Test
    void invalidPolicyIsRefusedWithEveryErrorByPathAndChangesNothing() throws Exception {
        String before = admin().get("/admin/config").jsonPath().getString("version");
        String bad = originalPolicy.replace("country: PK", "country: PAK").replace("notice: P30D", "notice: P1M")
                .replace("mode: enforce", "mode: enforce\ncolour: blue");
        Response r = admin().contentType("application/yaml").body(bad).put("/admin/policy");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.jsonPath().getList("errors.path", String.class))
                .containsExactlyInAnyOrder("restrictions[0].country", "restrictions[0].notice", "restrictions[1].notice", "colour");
        assertThat(r.jsonPath().getList("errors.message", String.class)).allSatisfy(m -> assertThat(m).isNotBlank());
        admin().get("/admin/config").then().body("version", equalTo(before));
        assertThat(Files.readString(fixture.policyFile())).isEqualTo(originalPolicy);
        client("39.32.0.1").get("/").then().statusCode(451);

        admin().contentType("application/json").body("{\"datacenters\": [").put("/admin/policy").then().statusCode(400)
                .body("errors.path", hasItem("$"));
        admin().body("").put("/admin/policy").then().statusCode(400);
    }

    @Test
    void reloadSaysWhatChangedAndWhatWasRefused() throws Exception {
        Path db = fixture.geoDatabase();
        byte[] original = Files.readAllBytes(db);
        try {
            admin().post("/admin/reload").then().statusCode(200);
            JsonPath nothing = admin().post("/admin/reload").then().statusCode(200).extract().jsonPath();
            assertThat(nothing.getString("results.'geo-database'.result")).isEqualTo("unchanged");
            assertThat(nothing.getList("refused")).isEmpty();

            Path corrupt = fixture.dir().resolve("corrupt-admin.mmdb");
            MmdbWriter.corruptTree(db, corrupt);
            Files.move(corrupt, db, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            JsonPath refused = admin().post("/admin/reload").then().statusCode(200).extract().jsonPath();
            assertThat(refused.getList("refused")).containsExactly("geo-database");
            assertThat(refused.getString("results.'geo-database'.detail")).contains("corrupt");
            admin().get("/admin/config").then().body("lastRefused.'geo-database'.error", org.hamcrest.Matchers.containsString("corrupt"))
                    .body("geoDatabase.available", equalTo(true));
            client("39.32.0.1").get("/").then().statusCode(451);
            assertThat(given().get("/q/metrics").asString())
                    .containsPattern("geogate_reloads_total\\{component=\"geo-database\",result=\"refused\"} [1-9]");

            assertThat(admin().post("/admin/reload").jsonPath().getList("refused"))
                    .as("the corrupt file is still on disk, so still refused").containsExactly("geo-database");

            Files.write(db, original);
            // The watcher reads the good file first here; the reload still says it changed since the last one.
            Eventually.until("the watcher has taken the good file",
                    () -> admin().get("/admin/config").jsonPath().get("lastRefused.'geo-database'") == null);
            JsonPath back = admin().post("/admin/reload").then().statusCode(200).extract().jsonPath();
            assertThat(back.getString("results.'geo-database'.result")).isEqualTo("success");
            assertThat(back.getList("changed")).contains("geo-database");
            assertThat(back.getList("refused")).isEmpty();
            admin().get("/admin/config").then().body("lastRefused.'geo-database'", equalTo(null));
        } finally {
            Files.write(db, original);
        }
    }

    @Test
    void decideGivesEveryRowOfTheTableOnBothSidesOfTheCutoff() {
        Instant pkCutoff = fixture.started().minus(Duration.ofDays(1));
        Instant before = pkCutoff.minusMillis(1);
        JsonPath home = decide("85.214.0.1", "alice", pkCutoff);
        assertThat(List.of(home.getString("outcome"), home.getString("reason"), home.getString("restriction.country")))
                .containsExactly("refuse", "home-in-restricted-country", "PK");
        assertThat(decide("85.214.0.1", "alice", before).getString("outcome")).isEqualTo("notice");

        JsonPath anonymous = decide("39.32.0.1", null, pkCutoff);
        assertThat(List.of(anonymous.getString("outcome"), anonymous.getString("reason"), anonymous.getString("country")))
                .containsExactly("refuse", "anonymous-in-restricted-country", "PK");
        assertThat(decide("39.32.0.1", null, before).getString("reason")).isEqualTo("anonymous-in-restricted-country");
        assertThat(decide("39.32.0.1", null, before).getString("outcome")).isEqualTo("notice");

        JsonPath visitor = decide("39.32.0.1", "bob", pkCutoff);
        assertThat(List.of(visitor.getString("outcome"), visitor.getString("reason"), visitor.getString("datacenter"),
                visitor.getString("home"))).containsExactly("allow", "visitor", "frankfurt", "DE");
        assertThat(decide("39.32.0.1", "bob", before).getString("reason")).isEqualTo("unrestricted");

        Instant ruCutoff = fixture.started().plus(Duration.ofDays(10));
        assertThat(decide("85.214.0.1", "dmitri", ruCutoff.minusMillis(1)).getString("outcome")).isEqualTo("notice");
        assertThat(decide("85.214.0.1", "dmitri", ruCutoff).getString("outcome")).isEqualTo("refuse");
        assertThat(decide("85.214.0.1", "dmitri", ruCutoff.minus(Duration.ofDays(30)).minusMillis(1)).getString("outcome"))
                .isEqualTo("allow");

        assertThat(decide("2.144.0.1", null, null).getString("reason")).isEqualTo("unrestricted");
        JsonPath unknown = decide("192.0.2.1", null, null);
        assertThat(List.of(unknown.getString("outcome"), unknown.getString("reason"))).containsExactly("allow", "unknown-country");
        assertThat(unknown.getString("country")).isNull();
        assertThat(decide("8.8.8.8", "mallory", null).getString("home")).isNull();
    }

    @Test
    void decideAgreesWithTheDataPlane() {
        for (String[] c : List.of(new String[] {"85.214.0.1", "alice"}, new String[] {"39.32.0.1", ""},
                new String[] {"39.32.0.1", "bob"}, new String[] {"85.214.0.1", "dmitri"}, new String[] {"192.0.2.1", ""},
                new String[] {"2.144.0.1", "reza"}, new String[] {"8.8.8.8", "erin"})) {
            JsonPath decided = decide(c[0], c[1].isEmpty() ? null : c[1], null);
            Response live = client(c[0]).header("X-Account-Id", c[1]).get("/");
            if (decided.getString("outcome").equals("refuse")) {
                assertThat(live.statusCode()).as(String.join(" ", c)).isEqualTo(451);
                assertThat(live.jsonPath().getString("reason")).isEqualTo(decided.getString("reason"));
            } else {
                assertThat(live.statusCode()).as(String.join(" ", c)).isEqualTo(200);
                assertThat(live.jsonPath().getString("datacenter")).isEqualTo(decided.getString("datacenter"));
                String header = live.jsonPath().getList("headers.'x-geogate-decision'", String.class).get(0);
                assertThat(header).isEqualTo(decided.getString("reason").equals("visitor") ? "visitor" : decided.getString("outcome"));
            }
        }
    }

    @Test
    void decideRefusesBadParametersByName() {
        admin().queryParam("ip", "999.1.1.1").queryParam("at", "yesterday").get("/admin/decide").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.path", equalTo(List.of("ip", "at")));
        admin().get("/admin/decide").then().statusCode(400).body("errors[0].path", equalTo("ip"));
    }

    @Test
    void decisionsAreCountedByOutcomeReasonAndCountry() {
        client("39.32.0.1").get("/").then().statusCode(451);
        client("39.32.0.1").header("X-Account-Id", "bob").get("/").then().statusCode(200);
        String metrics = given().get("/q/metrics").asString();
        assertThat(metrics)
                .containsPattern("geogate_decisions_total\\{country=\"PK\",outcome=\"refuse\",reason=\"anonymous-in-restricted-country\"} [1-9]")
                .containsPattern("geogate_decisions_total\\{country=\"PK\",outcome=\"allow\",reason=\"visitor\"} [1-9]")
                .contains("geogate_geo_database_age_seconds")
                .containsPattern("geogate_upstream_seconds_count\\{datacenter=\"frankfurt\",outcome=\"2xx\"} [1-9]")
                .containsPattern("geogate_accounts 6.0");
    }

    @Test
    void refusalsAreAuditedOneJsonLineEach() throws Exception {
        client("85.214.0.1").header("X-Account-Id", "alice").get("/audited").then().statusCode(451);
        Eventually.until("alice's refusal audited", () -> audit.lines().stream().anyMatch(l -> l.contains("\"account\":\"alice\"")));
        String line = audit.lines().stream().filter(l -> l.contains("\"account\":\"alice\"")).findFirst().orElseThrow();
        Map<String, Object> fields = new io.vertx.core.json.JsonObject(line).getMap();
        assertThat(fields).containsEntry("event", "refuse").containsEntry("client", "85.214.0.1")
                .containsEntry("country", "DE").containsEntry("home", "PK").containsEntry("restriction", "PK")
                .containsEntry("reason", "home-in-restricted-country")
                .containsEntry("policyVersion", admin().get("/admin/config").jsonPath().getString("version"));
    }

    @Test
    void noticeFiguresCountRequestsAndDistinctAccountsBeforeTheCutoff() {
        for (int i = 0; i < 3; i++) {
            client("85.214.0.1").header("X-Account-Id", "dmitri").get("/").then().statusCode(200);
        }
        JsonPath config = admin().get("/admin/config").jsonPath();
        assertThat(config.getLong("notices.find { it.restriction == 'RU' }.requests")).isGreaterThanOrEqualTo(3);
        assertThat(config.getLong("notices.find { it.restriction == 'RU' }.distinctAccounts")).isEqualTo(1);
        assertThat(given().get("/q/metrics").asString()).contains("geogate_notice_accounts{restriction=\"RU\"} 1.0");
    }
}
