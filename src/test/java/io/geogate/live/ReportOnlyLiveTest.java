package io.geogate.live;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.LogCapture;
import io.geogate.testing.SteppableClock;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Report-only mode at a cutoff: nothing live is cut, and each exchange that would now be refused gets
 * one {@code would-refuse} audit line, however many sweeps find it.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "mode", value = "report-only"), @ResourceArg(name = "isolation", value = "report-only-live")})
class ReportOnlyLiveTest {

    GatewayFixture fixture;

    private LogCapture audit;

    @BeforeEach
    void listen() {
        audit = LogCapture.of("geogate.audit");
    }

    @AfterEach
    void stop() {
        audit.close();
        SteppableClock.reset();
    }

    @Test
    void aCutoffCutsNothingAndAuditsEachWouldRefuseOnce() throws Exception {
        HttpResponse<InputStream> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/sse"))
                        .header("X-Forwarded-For", "85.214.0.1").header("X-Account-Id", "dmitri").build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        AtomicInteger events = new AtomicInteger();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data:")) {
                        events.incrementAndGet();
                    }
                }
            } catch (Exception ended) {
                // closed by the test
            }
        });
        reader.setDaemon(true);
        reader.start();
        SteppableClock.step(Duration.ofDays(10).plusMinutes(1));
        Thread.sleep(1500);
        // A second sweep: a policy change (RU's reason added) finds the same exchange again.
        String policy = Files.readString(fixture.policyFile()).replace("blocked-by: https://example.com/legal/ru",
                "blocked-by: https://example.com/legal/ru\n    reason: withdrawn");
        io.geogate.testing.Admin.putPolicy(policy).statusCode(200);
        int before = events.get();
        Thread.sleep(1000);
        assertThat(events.get()).as("the stream still flows").isGreaterThan(before);
        assertThat(reader.isAlive()).isTrue();
        List<String> dmitri = audit.lines().stream().filter(l -> l.contains("\"account\":\"dmitri\"")).toList();
        assertThat(dmitri).hasSize(1);
        assertThat(dmitri.get(0)).contains("\"event\":\"would-refuse\"").contains("\"reason\":\"home-in-restricted-country\"");
        response.body().close();
    }
}
