package io.geogate.proxy;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Renaming or re-pointing datacenters closes the old connection pools: policies can change forever without a leak. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "retire"))
class UpstreamRetireTest {

    GatewayFixture fixture;

    private String original;

    @AfterEach
    void restore() {
        if (original != null) {
            put(original);
        }
    }

    private static void put(String policy) {
        io.geogate.testing.Admin.putPolicy(policy).statusCode(200);
    }

    private static double clients() {
        String metrics = given().get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("geogate_upstream_clients ")).mapToDouble(l -> Double.parseDouble(l.split(" ")[1]))
                .findFirst().orElseThrow();
    }

    @Test
    void renamedDatacentersLeaveNoPoolBehind() throws Exception {
        original = Files.readString(fixture.policyFile());
        int toronto = fixture.upstreamPorts().get("toronto");
        for (int i = 0; i < 12; i++) {
            put("""
                    datacenters:
                      - {name: toronto-%d, upstream: "http://127.0.0.1:%d", default: true}
                    """.formatted(i, toronto));
            given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "85.214.0.1")
                    .get("/").then().statusCode(200).body("datacenter", org.hamcrest.Matchers.equalTo("toronto"));
        }
        Eventually.until("pools of renamed datacenters are closed", () -> clients() <= 1.0);
        assertThat(clients()).isEqualTo(1.0);
    }
}
