package io.geogate.admin;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin API's token holds however a path is spelled: every spelling is sent byte for byte over a
 * raw socket, so no client library tidies it first.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "admin-spelling"))
class AdminPathSpellingTest {

    GatewayFixture fixture;

    private static final String OPEN_POLICY = """
            datacenters:
              - {name: toronto, upstream: "http://127.0.0.1:1", default: true}
            """;

    @ParameterizedTest
    @ValueSource(strings = {
        "/admin/config", "/admin;x/config", "/admin;/config", "/admin/config;x", "/admin/;/config", "/%61dmin/config",
        "/admin%2Fconfig", "/admin%2fconfig", "/%2e/admin/config", "//admin/config", "/admin//config", "/./admin/config",
        "/admin/./config", "/q/../admin/config", "/q/health/../../admin/config", "/q/health/..;/..;/admin/config",
        "/q/metrics/../../admin/config", "/ADMIN/config", "/Admin/Config", "/admin/config/", "/admin/config?x=1",
        "/admin/config#x", "/admin/config%00", "/admin/%63onfig", "/admin/config%20", "/admin\\config",
        "/admin/decide?ip=1.2.3.4", "/admin;a=b/decide?ip=1.2.3.4", "/admin/nonexistent", "/admin", "/admin/",
        "http://127.0.0.1/admin/config", "/q/health/ready/../../../admin/config", "/q/health%2F..%2F..%2Fadmin/config",
        "/q/dev-ui", "/", "*"
    })
    void everySpellingOfAnAdminReadNeedsTheToken(String target) throws Exception {
        String answer = RawHttp.exchange("127.0.0.1", RestAssured.port,
                "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        // 404 only where the server refuses the request target before any route (e.g. "*").
        assertThat(status(answer)).as(target + " answered:\n" + answer).isIn(400, 401, 404);
        assertThat(answer).doesNotContain("\"version\"").doesNotContain("\"outcome\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/admin/policy", "/admin;/policy", "/admin;x/policy", "/admin/policy;x", "/%61dmin/policy",
        "//admin/policy", "/admin//policy", "/./admin/policy", "/q/../admin/policy", "/admin/policy/", "/ADMIN/policy",
        "/admin%2Fpolicy", "/q/health/..;/..;/admin/policy"})
    void noSpellingOfAPolicyWriteChangesThePolicyWithoutTheToken(String target) throws Exception {
        String before = Files.readString(fixture.policyFile());
        String answer = RawHttp.exchange("127.0.0.1", RestAssured.port, "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/yaml\r\nContent-Length: " + OPEN_POLICY.length() + "\r\nConnection: close\r\n\r\n"
                + OPEN_POLICY);
        assertThat(status(answer)).as(target + " answered:\n" + answer).isIn(400, 401);
        assertThat(Files.readString(fixture.policyFile())).isEqualTo(before);
        given().header("X-Forwarded-For", "39.32.0.1").baseUri("http://127.0.0.1").port(fixture.dataPort())
                .get("/still-refused").then().statusCode(451);
    }

    @Test
    void aWrongOrDoubledTokenIsRefusedEverywhere() throws Exception {
        for (String auth : new String[] {"Bearer wrong", "Basic " + GatewayEnvironment.ADMIN_TOKEN, "Bearer",
            "Bearer  ", GatewayEnvironment.ADMIN_TOKEN}) {
            given().header("Authorization", auth).get("/admin/config").then().statusCode(401);
        }
        String doubled = RawHttp.exchange("127.0.0.1", RestAssured.port, "GET /admin/config HTTP/1.1\r\nHost: x\r\n"
                + "Authorization: Bearer wrong\r\nAuthorization: Bearer " + GatewayEnvironment.ADMIN_TOKEN
                + "\r\nConnection: close\r\n\r\n");
        assertThat(status(doubled)).isEqualTo(401);
    }

    @Test
    void theTokenAdmitsAndHealthAndMetricsNeedNone() {
        given().header("Authorization", "bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/started").then().statusCode(200);
        given().get("/q/health").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    private static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ")) {
            return -1;
        }
        return Integer.parseInt(response.substring(9, 12));
    }
}
