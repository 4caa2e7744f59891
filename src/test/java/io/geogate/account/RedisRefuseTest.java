package io.geogate.account;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RedisServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** {@code geogate.accounts.unavailable=refuse}: an account that cannot be resolved gets 503, never a guess. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "directory", value = "redis"), @ResourceArg(name = "unavailable", value = "refuse"),
    @ResourceArg(name = "isolation", value = "redis-refuse")})
class RedisRefuseTest {

    GatewayFixture fixture;

    private RequestSpecification from(String ip) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", ip);
    }

    @Test
    void anUnresolvableAccountIs503WhileRequestsWithoutOneAreStillDecided() throws Exception {
        RedisServer redis = fixture.redis().orElseThrow();
        from("85.214.0.1").header("X-Account-Id", "bob").get("/").then().statusCode(200);
        redis.stop();
        try {
            from("85.214.0.1").header("X-Account-Id", "alice").get("/").then().statusCode(503)
                    .contentType("application/problem+json").body("reason", equalTo("account-directory-unavailable"));
            from("85.214.0.1").header("X-Account-Id", "bob").get("/").then().statusCode(200);
            from("39.32.0.1").get("/").then().statusCode(451).body("reason", equalTo("anonymous-in-restricted-country"));
            from("85.214.0.1").get("/").then().statusCode(200);
        } finally {
            redis.startAgain();
            GatewayEnvironment.seedRedis(redis, fixture.accountsFile());
        }
    }
}
