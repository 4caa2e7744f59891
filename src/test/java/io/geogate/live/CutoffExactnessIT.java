package io.geogate.live;

import io.geogate.testing.MmdbWriter;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.TestFiles;
import io.geogate.testing.TestUpstream;
import io.vertx.core.Vertx;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How exactly the packaged gateway holds a cutoff: a client polls every 5 ms, as an account homed in the
 * restricted country, across the instant, while 20 event streams of that account are open. It measures
 * how far after the cutoff the first refusal lands (refusals must never come before it) and how long after
 * it the last stream is cut (the contract allows a second), and writes both to
 * {@code target/cutoff-exactness.txt}. {@code -Dcutoff.rounds=N} repeats it (default 1).
 */
class CutoffExactnessIT {

    private static final Logger LOG = Logger.getLogger(CutoffExactnessIT.class);
    private static final int STREAMS = 20;

    @TempDir
    Path dir;

    @Test
    void theFirstRefusalLandsAtTheCutoffAndEveryStreamIsCutWithinASecond() throws Exception {
        int rounds = Integer.getInteger("cutoff.rounds", 1);
        Vertx vertx = Vertx.vertx();
        TestUpstream toronto = TestUpstream.start(vertx, "toronto");
        TestFiles.replace(dir.resolve("country.mmdb"), MmdbWriter.geoip2Country().country("85.214.0.0/16", "DE").build());
        Files.writeString(dir.resolve("accounts.csv"), "account,home\ndmitri,RU\n");
        Files.writeString(dir.resolve("token"), "exactness");
        int data = Ports.free();
        int control = Ports.free();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<String> report = new ArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                writePolicy(toronto.port(), Instant.now().plus(Duration.ofDays(1)));
                try (PackagedGateway gateway = PackagedGateway.start(dir, List.of("geogate.listen.port=" + data,
                        "quarkus.http.port=" + control, "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                        "geogate.accounts.file=accounts.csv", "geogate.admin.token-file=token", "geogate.shutdown.drain-delay=0s"))) {
                    gateway.awaitReady(control);
                    // The streams are opened under the day-ahead policy: however long opening them takes, none
                    // meets the cutoff. Then the cutoff is set. Whole milliseconds: the
                    // client's clock reads milliseconds, so a sub-millisecond cutoff would make a request sent in
                    // the cutoff's own millisecond, before the instant, look as if it were sent after it.
                    List<java.util.concurrent.atomic.AtomicLong> cuts = new ArrayList<>();
                    for (int i = 0; i < STREAMS; i++) {
                        cuts.add(openStream(http, data));
                    }
                    Instant cutoff = Instant.now().plusSeconds(4).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
                    writePolicy(toronto.port(), cutoff);
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/admin/reload"))
                            .header("Authorization", "Bearer exactness").POST(HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.discarding());
                    long firstRefusalSentAt = -1;
                    long lastAllowSentAt = -1;
                    long cutoffMillis = cutoff.toEpochMilli();
                    while (System.currentTimeMillis() < cutoffMillis + 1500) {
                        long sent = System.currentTimeMillis();
                        HttpResponse<Void> r = http.send(request(data, "/poll").build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() == 451 && firstRefusalSentAt < 0) {
                            firstRefusalSentAt = sent;
                        } else if (r.statusCode() == 200) {
                            lastAllowSentAt = sent;
                        }
                        Thread.sleep(5);
                    }
                    Thread.sleep(500);
                    long lastCut = cuts.stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).max().orElseThrow();
                    assertThat(cuts).as("every stream was cut").allMatch(c -> c.get() > 0);
                    // Sent before the cutoff but answered after it may still be allowed; never the reverse.
                    assertThat(lastAllowSentAt).as("no request sent after the cutoff was allowed").isLessThan(cutoffMillis);
                    assertThat(firstRefusalSentAt).as("refusals began").isPositive();
                    report.add(String.format("round %d: first refusal %+d ms after the cutoff (request sent then), last allow sent "
                            + "%d ms before it; %d streams, the last cut %d ms after the cutoff", round,
                            firstRefusalSentAt - cutoffMillis, cutoffMillis - lastAllowSentAt, STREAMS, lastCut - cutoffMillis));
                    assertThat(lastCut - cutoffMillis).as("the last stream was cut within a second").isLessThanOrEqualTo(1000);
                }
            }
        } finally {
            toronto.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Files.writeString(Path.of("target/cutoff-exactness.txt"), String.join("\n", report) + "\n");
            report.forEach(LOG::info);
        }
    }

    private void writePolicy(int upstream, Instant cutoff) throws java.io.IOException {
        Files.writeString(dir.resolve("policy.tmp"), """
                datacenters:
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                restrictions:
                  - {country: RU, cutoff: "%s", notice: P1D}
                """.formatted(upstream, cutoff));
        Files.move(dir.resolve("policy.tmp"), dir.resolve("policy.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static HttpRequest.Builder request(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Forwarded-For", "85.214.0.1")
                .header("X-Account-Id", "dmitri").timeout(Duration.ofSeconds(10));
    }

    /** Opens an event stream; the returned cell gets the wall-clock millis at which the stream ended. */
    private static java.util.concurrent.atomic.AtomicLong openStream(HttpClient http, int port) throws Exception {
        java.util.concurrent.atomic.AtomicLong endedAt = new java.util.concurrent.atomic.AtomicLong();
        HttpResponse<InputStream> r = http.send(request(port, "/sse").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        CompletableFuture.runAsync(() -> {
            try (InputStream in = r.body()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (Exception reset) {
                // a reset ends the stream as surely as a clean end
            }
            endedAt.set(System.currentTimeMillis());
        });
        return endedAt;
    }
}
