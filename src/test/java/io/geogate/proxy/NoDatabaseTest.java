package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Without a usable database geogate never guesses: 503 on the data plane, readiness DOWN. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "geo", value = "missing"))
class NoDatabaseTest {

    GatewayFixture fixture;

    @Test
    void dataPlaneAnswers503ProblemJsonForEveryRequest() {
        for (String account : new String[] {"bob", "alice", ""}) {
            given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                    .header("X-Forwarded-For", "85.214.0.1").header("X-Account-Id", account)
                    .get("/").then().statusCode(503)
                    .contentType("application/problem+json")
                    .header("Cache-Control", "no-store")
                    .body("status", equalTo(503))
                    .body("reason", equalTo("geo-database-unavailable"));
        }
    }

    @Test
    void readinessIsDownAndSaysWhy() {
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'geo-database' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'geo-database' }.data.lastRefusedError", containsString("no-such.mmdb"))
                .body("checks.find { it.name == 'policy' }.status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200);
    }
}
