package io.geogate.testing;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

import static io.restassured.RestAssured.given;

/** Calls to the admin API of the application under test, with the environment's token. */
public final class Admin {

    private Admin() {
    }

    /** A request with the admin token, able to send YAML bodies. */
    public static RequestSpecification admin() {
        return given().config(RestAssured.config().encoderConfig(EncoderConfig.encoderConfig()
                        .encodeContentTypeAs("application/yaml", ContentType.TEXT)))
                .header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN);
    }

    /** {@code PUT /admin/policy} with {@code policy}; the caller checks the answer. */
    public static ValidatableResponse putPolicy(String policy) {
        return admin().contentType("application/yaml").body(policy).put("/admin/policy").then();
    }
}
