package io.geogate.proxy;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code mode: report-only} lets refusals through to the datacenter, marked {@code would-refuse}. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "mode", value = "report-only"), @ResourceArg(name = "unknown-country", value = "refuse")})
class ReportOnlyTest {

    GatewayFixture fixture;

    private JsonPath through(String clientIp, String account) {
        Response r = given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", clientIp).header("X-Account-Id", account).get("/");
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
        return r.jsonPath();
    }

    @Test
    void wouldBeRefusedRequestsReachTheirDatacenterMarked() {
        JsonPath home = through("85.214.0.1", "alice");
        assertThat(home.getString("datacenter")).isEqualTo("karachi");
        assertThat(home.getList("headers.'x-geogate-decision'")).containsExactly("would-refuse");
        JsonPath anonymous = through("39.32.0.1", "");
        assertThat(anonymous.getString("datacenter")).isEqualTo("toronto");
        assertThat(anonymous.getList("headers.'x-geogate-decision'")).containsExactly("would-refuse");
        JsonPath unknown = through("192.0.2.1", "");
        assertThat(unknown.getList("headers.'x-geogate-decision'")).containsExactly("would-refuse");
    }

    @Test
    void allowedRequestsAreUnchanged() {
        JsonPath visitor = through("39.32.0.1", "bob");
        assertThat(visitor.getList("headers.'x-geogate-decision'")).containsExactly("visitor");
    }
}
