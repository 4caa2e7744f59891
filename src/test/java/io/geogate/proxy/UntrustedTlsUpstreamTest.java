package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** An https datacenter with a certificate nobody vouches for is not talked to: 502. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "tls", value = "untrusted"))
class UntrustedTlsUpstreamTest {

    GatewayFixture fixture;

    @Test
    void anUnverifiableCertificateGives502() {
        given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "39.32.0.1").header("X-Account-Id", "bob").get("/over-tls")
                .then().statusCode(502).contentType("application/problem+json").body("datacenter", equalTo("frankfurt"));
    }
}
