package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** {@code unknown-country: refuse}, on a database in the flat {@code country_code} schema. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "unknown-country", value = "refuse"), @ResourceArg(name = "schema", value = "flat")})
class UnknownCountryRefusedTest {

    GatewayFixture fixture;

    @Test
    void anonymousWithNoCountryIsRefusedWithoutARestrictionBehindIt() {
        Response r = given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "192.0.2.1").get("/");
        assertThat(r.statusCode()).isEqualTo(451);
        assertThat(r.header("Link")).isNull();
        assertThat(r.jsonPath().getString("reason")).isEqualTo("unknown-country");
        assertThat(r.jsonPath().getString("country")).isNull();
        assertThat(r.jsonPath().getString("cutoff")).isNull();
        assertThat(r.asString()).contains("\"country\":null").contains("\"cutoff\":null");
    }

    @Test
    void aWalkStoppedByAMalformedEntrySaysSoInTheRefusal() {
        // Right to left: 127.0.0.1 is a trusted hop, then the bad entry stops the walk; the nearest address to
        // its right (127.0.0.1, no country) is the client, and 39.32.0.1 is never believed.
        Response r = given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "39.32.0.1, not-an-address, 127.0.0.1").get("/");
        assertThat(r.statusCode()).isEqualTo(451);
        assertThat(r.jsonPath().getString("reason")).isEqualTo("unknown-country");
        assertThat(r.jsonPath().getString("address")).isEqualTo("malformed-forwarded");
    }

    @Test
    void anAccountsHomeDecidesForItWhereverItConnectsFrom() {
        given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "192.0.2.1").header("X-Account-Id", "bob").get("/")
                .then().statusCode(200).body("datacenter", equalTo("frankfurt"));
    }

    @Test
    void flatSchemaCountriesDecideLikeGeoip2Ones() {
        given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", "39.32.0.1").header("X-Account-Id", "bob").get("/")
                .then().statusCode(200).body("headers.'x-geogate-decision'[0]", equalTo("visitor"))
                .body("headers.'x-geo-country'[0]", equalTo("PK"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'geo-database' }.data.type", equalTo("ip-location-db country"));
    }
}
