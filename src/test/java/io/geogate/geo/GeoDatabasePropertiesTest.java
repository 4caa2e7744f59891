package io.geogate.geo;

// Property tests of MMDB files damaged every way, plain JUnit over generated inputs (io.geogate.testing.Generated:
// fixed seed by default, -Dgeogate.seed=N|random for others; a failure names the seed and the input).
// CI runs the tries written here (several seconds); a longer run multiplies them:
// ./mvnw -B test -Dtest='GeoDatabasePropertiesTest' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.testing.Generated;
import io.geogate.testing.MmdbWriter;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.geogate.testing.Generated.between;
import static io.geogate.testing.Generated.forAll;
import static io.geogate.testing.Generated.listOf;
import static io.geogate.testing.Generated.oneOf;
import static io.geogate.testing.Generated.weighted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever bytes are in the file, {@link GeoDatabase#open} answers with a database or a
 * {@link GeoDatabaseException}, and a database that opened answers every lookup with a country, none,
 * or a {@link GeoLookupFailure}: never another exception, never an {@link Error}, never a hang (each try
 * runs under a time limit). Undamaged files give their known answers in both file modes.
 */
class GeoDatabasePropertiesTest {

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

    /**
     * One change to the bytes: at {@code at} (from the end when negative, modulo the length), {@code kind} 0
     * writes {@code value}, 1 flips bit {@code value & 7}, 2 and 3 zero or fill with 0xff {@code value & 63} bytes.
     */
    record Write(int at, int value, int kind) {
    }

    /** How one file was damaged: bytes overwritten, cut short, or a range of it repeated or zeroed. */
    record Damage(int fixture, List<Write> writes, int cut, boolean mapped) {
        byte[] apply() {
            byte[] original = FIXTURES.get(fixture % FIXTURES.size());
            byte[] bytes = original.clone();
            for (Write w : writes) {
                int at = Math.floorMod(w.at(), bytes.length);
                switch (w.kind()) {
                    case 0 -> bytes[at] = (byte) w.value();
                    case 1 -> bytes[at] ^= (byte) (1 << (w.value() & 7));
                    default -> Arrays.fill(bytes, at, Math.min(bytes.length, at + (w.value() & 63)), (byte) (w.kind() == 2 ? 0 : 0xff));
                }
            }
            return cut <= 0 ? bytes : Arrays.copyOf(bytes, Math.max(0, bytes.length - cut));
        }
    }

    /** A damaged file and the addresses to look up in it. */
    record DamagedLookups(Damage damage, List<InetAddress> lookups) {
    }

    @Test
    void aDamagedFileIsRefusedOrAnswersEveryLookupCleanly() {
        forAll(300, r -> new DamagedLookups(damage(r), addresses(r)), in -> {
            Damage damage = in.damage();
            Path file = Files.createTempFile("damaged", ".mmdb");
            try {
                Files.write(file, damage.apply());
                withinTimeLimit(() -> {
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
                    for (InetAddress a : in.lookups()) {
                        try {
                            db.tryCountry(a).ifPresent(c -> assertThat(c.value()).matches("[A-Z]{2}"));
                        } catch (GeoLookupFailure clean) {
                            failures++;
                        }
                    }
                    return failures == 0 ? "opened" : "opened, some lookups failed";
                });
            } finally {
                Files.deleteIfExists(file);
            }
        });
    }

    /** How many leading bytes of the first fixture are kept, and the file mode. */
    record Cut(int keep, boolean mapped) {
    }

    @Test
    void aFileCutAnywhereIsRefusedOrAnswersCleanly() {
        byte[] original = FIXTURES.get(0);
        forAll(100, r -> new Cut(between(r, 0, original.length), r.nextBoolean()), in -> {
            Path file = Files.createTempFile("cut", ".mmdb");
            try {
                Files.write(file, Arrays.copyOf(original, Math.min(in.keep(), original.length)));
                withinTimeLimit(() -> {
                    try {
                        GeoDatabase db = GeoDatabase.open(file, in.mapped() ? GeoDatabase.FileMode.MAPPED : GeoDatabase.FileMode.MEMORY, NOW);
                        db.tryCountry(InetAddress.getByName("39.32.0.1"));
                    } catch (GeoDatabaseException | GeoLookupFailure clean) {
                        return "clean";
                    }
                    return "opened";
                });
            } finally {
                Files.deleteIfExists(file);
            }
        });
    }

    @Test
    void anUndamagedFileGivesItsKnownAnswersInBothModes() {
        forAll(30, Random::nextBoolean, mapped -> {
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
        });
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

    // ---- generators ----

    /** One to six writes anywhere or in the last 400 bytes (where the metadata is), sometimes a cut of up to 600 bytes. */
    static Damage damage(Random r) {
        List<Write> writes = listOf(r, 1, 6, x -> weighted(x, 3, 2) == 0
                ? new Write(between(x, 0, 1_000_000), between(x, 0, 255), between(x, 0, 3))
                : new Write(between(x, -400, -1), between(x, 0, 255), between(x, 0, 1)));
        int cut = weighted(r, 4, 1) == 0 ? 0 : between(r, 1, 600);
        return new Damage(between(r, 0, 2), writes, cut, r.nextBoolean());
    }

    private static final List<InetAddress> KNOWN = List.of("39.32.0.1", "85.214.7.9", "81.2.69.160", "8.8.8.8", "2a01:4f8::1", "2400::1",
            "1.1.1.1", "::ffff:39.32.0.1").stream().map(s -> {
                try {
                    return InetAddress.getByName(s);
                } catch (java.net.UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }).toList();

    /** One to forty IPv4, IPv6 and IPv4-mapped addresses, with the fixture's networks well represented. */
    static List<InetAddress> addresses(Random r) {
        return listOf(r, 1, 40, x -> switch (weighted(x, 2, 2, 1)) {
            case 0 -> oneOf(x, KNOWN);
            case 1 -> Generated.ipv4(x);
            default -> Generated.ipv6(x);
        });
    }
}
