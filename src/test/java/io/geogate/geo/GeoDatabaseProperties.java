package io.geogate.geo;

// Property-based tests of MMDB files damaged every way. CI runs the tries written here (several seconds);
// a longer run multiplies them: ./mvnw test -Dtest='GeoDatabaseProperties' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.testing.MmdbWriter;
import io.geogate.testing.ScaledTries;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever bytes are in the file, {@link GeoDatabase#open} answers with a database or a
 * {@link GeoDatabaseException}, and a database that opened answers every lookup with a country, none,
 * or a {@link GeoLookupFailure}: never another exception, never an {@link Error}, never a hang (each try
 * runs under a time limit). Undamaged files give their known answers in both file modes.
 */
@AddLifecycleHook(ScaledTries.class)
class GeoDatabaseProperties {

    private static final Instant NOW = Instant.parse("2026-11-29T00:00:00Z");
    private static final List<byte[]> FIXTURES = List.of(
            MmdbWriter.geoip2Country().country("39.32.0.0/11", "PK").country("85.214.0.0/16", "DE").country("85.214.7.0/24", "AT")
                    .country("2a01:4f8::/32", "DE").country("81.2.69.0/24", "gb").build(),
            new MmdbWriter(4, 24, "GeoLite2-Country").country("39.32.0.0/11", "PK").country("8.8.8.0/24", "US").build(),
            new MmdbWriter(6, 32, "ip-location-db country").country("39.32.0.0/11", "PK").country("2400::/12", "CN")
                    .country("0.0.0.0/2", "US").build());
    private static final ExecutorService WORKER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mmdb-property");
        t.setDaemon(true);
        return t;
    });

    /** How one file was damaged: bytes overwritten, cut short, or a range of it repeated or zeroed. */
    record Damage(int fixture, List<int[]> writes, int cut, boolean mapped) {
        byte[] apply() {
            byte[] original = FIXTURES.get(fixture % FIXTURES.size());
            byte[] bytes = original.clone();
            for (int[] w : writes) {
                int at = Math.floorMod(w[0], bytes.length);
                switch (w[2]) {
                    case 0 -> bytes[at] = (byte) w[1];
                    case 1 -> bytes[at] ^= (byte) (1 << (w[1] & 7));
                    default -> Arrays.fill(bytes, at, Math.min(bytes.length, at + (w[1] & 63)), (byte) (w[2] == 2 ? 0 : 0xff));
                }
            }
            return cut <= 0 ? bytes : Arrays.copyOf(bytes, Math.max(0, bytes.length - cut));
        }
    }

    @Property(tries = 300)
    void aDamagedFileIsRefusedOrAnswersEveryLookupCleanly(@ForAll("damages") Damage damage, @ForAll("addresses") List<InetAddress> lookups)
            throws Exception {
        Path file = Files.createTempFile("damaged", ".mmdb");
        try {
            Files.write(file, damage.apply());
            String outcome = withinTimeLimit(() -> {
                GeoDatabase db;
                try {
                    db = GeoDatabase.open(file, damage.mapped() ? GeoDatabase.FileMode.MAPPED : GeoDatabase.FileMode.MEMORY, NOW);
                } catch (GeoDatabaseException refused) {
                    return "refused";
                }
                assertThat(db.type()).isNotNull();
                assertThat(db.buildTime()).isNotNull();
                assertThat(db.age(NOW).isNegative()).isFalse();
                int failures = 0;
                for (InetAddress a : lookups) {
                    try {
                        db.tryCountry(a).ifPresent(c -> assertThat(c.value()).matches("[A-Z]{2}"));
                    } catch (GeoLookupFailure clean) {
                        failures++;
                    }
                }
                return failures == 0 ? "opened" : "opened, some lookups failed";
            });
            Statistics.label("outcome").collect(outcome);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 100)
    void aFileCutAnywhereIsRefusedOrAnswersCleanly(@ForAll("cuts") int keep, @ForAll boolean mapped) throws Exception {
        byte[] original = FIXTURES.get(0);
        Path file = Files.createTempFile("cut", ".mmdb");
        try {
            Files.write(file, Arrays.copyOf(original, Math.min(keep, original.length)));
            withinTimeLimit(() -> {
                try {
                    GeoDatabase db = GeoDatabase.open(file, mapped ? GeoDatabase.FileMode.MAPPED : GeoDatabase.FileMode.MEMORY, NOW);
                    db.tryCountry(InetAddress.getByName("39.32.0.1"));
                } catch (GeoDatabaseException | GeoLookupFailure clean) {
                    return "clean";
                }
                return "opened";
            });
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Property(tries = 30)
    void anUndamagedFileGivesItsKnownAnswersInBothModes(@ForAll boolean mapped) throws Exception {
        Path file = Files.createTempFile("good", ".mmdb");
        try {
            Files.write(file, FIXTURES.get(0));
            GeoDatabase db = GeoDatabase.open(file, mapped ? GeoDatabase.FileMode.MAPPED : GeoDatabase.FileMode.MEMORY, NOW);
            assertThat(db.tryCountry(InetAddress.getByName("39.32.0.1"))).contains(new CountryCode("PK"));
            assertThat(db.tryCountry(InetAddress.getByName("85.214.7.9"))).contains(new CountryCode("AT"));
            assertThat(db.tryCountry(InetAddress.getByName("81.2.69.160"))).contains(new CountryCode("GB"));
            assertThat(db.tryCountry(InetAddress.getByName("8.8.8.8"))).isEmpty();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private interface Attempt {
        String run() throws Exception;
    }

    /** Runs {@code attempt} on another thread and fails the try if it takes more than 10 seconds. */
    private static String withinTimeLimit(Attempt attempt) throws Exception {
        Future<String> result = WORKER.submit(attempt::run);
        try {
            return result.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            throw new AssertionError("opening or reading a damaged file did not finish within 10 s", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("opening or reading a damaged file threw " + e.getCause(), e.getCause());
        }
    }

    @Provide
    Arbitrary<Damage> damages() {
        Arbitrary<int[]> write = Combinators.combine(Arbitraries.integers().between(0, 1_000_000),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 3)).as((at, value, kind) -> new int[] {at, value, kind});
        Arbitrary<int[]> tailWrite = Combinators.combine(Arbitraries.integers().between(-400, -1),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 1)).as((at, value, kind) -> new int[] {at, value, kind});
        Arbitrary<List<int[]>> writes = Arbitraries.frequencyOf(Tuple.of(3, write), Tuple.of(2, tailWrite)).list().ofMinSize(1).ofMaxSize(6);
        Arbitrary<Integer> cut = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 600)));
        return Combinators.combine(Arbitraries.integers().between(0, 2), writes, cut, Arbitraries.of(false, true)).as(Damage::new);
    }

    @Provide
    Arbitrary<Integer> cuts() {
        return Arbitraries.integers().between(0, FIXTURES.get(0).length);
    }

    /** IPv4, IPv6 and IPv4-mapped addresses, with the fixture's networks well represented. */
    @Provide
    Arbitrary<List<InetAddress>> addresses() {
        Arbitrary<InetAddress> any4 = Arbitraries.bytes().array(byte[].class).ofSize(4).map(GeoDatabaseProperties::address);
        Arbitrary<InetAddress> any6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(GeoDatabaseProperties::address);
        Arbitrary<InetAddress> known = Arbitraries.of("39.32.0.1", "85.214.7.9", "81.2.69.160", "8.8.8.8", "2a01:4f8::1", "2400::1",
                "1.1.1.1", "::ffff:39.32.0.1").map(s -> {
                    try {
                        return InetAddress.getByName(s);
                    } catch (java.net.UnknownHostException e) {
                        throw new IllegalStateException(e);
                    }
                });
        return Arbitraries.frequencyOf(Tuple.of(2, known), Tuple.of(2, any4), Tuple.of(1, any6)).list().ofMinSize(1).ofMaxSize(40)
                .map(ArrayList::new);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
