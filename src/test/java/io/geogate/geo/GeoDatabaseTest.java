package io.geogate.geo;

import com.maxmind.geoip2.DatabaseReader;
import io.geogate.country.CountryCode;
import io.geogate.testing.MmdbWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeoDatabaseTest {

    @TempDir
    Path dir;

    private static final Instant NOW = Instant.parse("2026-11-29T00:00:00Z");

    private Path fixture(MmdbWriter writer) throws Exception {
        Path file = dir.resolve("db-" + System.nanoTime() + ".mmdb");
        writer.country("39.32.0.0/11", "PK")
                .country("85.214.0.0/16", "DE")
                .country("85.214.7.0/24", "AT")
                .country("2a01:4f8::/32", "DE")
                .country("81.2.69.0/24", "gb")
                .write(file);
        return file;
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @ValueSource(ints = {24, 28, 32})
    void writerOutputIsReadByMaxMindsOwnGeoip2Reader(int recordSize) throws Exception {
        Path file = fixture(new MmdbWriter(6, recordSize, "GeoIP2-Country"));
        try (DatabaseReader reader = new DatabaseReader.Builder(file.toFile()).build()) {
            assertThat(reader.country(ip("39.40.1.1")).country().isoCode()).isEqualTo("PK");
            assertThat(reader.country(ip("85.214.7.9")).country().isoCode()).isEqualTo("AT");
            assertThat(reader.country(ip("85.214.8.9")).country().isoCode()).isEqualTo("DE");
            assertThat(reader.country(ip("2a01:4f8:1::1")).country().isoCode()).isEqualTo("DE");
            assertThat(reader.tryCountry(ip("8.8.8.8"))).isEmpty();
            assertThat(reader.metadata().databaseType()).isEqualTo("GeoIP2-Country");
            assertThat(reader.metadata().recordSize()).isEqualTo(recordSize);
        }
    }

    @Test
    void geoip2SchemaGivesTheCountryIsoCode() throws Exception {
        GeoDatabase db = GeoDatabase.open(fixture(MmdbWriter.geoip2Country()), NOW);
        assertThat(db.tryCountry(ip("39.32.0.1"))).contains(new CountryCode("PK"));
        assertThat(db.tryCountry(ip("85.214.7.1"))).contains(new CountryCode("AT"));
        assertThat(db.type()).isEqualTo("GeoIP2-Country");
    }

    @Test
    void flatSchemaGivesTheCountryCodeUpperCased() throws Exception {
        GeoDatabase db = GeoDatabase.open(fixture(MmdbWriter.flatCountry()), NOW);
        assertThat(db.tryCountry(ip("81.2.69.160"))).contains(new CountryCode("GB"));
        assertThat(db.tryCountry(ip("2a01:4f8::1"))).contains(new CountryCode("DE"));
    }

    @Test
    void ipv4OnlyDatabaseAnswersIpv4AndHasNoCountryForIpv6() throws Exception {
        Path file = dir.resolve("v4.mmdb");
        new MmdbWriter(4, 24, "GeoLite2-Country").country("39.32.0.0/11", "PK").write(file);
        GeoDatabase db = GeoDatabase.open(file, NOW);
        assertThat(db.tryCountry(ip("39.32.0.1"))).contains(new CountryCode("PK"));
        assertThat(db.tryCountry(ip("2a01:4f8::1"))).isEmpty();
    }

    @Test
    void privateReservedAndUnknownAddressesHaveNoCountry() throws Exception {
        Path file = dir.resolve("everything.mmdb");
        MmdbWriter.flatCountry().country("0.0.0.0/1", "US").country("128.0.0.0/1", "US")
                .country("::/1", "US").country("8000::/1", "US").write(file);
        GeoDatabase db = GeoDatabase.open(file, NOW);
        for (String a : List.of("10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "100.64.0.1", "169.254.1.1",
                "0.0.0.0", "::1", "fd00::1", "fe80::1", "224.0.0.1", "255.255.255.255")) {
            assertThat(db.tryCountry(ip(a))).as(a).isEmpty();
        }
        assertThat(db.tryCountry(ip("8.8.8.8"))).contains(new CountryCode("US"));
        GeoDatabase sparse = GeoDatabase.open(fixture(MmdbWriter.flatCountry()), NOW);
        assertThat(sparse.tryCountry(ip("8.8.8.8"))).isEmpty();
    }

    @Test
    void missingFileIsRefusedWithItsPath() {
        Path missing = dir.resolve("nope.mmdb");
        assertThatThrownBy(() -> GeoDatabase.open(missing, NOW))
                .isInstanceOf(GeoDatabaseException.class).hasMessageContaining(missing.toString());
    }

    @Test
    void truncatedFileIsRefused() throws Exception {
        Path good = fixture(MmdbWriter.geoip2Country());
        Path cut = dir.resolve("cut.mmdb");
        MmdbWriter.truncate(good, cut);
        assertThatThrownBy(() -> GeoDatabase.open(cut, NOW)).isInstanceOf(GeoDatabaseException.class);
    }

    @Test
    void corruptSearchTreeIsRefused() throws Exception {
        Path good = fixture(MmdbWriter.geoip2Country());
        Path bad = dir.resolve("bad.mmdb");
        MmdbWriter.corruptTree(good, bad);
        assertThatThrownBy(() -> GeoDatabase.open(bad, NOW))
                .isInstanceOf(GeoDatabaseException.class).hasMessageContaining("corrupt");
    }

    @Test
    void ageAndStalenessComeFromTheBuildTimeInTheMetadata() throws Exception {
        Path file = dir.resolve("old.mmdb");
        MmdbWriter.flatCountry().buildEpoch(NOW.minus(Duration.ofDays(50)).getEpochSecond())
                .country("39.32.0.0/11", "PK").write(file);
        GeoDatabase db = GeoDatabase.open(file, NOW);
        assertThat(db.buildTime()).isEqualTo(NOW.minus(Duration.ofDays(50)));
        assertThat(db.age(NOW)).isEqualTo(Duration.ofDays(50));
        assertThat(db.isStale(NOW, Duration.ofDays(45))).isTrue();
        assertThat(db.isStale(NOW, Duration.ofDays(60))).isFalse();
    }

    @Test
    void oneReaderServesManyThreadsConsistently() throws Exception {
        GeoDatabase db = GeoDatabase.open(fixture(MmdbWriter.geoip2Country()), NOW);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        Optional<CountryCode> pk = db.tryCountry(InetAddress.getByAddress(
                                new byte[] {39, (byte) (32 + i % 32), (byte) i, 1}));
                        if (!pk.map(CountryCode::value).equals(Optional.of("PK"))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A database of thousands of networks: its tree and data span many pages. */
    private Path large(String name) throws Exception {
        MmdbWriter writer = MmdbWriter.geoip2Country();
        String[] countries = {"PK", "DE", "GB", "FR", "US", "RU", "IR", "JP"};
        for (int i = 0; i < 6000; i++) {
            writer.country((1 + i / 256) + "." + (i % 256) + ".0.0/16", countries[i % countries.length]);
        }
        Path file = dir.resolve(name);
        writer.write(file);
        return file;
    }

    /** Rewrites {@code file} in place, as {@code cp} does: same inode, truncated, then written. */
    private static void rewriteInPlace(Path file, byte[] content) throws Exception {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(java.nio.ByteBuffer.wrap(content));
        }
    }

    /** One address in every seventh of the large database's networks, private ones (10/8) left out. */
    private static List<InetAddress> sample() throws Exception {
        List<InetAddress> sample = new ArrayList<>();
        for (int i = 0; i < 6000; i += 7) {
            InetAddress a = InetAddress.getByAddress(new byte[] {(byte) (1 + i / 256), (byte) (i % 256), 1, 1});
            if (!GeoDatabase.isPrivate(a)) {
                sample.add(a);
            }
        }
        return sample;
    }

    /** Looks up the sample; counts failures, lets anything else out. */
    private static int failedLookups(GeoDatabase db) throws Exception {
        int failed = 0;
        for (InetAddress a : sample()) {
            try {
                db.tryCountry(a);
            } catch (GeoLookupFailure expected) {
                failed++;
            }
        }
        return failed;
    }

    @Test
    void aMappedDatabaseTruncatedAndRewrittenInPlaceFailsLookupsCleanlyAndNeverWithAnError() throws Exception {
        Path file = large("mapped.mmdb");
        byte[] original = java.nio.file.Files.readAllBytes(file);
        GeoDatabase db = GeoDatabase.open(file, GeoDatabase.FileMode.MAPPED, NOW);
        assertThat(db.tryCountry(ip("1.0.1.1"))).contains(new CountryCode("PK"));
        assertThat(failedLookups(db)).isZero();

        rewriteInPlace(file, new byte[0]);
        assertThat(failedLookups(db)).as("every lookup of a truncated mapping fails").isEqualTo(sample().size());
        assertThatThrownBy(() -> db.tryCountry(ip("1.0.1.1"))).isInstanceOf(GeoLookupFailure.class)
                .hasMessageContaining("rewritten in place");

        byte[] garbage = new byte[original.length / 3];
        new java.util.Random(7).nextBytes(garbage);
        rewriteInPlace(file, garbage);
        failedLookups(db);

        rewriteInPlace(file, original);
        assertThat(failedLookups(db)).isZero();
        assertThat(db.tryCountry(ip("1.1.1.1"))).contains(new CountryCode("DE"));
    }

    @Test
    void aDatabaseHeldInMemoryAnswersRightWhileItsFileIsRewrittenInPlace() throws Exception {
        Path file = large("memory.mmdb");
        GeoDatabase db = GeoDatabase.open(file, GeoDatabase.FileMode.MEMORY, NOW);
        rewriteInPlace(file, new byte[0]);
        assertThat(failedLookups(db)).isZero();
        assertThat(db.tryCountry(ip("1.0.1.1"))).contains(new CountryCode("PK"));
        rewriteInPlace(file, new byte[] {1, 2, 3});
        assertThat(db.tryCountry(ip("1.1.1.1"))).contains(new CountryCode("DE"));
        assertThat(db.mode()).isEqualTo(GeoDatabase.FileMode.MEMORY);
        assertThatThrownBy(() -> GeoDatabase.open(file, GeoDatabase.FileMode.MEMORY, NOW)).isInstanceOf(GeoDatabaseException.class);
    }

    @Test
    void aBuildTimeNoInstantCanHoldIsRefusedWhenOpenedNotWhenReportedLater() throws Exception {
        Path file = dir.resolve("far-future.mmdb");
        MmdbWriter.flatCountry().buildEpoch(Long.MAX_VALUE).country("39.32.0.0/11", "PK").write(file);
        assertThatThrownBy(() -> GeoDatabase.open(file, NOW)).isInstanceOf(GeoDatabaseException.class)
                .hasMessageContaining("build_epoch");
    }

    private static Path maxmind(String name) throws Exception {
        return Path.of(GeoDatabaseTest.class.getResource("/geo/maxmind/" + name).toURI());
    }

    @Test
    void maxMindsOwnGeoip2CountryTestDatabaseGivesItsKnownAnswersInBothModes() throws Exception {
        for (GeoDatabase.FileMode mode : GeoDatabase.FileMode.values()) {
            GeoDatabase db = GeoDatabase.open(maxmind("GeoIP2-Country-Test.mmdb"), mode, NOW);
            assertThat(db.tryCountry(ip("81.2.69.160"))).as(mode.name()).contains(new CountryCode("GB"));
            assertThat(db.tryCountry(ip("89.160.20.112"))).contains(new CountryCode("SE"));
            assertThat(db.tryCountry(ip("216.160.83.56"))).contains(new CountryCode("US"));
            assertThat(db.tryCountry(ip("2001:218::1"))).contains(new CountryCode("JP"));
            assertThat(db.type()).isEqualTo("GeoIP2-Country");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"MaxMind-DB-test-broken-pointers-24.mmdb", "MaxMind-DB-test-broken-search-tree-24.mmdb",
        "GeoIP2-City-Test-Broken-Double-Format.mmdb"})
    void maxMindsBrokenFilesAreRefusedOrFailLookupsWithGeoLookupFailureOnly(String name) throws Exception {
        GeoDatabase db;
        try {
            db = GeoDatabase.open(maxmind(name), NOW);
        } catch (GeoDatabaseException refused) {
            return;
        }
        for (int a = 0; a < 256; a++) {
            for (String form : List.of("%d.1.1.1", "1.1.1.%d", "::%x:1", "2001:%x::1", "::ffff:1.2.3.%d")) {
                try {
                    db.tryCountry(ip(form.formatted(a)));
                } catch (GeoLookupFailure expected) {
                    // a clean failure: the data plane answers 503
                }
            }
        }
    }
}
