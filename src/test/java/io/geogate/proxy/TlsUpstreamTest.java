package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** An https datacenter whose certificate geogate is told to trust (geogate.upstream.trust-certificates). */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "tls", value = "trusted"))
class TlsUpstreamTest {

    GatewayFixture fixture;

    @Test
    void requestsReachAnHttpsDatacenterVerifiedAgainstTheConfiguredCertificate() {
        JsonPath seen = given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "39.32.0.1").header("X-Account-Id", "bob").get("/over-tls")
                .then().statusCode(200).extract().jsonPath();
        assertThat(seen.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(seen.getString("host")).as("a TLS upstream is addressed by its own name").startsWith("localhost:");
        assertThat(seen.getList("headers.'x-geogate-decision'")).containsExactly("visitor");
    }
}
