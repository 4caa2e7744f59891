package io.geogate.bench;

import io.geogate.account.AccountFile;
import io.geogate.account.CompactDirectory;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Loads generated account files of each size given (default 1,000,000 and 10,000,000) three times
 * and prints the load time (best and median) and the heap the loaded directory keeps after a full GC.
 * With the wall-clock time it prints, for the best load, the CPU time of the loading thread and the
 * time the collectors report: on a machine shared with other work these vary far less than the wall clock.
 * Run it in a small fixed heap to show it fits: {@code java -Xmx300m -cp bench/target/benchmarks.jar
 * io.geogate.bench.DirectoryLoad}.
 */
public final class DirectoryLoad {

    private DirectoryLoad() {
    }

    public static void main(String[] args) throws Exception {
        int[] sizes = args.length == 0 ? new int[] {1_000_000, 10_000_000} : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("max heap %d MB, %d cores%n", Runtime.getRuntime().maxMemory() >> 20,
                Runtime.getRuntime().availableProcessors());
        for (int size : sizes) {
            Path file = GeneratedAccounts.file(size);
            long[] millis = new long[3];
            long bestCpu = 0;
            long bestGc = 0;
            long retained = 0;
            CompactDirectory directory = null;
            for (int run = 0; run < millis.length; run++) {
                directory = null;
                long before = usedAfterGc(memory);
                long gcBefore = gcMillis();
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                directory = AccountFile.load(file);
                millis[run] = (System.nanoTime() - start) / 1_000_000;
                if (run == 0 || millis[run] < Arrays.stream(millis, 0, run).min().orElseThrow()) {
                    bestCpu = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1_000_000;
                    bestGc = gcMillis() - gcBefore;
                }
                retained = usedAfterGc(memory) - before;
            }
            Arrays.sort(millis);
            System.out.printf("%,d accounts (%d MB file): load best %d ms (thread CPU %d ms, GC %d ms), median %d ms; "
                            + "heap kept after GC %d MB; size %,d; home of %s = %s%n",
                    size, Files.size(file) >> 20, millis[0], bestCpu, bestGc, millis[1], retained >> 20, directory.size(),
                    GeneratedAccounts.id(size / 2), directory.home(GeneratedAccounts.id(size / 2)).orElseThrow());
        }
    }

    /** Collection time so far, all collectors (G1's concurrent work is not in it). */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static long usedAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
