package io.geogate.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Account files of any size for benchmarks: ids {@code acct-<n>}, homes cycling through real codes. */
final class GeneratedAccounts {

    static final String[] HOMES = {"PK", "DE", "GB", "FR", "US", "CA", "IN", "BR", "NG", "JP", "RU", "IR"};

    private GeneratedAccounts() {
    }

    static String id(long n) {
        return "acct-" + n;
    }

    /** Writes (once, then reuses) a CSV with {@code size} accounts in the system temp directory. */
    static Path file(int size) throws IOException {
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "geogate-bench-accounts-" + size + ".csv");
        if (Files.exists(file)) {
            return file;
        }
        Path tmp = Files.createTempFile(file.getParent(), "geogate-bench", ".csv");
        try (BufferedWriter out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            out.write("account,home\n");
            for (int i = 0; i < size; i++) {
                out.write(id(i));
                out.write(',');
                out.write(HOMES[i % HOMES.length]);
                out.write('\n');
            }
        }
        Files.move(tmp, file);
        return file;
    }
}
