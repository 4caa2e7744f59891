package io.geogate.snapshot;

import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.Eventually;
import io.geogate.testing.MmdbWriter;
import io.geogate.testing.TestFiles;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs replaced on disk, by rename as geoipupdate and ConfigMaps do: a bad file is refused and the
 * old one keeps serving; a good one is in force within seconds; requests never fail during a swap.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "reload"))
class ReloadTest {

    GatewayFixture fixture;

    private Response from(String clientIp, String account) {
        return given().baseUri("http://127.0.0.1").port(fixture.dataPort())
                .header("X-Forwarded-For", clientIp).header("X-Account-Id", account).get("/");
    }

    private static String lastRefusal(String check) {
        return given().get("/q/health/ready").jsonPath()
                .getString("checks.find { it.name == '" + check + "' }.data.lastRefusedError");
    }

    @Test
    void corruptDatabaseIsRefusedAndANewGoodOneIsTakenWithinSeconds() throws Exception {
        Path db = fixture.geoDatabase();
        byte[] original = Files.readAllBytes(db);
        try {
            Path corrupt = fixture.dir().resolve("corrupt.mmdb");
            MmdbWriter.corruptTree(db, corrupt);
            TestFiles.replace(db, Files.readAllBytes(corrupt));
            Eventually.until("corrupt database refused", () -> lastRefusal("geo-database") != null);
            assertThat(from("39.32.0.1", "").statusCode()).isEqualTo(451);

            Path truncated = fixture.dir().resolve("truncated.mmdb");
            MmdbWriter.truncate(fixture.dir().resolve("corrupt.mmdb"), truncated);
            Files.write(fixture.dir().resolve("good.mmdb"), original);
            MmdbWriter.truncate(fixture.dir().resolve("good.mmdb"), truncated);
            TestFiles.replace(db, Files.readAllBytes(truncated));
            Eventually.until("truncated database refused", () -> String.valueOf(lastRefusal("geo-database")).contains("not a readable MMDB"));
            assertThat(from("39.32.0.1", "").statusCode()).isEqualTo(451);

            TestFiles.replace(db, MmdbWriter.geoip2Country().country("39.32.0.0/11", "DE").build());
            Eventually.until("new database in force", () -> from("39.32.0.1", "").statusCode() == 200);
            assertThat(from("39.32.0.1", "").jsonPath().getList("headers.'x-geo-country'")).containsExactly("DE");
            assertThat(lastRefusal("geo-database")).isNull();
        } finally {
            TestFiles.replace(db, original);
            Eventually.until("original database back", () -> from("39.32.0.1", "").statusCode() == 451);
        }
    }

    @Test
    void invalidPolicyIsRefusedAndTheOldOneStaysInForce() throws Exception {
        Path policy = fixture.policyFile();
        String original = Files.readString(policy);
        try {
            TestFiles.replace(policy, original.replace("country: PK", "country: PAK").replace("mode:", "moed:").getBytes());
            Eventually.until("invalid policy refused", () -> lastRefusal("policy") != null);
            assertThat(lastRefusal("policy")).contains("restrictions[0].country").contains("moed");
            assertThat(from("39.32.0.1", "").statusCode()).isEqualTo(451);

            TestFiles.replace(policy, original.replace("anonymous: refuse", "anonymous: allow").getBytes());
            Eventually.until("new policy in force", () -> from("39.32.0.1", "").statusCode() == 200);
        } finally {
            TestFiles.replace(policy, original.getBytes());
            Eventually.until("original policy back", () -> from("39.32.0.1", "").statusCode() == 451);
        }
    }

    @Test
    void configMapStyleSymlinkSwapIsNoticed() throws Exception {
        Path policy = fixture.policyFile();
        String original = Files.readString(policy);
        Path v1 = Files.createDirectories(fixture.dir().resolve("..v1"));
        Path v2 = Files.createDirectories(fixture.dir().resolve("..v2"));
        Files.writeString(v1.resolve("policy.yaml"), original);
        Files.writeString(v2.resolve("policy.yaml"), original.replace("anonymous: refuse", "anonymous: allow"));
        Path data = fixture.dir().resolve("..data");
        try {
            Files.createSymbolicLink(data, v1.getFileName());
            Path link = fixture.dir().resolve("policy.yaml.link");
            Files.createSymbolicLink(link, Path.of("..data", "policy.yaml"));
            Files.move(link, policy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(600);
            assertThat(from("39.32.0.1", "").statusCode()).isEqualTo(451);

            // Kubernetes swaps the ..data symlink to a new timestamped directory in one rename.
            Path newData = fixture.dir().resolve("..data_tmp");
            Files.createSymbolicLink(newData, v2.getFileName());
            Files.move(newData, data, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Eventually.until("policy behind the swapped symlink in force", () -> from("39.32.0.1", "").statusCode() == 200);
        } finally {
            TestFiles.replace(policy, original.getBytes());
            Eventually.until("original policy back", () -> from("39.32.0.1", "").statusCode() == 451);
        }
    }

    @Test
    void invalidAccountFileIsRefusedAndTheOldDirectoryStays() throws Exception {
        Path accounts = fixture.accountsFile();
        String original = Files.readString(accounts);
        try {
            TestFiles.replace(accounts, (original + "mallory,ZZ\n").getBytes());
            Eventually.until("invalid accounts refused", () -> lastRefusal("accounts") != null);
            assertThat(from("39.32.0.1", "bob").statusCode()).isEqualTo(200);

            TestFiles.replace(accounts, original.replace("bob,DE", "bob,PK").getBytes());
            Eventually.until("new accounts in force", () -> from("39.32.0.1", "bob").statusCode() == 451);
        } finally {
            TestFiles.replace(accounts, original.getBytes());
            Eventually.until("original accounts back", () -> from("39.32.0.1", "bob").statusCode() == 200);
        }
    }

    @Test
    void noRequestFailsWhileTheDatabaseIsSwappedRepeatedly() throws Exception {
        Path db = fixture.geoDatabase();
        byte[] original = Files.readAllBytes(db);
        byte[] other = MmdbWriter.geoip2Country().country("39.32.0.0/11", "PK").country("85.214.0.0/16", "GB").build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread load = new Thread(() -> {
            while (running.get()) {
                Response r = from("85.214.0.1", "");
                sent.incrementAndGet();
                List<String> country = r.statusCode() == 200 ? r.jsonPath().getList("headers.'x-geo-country'") : null;
                if (country == null || !(country.equals(List.of("DE")) || country.equals(List.of("GB")))) {
                    failures.add(r.statusCode() + " " + r.asString());
                }
            }
        });
        load.start();
        try {
            for (int i = 0; i < 20; i++) {
                TestFiles.replace(db, i % 2 == 0 ? other : original);
                Thread.sleep(250);
            }
        } finally {
            running.set(false);
            load.join(10_000);
            TestFiles.replace(db, original);
        }
        assertThat(sent.get()).isGreaterThan(20);
        assertThat(failures).isEmpty();
        assertThat(lastRefusal("geo-database")).isNull();
    }
}
