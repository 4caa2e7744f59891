package io.geogate.token;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.Tokens;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.util.function.IntSupplier;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

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

    private static void replace(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".new");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void eventually(String what, IntSupplier status, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (status.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                fail("not within 10 s: " + what);
            }
            Thread.sleep(100);
        }
    }

    @Test
    void rotatedKeysTakeOverAndAWeakKeyIsRefused() throws Exception {
        String original = Files.readString(fixture.tokenPublicKey());
        String oldToken = fixture.token("bob", "DE");
        assertThat(visitFromPakistan(oldToken)).isEqualTo(200);
        try {
            replace(fixture.tokenPublicKey(), Tokens.pem(Tokens.rsa(1024).getPublic()));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (refusedKeyError() == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(refusedKeyError()).contains("1024");
            assertThat(visitFromPakistan(oldToken)).as("a weak key is refused; the old one stays").isEqualTo(200);

            KeyPair next = Tokens.rsa(2048);
            replace(fixture.tokenPublicKey(), Tokens.pem(next.getPublic()));
            eventually("old-key tokens refused after rotation", () -> visitFromPakistan(oldToken), 451);
            assertThat(visitFromPakistan(Tokens.sign(Tokens.claims("bob", "DE"), next.getPrivate(), null))).isEqualTo(200);
        } finally {
            replace(fixture.tokenPublicKey(), original);
            eventually("original key back", () -> visitFromPakistan(oldToken), 200);
        }
    }
}
