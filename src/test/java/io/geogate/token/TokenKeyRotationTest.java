package io.geogate.token;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.TestFiles;
import io.geogate.testing.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.security.KeyPair;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The key file is re-read when it changes: rotated keys take over, a weak key is refused and the old one stays. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "jwt", value = "rsa"), @ResourceArg(name = "isolation", value = "rotation")})
class TokenKeyRotationTest {

    GatewayFixture fixture;

    private int visitFromPakistan(String token) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "39.32.0.1")
                .header("Authorization", "Bearer " + token).get("/").statusCode();
    }

    private static String refusedKeyError() {
        return given().header("Authorization", "Bearer " + GatewayEnvironment.ADMIN_TOKEN).get("/admin/config")
                .jsonPath().getString("lastRefused.'jwt-keys'.error");
    }

    @Test
    void rotatedKeysTakeOverAndAWeakKeyIsRefused() throws Exception {
        String original = Files.readString(fixture.tokenPublicKey());
        String oldToken = fixture.token("bob", "DE");
        assertThat(visitFromPakistan(oldToken)).isEqualTo(200);
        try {
            TestFiles.replace(fixture.tokenPublicKey(), Tokens.pem(Tokens.rsa(1024).getPublic()).getBytes());
            Eventually.until("weak key refused", () -> refusedKeyError() != null);
            assertThat(refusedKeyError()).contains("1024");
            assertThat(visitFromPakistan(oldToken)).as("a weak key is refused; the old one stays").isEqualTo(200);

            KeyPair next = Tokens.rsa(2048);
            TestFiles.replace(fixture.tokenPublicKey(), Tokens.pem(next.getPublic()).getBytes());
            Eventually.until("old-key tokens refused after rotation", () -> visitFromPakistan(oldToken) == 451);
            assertThat(visitFromPakistan(Tokens.sign(Tokens.claims("bob", "DE"), next.getPrivate(), null))).isEqualTo(200);
        } finally {
            TestFiles.replace(fixture.tokenPublicKey(), original.getBytes());
            Eventually.until("original key back", () -> visitFromPakistan(oldToken) == 200);
        }
    }
}
