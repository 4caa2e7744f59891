package io.geogate.account;

import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
import io.geogate.testing.Tokens;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * What a client sees must not depend on where homes come from: these tests run once with the file
 * directory ({@link FileHomesTest}) and once with Redis ({@link RedisHomesTest}), tokens enabled in both.
 * Accounts: alice PK, bob DE; PK is restricted since yesterday, with anonymous requests refused.
 */
abstract class HomeSourceContract {

    GatewayFixture fixture;

    private RequestSpecification from(String ip) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", ip);
    }

    private static String forged(String sub, String home) {
        return Tokens.sign(Tokens.claims(sub, home), Tokens.rsa(2048).getPrivate(), null);
    }

    @Test
    void aValidTokenHomedInTheRestrictedCountryIsRefusedFromAnywhere() throws Exception {
        from("85.214.0.1").header("Authorization", "Bearer " + fixture.token("tom", "PK")).get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country")).body("country", equalTo("PK"));
        String raw = RawHttp.exchange("127.0.0.2", fixture.dataPort(), "GET / HTTP/1.1\r\nHost: g\r\nAuthorization: Bearer "
                + fixture.token("tom", "PK") + "\r\nConnection: close\r\n\r\n");
        assertThat(raw).as("tokens are honoured from any peer").startsWith("HTTP/1.1 451");
    }

    @Test
    void aForgedOrExpiredTokenFromInsideIsRefusedLikeAnAnonymousRequest() {
        JwtClaims expired = Tokens.claims("bob", "DE");
        expired.setIssuedAt(NumericDate.fromSeconds(Instant.now().getEpochSecond() - 3600));
        expired.setExpirationTime(NumericDate.fromSeconds(Instant.now().getEpochSecond() - 600));
        String expiredToken;
        try {
            expiredToken = Tokens.sign(expired, Tokens.readPrivate(fixture.tokenSigningKey(), "RSA"), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (String token : new String[] {forged("bob", "DE"), expiredToken, Tokens.unsigned(Tokens.claims("bob", "DE")), "garbage"}) {
            from("39.32.0.1").header("Authorization", "Bearer " + token).get("/").then().statusCode(451)
                    .body("reason", equalTo("anonymous-in-restricted-country"));
        }
    }

    @Test
    void anInvalidTokenNeverFallsBackToTheAccountHeader() {
        from("39.32.0.1").header("Authorization", "Bearer " + forged("bob", "DE")).header("X-Account-Id", "bob")
                .get("/").then().statusCode(451).body("reason", equalTo("anonymous-in-restricted-country"));
    }

    @Test
    void aTokenWithoutAHomeClaimTakesItsHomeFromTheDirectory() {
        JsonPath visitor = from("39.32.0.1").header("Authorization", "Bearer " + fixture.token("bob", null)).get("/")
                .then().statusCode(200).extract().jsonPath();
        assertThat(visitor.getString("datacenter")).isEqualTo("frankfurt");
        assertThat(visitor.getList("headers.'x-geogate-decision'")).containsExactly("visitor");
        from("85.214.0.1").header("Authorization", "Bearer " + fixture.token("alice", null)).get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country"));
    }

    @Test
    void theHomeClaimWinsOverTheDirectory() {
        from("85.214.0.1").header("Authorization", "Bearer " + fixture.token("bob", "PK")).get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country"));
        from("39.32.0.1").header("Authorization", "Bearer " + fixture.token("alice", "DE")).get("/").then().statusCode(200)
                .body("datacenter", equalTo("frankfurt"));
    }

    @Test
    void headerAccountsTakeTheirHomeFromTheDirectory() {
        from("85.214.0.1").header("X-Account-Id", "alice").get("/").then().statusCode(451)
                .body("reason", equalTo("home-in-restricted-country"));
        from("39.32.0.1").header("X-Account-Id", "bob").get("/").then().statusCode(200).body("datacenter", equalTo("frankfurt"));
        from("39.32.0.1").header("X-Account-Id", "mallory").get("/").then().statusCode(451)
                .body("reason", equalTo("anonymous-in-restricted-country"));
    }

    @Test
    void theTokenReachesTheUpstreamUntouched() {
        String token = fixture.token("bob", null);
        Response r = from("8.8.8.8").header("Authorization", "Bearer " + token).get("/");
        assertThat(r.jsonPath().getList("headers.authorization")).containsExactly("Bearer " + token);
        assertThat(r.jsonPath().getList("headers.'x-account-home'")).containsExactly("DE");
    }
}
