package io.geogate.bench;

import io.geogate.account.AccountFile;
import io.geogate.account.CompactDirectory;
import io.geogate.country.CountryCode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One account lookup in the compact file directory, for ids it holds (hits) and ids it does not
 * (misses), drawn at random over the whole table so that caches do not flatter it. Average time
 * per lookup, and sampled p50/p99 (which include about 20-30 ns of timer overhead per sample).
 * The probe ids are a million Strings, themselves mostly out of cache; {@code baseline} reads each
 * probe's characters without looking it up, so that lookup cost = hit or miss - baseline (a request's
 * id, just parsed, is in cache).
 */
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class DirectoryLookupBenchmark {

    private static final int PROBES = 1 << 20;

    @Param({"1000000", "10000000"})
    int size;

    private CompactDirectory directory;
    private String[] hits;
    private String[] misses;

    @Setup(Level.Trial)
    public void load() throws Exception {
        directory = AccountFile.load(GeneratedAccounts.file(size));
        SplittableRandom random = new SplittableRandom(7);
        hits = new String[PROBES];
        misses = new String[PROBES];
        for (int i = 0; i < PROBES; i++) {
            hits[i] = GeneratedAccounts.id(random.nextInt(size));
            misses[i] = GeneratedAccounts.id(size + random.nextInt(size));
        }
    }

    /** Each thread walks the probes from its own random start. */
    @State(Scope.Thread)
    public static class Cursor {
        int next = new SplittableRandom().nextInt(PROBES);

        int advance() {
            next = (next + 1) & (PROBES - 1);
            return next;
        }
    }

    @Benchmark
    public Optional<CountryCode> hit(Cursor cursor) {
        return directory.home(hits[cursor.advance()]);
    }

    @Benchmark
    public int baseline(Cursor cursor) {
        String id = hits[cursor.advance()];
        int sum = 0;
        for (int i = 0; i < id.length(); i++) {
            sum += id.charAt(i);
        }
        return sum;
    }

    @Benchmark
    public Optional<CountryCode> miss(Cursor cursor) {
        return directory.home(misses[cursor.advance()]);
    }
}
