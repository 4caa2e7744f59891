package io.geogate.live;

import io.geogate.account.AccountId;
import io.geogate.address.ClientAddress;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.SteppableClock;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests in flight exactly as a cutoff passes. Each round admits requests of an account homed in the
 * restricted country during its notice, holds their datacenter's answer, steps the wall clock past the
 * cutoff, and has the sweep itself release the datacenter's answers: the gateway's 451 and the upstream's
 * answer then race on every request, every round. Each request must end in exactly one complete answer,
 * the whole 200 or a 451, and none may hang.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "cutoff-race"))
class CutoffRaceTest {

    private static final int ROUNDS = 15;
    private static final int REQUESTS = 6;

    GatewayFixture fixture;

    @Inject
    LiveExchanges exchanges;

    @Inject
    Clock clock;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void realTime() throws Exception {
        SteppableClock.reset();
        upstream("/release-held");
    }

    /** A call straight to the toronto datacenter (the test and its resources may not share static state). */
    private String upstream(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.upstreamPorts().get("toronto") + path))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void everyRequestInFlightAtTheCutoffGetsOneCompleteAnswer() throws Exception {
        int ok = 0;
        int refused = 0;
        for (int round = 0; round < ROUNDS; round++) {
            // An hour ahead: however long holding the requests takes, only the step below reaches the cutoff.
            Instant cutoff = clock.instant().plus(Duration.ofHours(1));
            putPolicy(cutoff);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/held"))
                        .header("X-Forwarded-For", "85.214.0.1").header("X-Account-Id", "dmitri")
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            Eventually.until("all requests wait at the datacenter", () -> heldCount() == REQUESTS);
            AtomicBoolean released = new AtomicBoolean();
            ReleasingExchange releaser = new ReleasingExchange(released, http, fixture.upstreamPorts().get("toronto"));
            exchanges.add(releaser, releaser);
            SteppableClock.step(Duration.ofHours(1).plusSeconds(1));
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get(10, TimeUnit.SECONDS);
                if (r.statusCode() == 200) {
                    assertThat(new JsonObject(r.body()).getString("datacenter")).isEqualTo("toronto");
                    assertThat(r.headers().firstValue("Sunset")).isPresent();
                    ok++;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(451);
                    JsonObject problem = new JsonObject(r.body());
                    assertThat(problem.getString("reason")).isEqualTo("home-in-restricted-country");
                    assertThat(r.headers().firstValue("Sunset")).isEmpty();
                    refused++;
                }
            }
            assertThat(released).as("the sweep reached the exchanges in round " + round).isTrue();
            exchanges.remove(releaser, releaser);
            Eventually.until("every exchange has left the registry", () -> exchanges.size() == 0);
        }
        assertThat(ok + refused).isEqualTo(ROUNDS * REQUESTS);
    }

    private int heldCount() {
        try {
            return Integer.parseInt(upstream("/held-count"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void putPolicy(Instant ruCutoff) {
        Map<String, Integer> ports = fixture.upstreamPorts();
        String policy = """
                datacenters:
                  - {name: karachi, upstream: "http://127.0.0.1:%d", homes: [PK]}
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                restrictions:
                  - {country: RU, cutoff: "%s", notice: P30D}
                """.formatted(ports.get("karachi"), ports.get("toronto"), ruCutoff);
        io.geogate.testing.Admin.putPolicy(policy).statusCode(200);
    }

    /**
     * Registered beside the real exchanges: when the cutoff's sweep reaches it, it lets the datacenter answer
     * (without blocking the sweep), so that the datacenter's answers and the gateway's 451s race.
     */
    private static final class ReleasingExchange implements LiveExchange {
        private final AtomicBoolean released;
        private final HttpClient http;
        private final int port;

        ReleasingExchange(AtomicBoolean released, HttpClient http, int port) {
            this.released = released;
            this.http = http;
            this.port = port;
        }

        @Override
        public ClientAddress client() {
            try {
                InetAddress a = InetAddress.getByName("85.214.0.1");
                return new ClientAddress(a, a, false, false);
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Facts facts() {
            return new Facts(CountryCode.parse("DE"), Optional.of(new Facts.Account(new AccountId("dmitri"),
                    CountryCode.parse("RU").orElseThrow())));
        }

        @Override
        public boolean longLived() {
            return false;
        }

        @Override
        public void refuse(Decision.Refuse refusal) {
            http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/release-held")).build(),
                    HttpResponse.BodyHandlers.discarding());
            released.set(true);
        }

        @Override
        public void goAway() {
        }

        @Override
        public boolean firstWouldRefuse() {
            return false;
        }
    }
}
