package io.geogate.admin;

import io.geogate.testing.GatewayEnvironment;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;

/** With no admin token configured, the admin API is closed to everyone. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "admin-token", value = "none"))
class NoAdminTokenTest {

    @Test
    void everyAdminCallIs401() {
        for (String token : new String[] {"", "test-admin-token", "null"}) {
            given().header("Authorization", "Bearer " + token).get("/admin/config").then().statusCode(401);
            given().header("Authorization", "Bearer " + token).post("/admin/reload").then().statusCode(401);
        }
        given().get("/q/health/ready").then().statusCode(200);
    }
}
