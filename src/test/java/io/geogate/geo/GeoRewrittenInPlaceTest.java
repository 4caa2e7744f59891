package io.geogate.geo;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.MmdbWriter;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The database file rewritten in place ({@code cp new.mmdb geo.mmdb}: truncated, then written, same
 * inode) under the running gateway, held {@code memory} (the default): every request keeps its answer,
 * the watcher refuses the broken files and takes the valid one.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "isolation", value = "geo-in-place-memory"), @ResourceArg(name = "geo-file-mode", value = "memory")})
class GeoRewrittenInPlaceTest {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Pattern REFUSED = Pattern.compile(
            "geogate_reloads_total\\{component=\"geo-database\",result=\"refused\"} ([0-9.]+)");

    GatewayFixture fixture;

    /** A data-plane request from {@code clientIp}, bounded in time: a hang fails the test. */
    static HttpResponse<String> from(GatewayFixture fixture, String clientIp) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/inbox"))
                .header("X-Forwarded-For", clientIp).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The country the datacenter was told, for a proxied answer. */
    static String country(HttpResponse<String> r) {
        JsonArray values = new JsonObject(r.body()).getJsonObject("headers").getJsonArray("x-geo-country");
        return values == null ? null : values.getString(0);
    }

    /** Truncates {@code file} and writes {@code content} into the same inode, as cp does. */
    static void rewriteInPlace(Path file, byte[] content) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.wrap(content));
        }
    }

    static double refusedReloads() {
        Matcher m = REFUSED.matcher(given().get("/q/metrics").asString());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static JsonObject geoCheck() {
        JsonArray checks = new JsonObject(given().get("/q/health/ready").asString()).getJsonArray("checks");
        for (int i = 0; i < checks.size(); i++) {
            if ("geo-database".equals(checks.getJsonObject(i).getString("name"))) {
                return checks.getJsonObject(i);
            }
        }
        throw new AssertionError("no geo-database check in " + checks);
    }

    private void answersAsBefore() throws Exception {
        assertThat(from(fixture, "39.32.0.1").statusCode()).isEqualTo(451);
        HttpResponse<String> de = from(fixture, "85.214.0.1");
        assertThat(de.statusCode()).isEqualTo(200);
        assertThat(country(de)).isEqualTo("DE");
    }

    @Test
    void inMemoryEveryRequestKeepsItsAnswerAndTheWatcherRefusesTheBrokenFilesThenTakesTheValidOne() throws Exception {
        Path db = fixture.geoDatabase();
        byte[] original = Files.readAllBytes(db);
        double refusedBefore = refusedReloads();
        try {
            answersAsBefore();

            rewriteInPlace(db, new byte[0]);
            Eventually.until("the truncated file refused", () -> refusedReloads() >= refusedBefore + 1);
            answersAsBefore();

            byte[] garbage = new byte[original.length / 2];
            new Random(11).nextBytes(garbage);
            rewriteInPlace(db, garbage);
            Eventually.until("the garbage refused", () -> refusedReloads() >= refusedBefore + 2);
            answersAsBefore();
            JsonObject check = geoCheck();
            assertThat(check.getString("status")).isEqualTo("UP");
            assertThat(check.getJsonObject("data").getString("lastRefusedError")).contains(db.toString());

            rewriteInPlace(db, MmdbWriter.geoip2Country().country("39.32.0.0/11", "DE").country("85.214.0.0/16", "DE").build());
            Eventually.until("the valid file in force", () -> {
                try {
                    return from(fixture, "39.32.0.1").statusCode() == 200;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(country(from(fixture, "39.32.0.1"))).isEqualTo("DE");
            assertThat(geoCheck().getJsonObject("data").getString("lastRefusedError")).isNull();
        } finally {
            rewriteInPlace(db, original);
            Eventually.until("the original database back", () -> {
                try {
                    return from(fixture, "39.32.0.1").statusCode() == 451;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }
}
