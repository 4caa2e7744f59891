package io.geogate.geo;

import io.geogate.testing.Eventually;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static io.geogate.geo.GeoRewrittenInPlaceTest.country;
import static io.geogate.geo.GeoRewrittenInPlaceTest.from;
import static io.geogate.geo.GeoRewrittenInPlaceTest.refusedReloads;
import static io.geogate.geo.GeoRewrittenInPlaceTest.rewriteInPlace;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same in-place rewrite with {@code geogate.geo.file-mode=mapped}, which is only safe with
 * replacement by rename: while the file is broken, requests get a prompt 503 problem+json (never a
 * hang), and service comes back without a restart once a valid file is there again.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = {
    @ResourceArg(name = "isolation", value = "geo-in-place-mapped"), @ResourceArg(name = "geo-file-mode", value = "mapped")})
class GeoRewrittenInPlaceMappedTest {

    GatewayFixture fixture;

    private void unavailable(String clientIp) throws Exception {
        HttpResponse<String> r = from(fixture, clientIp);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(new JsonObject(r.body()).getString("reason")).isEqualTo("geo-database-unavailable");
    }

    @Test
    void mappedRequestsInTheBrokenWindowGet503AndServiceRecoversWithoutARestart() throws Exception {
        Path db = fixture.geoDatabase();
        byte[] original = Files.readAllBytes(db);
        double refusedBefore = refusedReloads();
        try {
            assertThat(country(from(fixture, "85.214.0.1"))).isEqualTo("DE");

            rewriteInPlace(db, new byte[0]);
            unavailable("85.214.0.1");
            unavailable("39.32.0.1");

            byte[] garbage = new byte[original.length / 2];
            new Random(13).nextBytes(garbage);
            rewriteInPlace(db, garbage);
            unavailable("85.214.0.1");
            Eventually.until("the broken file refused", () -> refusedReloads() >= refusedBefore + 1);
            unavailable("85.214.0.1");

            rewriteInPlace(db, original);
            Eventually.until("service back from the valid file", () -> {
                try {
                    return from(fixture, "85.214.0.1").statusCode() == 200;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(country(from(fixture, "85.214.0.1"))).isEqualTo("DE");
            assertThat(from(fixture, "39.32.0.1").statusCode()).isEqualTo(451);
        } finally {
            rewriteInPlace(db, original);
        }
    }
}
