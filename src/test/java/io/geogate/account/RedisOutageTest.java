package io.geogate.account;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RedisServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;


import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Redis stopped or stalled mid-test: cached homes keep serving (even past their TTL), accounts never
 * seen become anonymous, readiness stays UP saying {@code reachable: false}, and all recovers with Redis.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "directory", value = "redis"), @ResourceArg(name = "cache-ttl", value = "1s"),
    @ResourceArg(name = "redis-timeout", value = "250ms"),
    @ResourceArg(name = "isolation", value = "redis-outage")})
class RedisOutageTest {

    GatewayFixture fixture;

    private RequestSpecification from(String ip, String account) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", ip).header("X-Account-Id", account);
    }

    private static Object reachable() {
        return given().get("/q/health/ready").jsonPath().get("checks.find { it.name == 'accounts' }.data.reachable");
    }

    @Test
    void cachedHomesServeThroughAnOutageAndUnseenAccountsBecomeAnonymous() throws Exception {
        RedisServer redis = fixture.redis().orElseThrow();
        from("39.32.0.1", "bob").get("/").then().statusCode(200).body("headers.'x-geogate-decision'[0]", equalTo("visitor"));
        assertThat(reachable()).isEqualTo(true);
        redis.stop();
        try {
            Thread.sleep(1200);
            from("39.32.0.1", "bob").get("/").then().statusCode(200)
                    .body("headers.'x-geogate-decision'[0]", equalTo("visitor"));
            from("39.32.0.1", "alice").get("/").then().statusCode(451).body("reason", equalTo("anonymous-in-restricted-country"));
            from("85.214.0.1", "alice").get("/").then().statusCode(200).body("headers.'x-account-home'", equalTo(null));
            Eventually.until("readiness says unreachable", () -> Boolean.FALSE.equals(reachable()));
            given().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'accounts' }.status", equalTo("UP"));
        } finally {
            redis.startAgain();
            GatewayEnvironment.seedRedis(redis, fixture.accountsFile());
        }
        Eventually.until("readiness says reachable again", () -> Boolean.TRUE.equals(reachable()));
        from("85.214.0.1", "alice").get("/").then().statusCode(451).body("reason", equalTo("home-in-restricted-country"));
    }

    @Test
    void aRedisSlowerThanTheTimeoutIsNotWaitedFor() throws Exception {
        RedisServer redis = fixture.redis().orElseThrow();
        from("39.32.0.1", "bob").get("/").then().statusCode(200);
        // Redis answers OK once every client is paused: the stall is in force before the request is sent.
        assertThat(redis.command("CLIENT", "PAUSE", "3000", "ALL")).isEqualTo("OK");
        long start = System.nanoTime();
        from("8.8.8.8", "erin").get("/").then().statusCode(200).body("headers.'x-account-home'", equalTo(null));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(redis.command("PING")).as("answered once the pause is over").isEqualTo("PONG");
        assertThat(tookMillis).as("answered at the 250 ms Redis timeout, not after Redis's 3 s stall").isLessThan(2500);
        from("8.8.8.8", "erin").get("/").then().statusCode(200).body("headers.'x-account-home'[0]", equalTo("US"));
    }
}
