package io.geogate.account;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

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

    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
            if (record.getParameters() != null) {
                for (Object p : record.getParameters()) {
                    line.append(' ').append(p);
                }
            }
            for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
                line.append(' ').append(t);
            }
            log.add(line.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        Logger.getLogger("").removeHandler(capture);
    }

    private String everyOutput() {
        return given().get("/q/health/ready").asString()
                + given().get("/q/health").asString()
                + given().get("/q/metrics").asString()
                + given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config").asString()
                + given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).post("/admin/reload").asString()
                + String.join("\n", log);
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
