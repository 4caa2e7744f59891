package io.geogate.snapshot;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** A snapshot is published whole: a listener that throws cannot undo it, stop the others, or fail the call. */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "publish"))
class PublishTest {

    GatewayFixture fixture;

    @Inject
    SnapshotManager snapshots;

    @Test
    void aThrowingListenerLeavesThePolicyWholeAndInForce() throws Exception {
        AtomicInteger after = new AtomicInteger();
        snapshots.onPublish((before, next) -> {
            throw new IllegalStateException("a broken listener");
        });
        snapshots.onPublish((before, next) -> after.incrementAndGet());
        String policy = Files.readString(fixture.policyFile()).replace("unknown-country: allow", "unknown-country: refuse");
        String version = io.geogate.testing.Admin.putPolicy(policy).statusCode(200).extract().path("version");
        assertThat(snapshots.current().policy().version()).isEqualTo(version);
        assertThat(after).hasValue(1);
        assertThat(Files.readString(fixture.policyFile())).isEqualTo(policy);
        given().baseUri("http://127.0.0.1").port(fixture.dataPort()).header("X-Forwarded-For", "192.0.2.1")
                .get("/").then().statusCode(451);
    }
}
