package io.geogate.account;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.LogCapture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis password in {@code geogate.accounts.redis.url} appears in no output: not in health, the
 * admin API, metrics or the log, whether Redis is up, down or back.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "directory", value = "redis"), @ResourceArg(name = "redis-password", value = RedisSecretTest.SECRET),
    @ResourceArg(name = "isolation", value = "redis-secret")})
class RedisSecretTest {

    static final String SECRET = "Zq7-redis-password-Xw9";

    GatewayFixture fixture;

    private LogCapture log;

    @BeforeEach
    void listen() {
        log = LogCapture.of("");
    }

    @AfterEach
    void stopListening() {
        log.close();
    }

    private String everyOutput() {
        return given().get("/q/health/ready").asString()
                + given().get("/q/health").asString()
                + given().get("/q/metrics").asString()
                + given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").asString()
                + given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).post("/admin/reload").asString()
                + String.join("\n", log.lines());
    }

    @Test
    void thePasswordIsInNoOutputThroughAnOutage() throws Exception {
        given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "85.214.0.1")
                .header("X-Account-Id", "alice").get("/").then().statusCode(451);
        assertThat(given().get("/q/health/ready").asString()).contains("redis://:***@127.0.0.1");
        var redis = fixture.redis().orElseThrow();
        redis.stop();
        try {
            given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "85.214.0.1")
                    .header("X-Account-Id", "nobody-cached").get("/").then().statusCode(200);
            Eventually.until("readiness says unreachable", () -> given().get("/q/health/ready").asString().contains("\"reachable\": false")
                    || given().get("/q/health/ready").asString().contains("\"reachable\":false"));
        } finally {
            redis.startAgain();
            GatewayEnvironment.seedRedis(redis, fixture.accountsFile());
        }
        String outputs = everyOutput();
        assertThat(outputs).isNotBlank().doesNotContain(SECRET);
    }
}
