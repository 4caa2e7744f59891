package io.geogate.account;

import io.geogate.country.CountryCode;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the CSV account file ({@code account,home} header, then one account per line) into a
 * {@link CompactDirectory}. Blank lines and lines starting with {@code #} are skipped. Any bad line
 * refuses the whole file, so a half-read directory never goes into service.
 */
public final class AccountFile {

    /** Errors listed before giving up on a broken file. */
    private static final int MAX_ERRORS = 20;

    private AccountFile() {
    }

    public static CompactDirectory load(Path file) throws AccountFileException, IOException {
        List<String> errors = new ArrayList<>();
        long[] entries = new long[1024];
        int count = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || !header.strip().replace(" ", "").equalsIgnoreCase("account,home")) {
                throw new AccountFileException(file.toString(), List.of("line 1: the header must be 'account,home'"));
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null && errors.size() < MAX_ERRORS) {
                lineNo++;
                Optional<Row> row = parse(line, lineNo, errors);
                if (row.isEmpty()) {
                    continue;
                }
                if (count == entries.length) {
                    entries = Arrays.copyOf(entries, entries.length * 2);
                }
                entries[count++] = (CompactDirectory.hash(row.get().id()) & ~CompactDirectory.HOME_MASK)
                        | CompactDirectory.indexOf(row.get().home());
            }
        }
        if (!errors.isEmpty()) {
            throw new AccountFileException(file.toString(), errors);
        }
        long[] sorted = Arrays.copyOf(entries, count);
        Arrays.parallelSort(sorted);
        Set<Long> collidedHashes = collidedHashes(sorted);
        if (collidedHashes.isEmpty()) {
            return new CompactDirectory(sorted, Map.of());
        }
        Map<String, CountryCode> exact = readExactly(file, collidedHashes);
        return new CompactDirectory(markCollided(sorted, collidedHashes), exact);
    }

    private record Row(String id, CountryCode home) {
    }

    private static Optional<Row> parse(String line, int lineNo, List<String> errors) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return Optional.empty();
        }
        int comma = trimmed.indexOf(',');
        if (comma < 0 || trimmed.indexOf(',', comma + 1) >= 0) {
            errors.add("line " + lineNo + ": expected two fields 'account,home'");
            return Optional.empty();
        }
        String id = trimmed.substring(0, comma).strip();
        String homeText = trimmed.substring(comma + 1).strip();
        if (!AccountId.isValid(id)) {
            errors.add("line " + lineNo + ": account id must be 1.." + AccountId.MAX_LENGTH + " visible characters");
            return Optional.empty();
        }
        Optional<CountryCode> home = CountryCode.parse(homeText);
        if (home.isEmpty()) {
            errors.add("line " + lineNo + ": home '" + homeText + "' is not an ISO 3166-1 alpha-2 country code");
            return Optional.empty();
        }
        return Optional.of(new Row(id, home.get()));
    }

    private static Set<Long> collidedHashes(long[] sorted) {
        Set<Long> collided = new HashSet<>();
        for (int i = 1; i < sorted.length; i++) {
            long hash = sorted[i] & ~CompactDirectory.HOME_MASK;
            if (hash == (sorted[i - 1] & ~CompactDirectory.HOME_MASK)) {
                collided.add(hash);
            }
        }
        return collided;
    }

    /** Second pass, only when hashes collided: the few ids involved, held by their full text. */
    private static Map<String, CountryCode> readExactly(Path file, Set<Long> collidedHashes)
            throws IOException, AccountFileException {
        Map<String, CountryCode> exact = new HashMap<>();
        List<String> errors = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            in.readLine();
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                Optional<Row> row = parse(line, lineNo, errors);
                if (row.isPresent()
                        && collidedHashes.contains(CompactDirectory.hash(row.get().id()) & ~CompactDirectory.HOME_MASK)
                        && exact.put(row.get().id(), row.get().home()) != null) {
                    errors.add("line " + lineNo + ": account '" + row.get().id() + "' is listed twice");
                    if (errors.size() >= MAX_ERRORS) {
                        break;
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new AccountFileException(file.toString(), errors);
        }
        return exact;
    }

    /** One entry per collided hash, marked so that lookups consult the exact map. */
    private static long[] markCollided(long[] sorted, Set<Long> collidedHashes) {
        long[] out = new long[sorted.length];
        int n = 0;
        for (long e : sorted) {
            long hash = e & ~CompactDirectory.HOME_MASK;
            if (collidedHashes.contains(hash)) {
                if (n > 0 && (out[n - 1] & ~CompactDirectory.HOME_MASK) == hash) {
                    continue;
                }
                out[n++] = hash | CompactDirectory.COLLIDED;
            } else {
                out[n++] = e;
            }
        }
        return Arrays.copyOf(out, n);
    }
}
