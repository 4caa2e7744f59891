package io.geogate.token;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.RawHttp;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request that presents a bearer credential is judged by it alone: two of them, or a malformed one,
 * make no account, and never fall back to the account header. Bad tokens in bulk are answered.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "jwt", value = "rsa"), @ResourceArg(name = "isolation", value = "bearer-hardening")})
class BearerHardeningTest {

    GatewayFixture fixture;

    private String exchange(String authorization) throws Exception {
        return RawHttp.exchange("127.0.0.1", fixture.dataPort(), "GET / HTTP/1.1\r\nHost: x\r\n"
                + "X-Forwarded-For: 85.214.0.1\r\nX-Account-Id: alice\r\n" + authorization + "Connection: close\r\n\r\n");
    }

    @Test
    void twoBearerCredentialsAreNoAccountNotTheHeadersAccount() throws Exception {
        String bob = fixture.token("bob", "DE");
        for (String authorization : List.of(
                "Authorization: Bearer " + bob + "\r\nAuthorization: Bearer " + bob + "\r\n",
                "Authorization: Bearer " + bob + "\r\nAuthorization: Basic Ym9iOmJvYg==\r\n",
                "Authorization: Bearer " + bob + ", Bearer " + bob + "\r\n",
                "Authorization: Bearer \r\n",
                "Authorization: bearer\r\n")) {
            String answer = exchange(authorization);
            assertThat(answer).as(authorization).startsWith("HTTP/1.1 200");
            assertThat(RawHttp.body(answer)).as(authorization).contains("\"x-geogate-decision\":[\"allow\"]")
                    .doesNotContain("x-account-home");
        }
        // One valid token names its account; with no token at all, the trusted header's account decides.
        assertThat(exchange("Authorization: Bearer " + bob + "\r\n")).contains("\"x-account-home\":[\"DE\"]");
        assertThat(exchange("")).startsWith("HTTP/1.1 451");
    }

    @Test
    void aFloodOfBadTokensIsAnsweredAndTheirReplaysToo() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String valid = fixture.token("bob", "DE");
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String token = i % 10 == 0 ? valid : valid.substring(0, valid.length() - 6) + String.format("%06d", i);
            for (int replay = 0; replay < 2; replay++) {
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/"))
                        .header("X-Forwarded-For", "85.214.0.1").header("Authorization", "Bearer " + token)
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()));
            }
        }
        int homed = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            if (r.body().contains("\"x-account-home\":[\"DE\"]")) {
                homed++;
            }
        }
        assertThat(homed).as("only the valid tokens name an account").isEqualTo(60);
    }
}
