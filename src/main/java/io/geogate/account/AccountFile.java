package io.geogate.account;

import io.geogate.country.CountryCode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /** Opens the file for reading: a seam for tests that change the file while it is read. */
    @FunctionalInterface
    interface Source {
        Source FILES = Files::newByteChannel;

        SeekableByteChannel open(Path file) throws IOException;
    }

    public static CompactDirectory load(Path file) throws AccountFileException, IOException {
        return load(file, Source.FILES);
    }

    static CompactDirectory load(Path file, Source source) throws AccountFileException, IOException {
        List<String> errors = new ArrayList<>();
        // Sized once from the line count, so the load holds nothing but the final table.
        long[] slots = CompactDirectory.emptyTable(countLines(file, source));
        Set<Long> collidedHashes = new HashSet<>();
        int count = 0;
        int sharedAHash = 0;
        try (BufferedReader in = reader(file, source)) {
            String header = in.readLine();
            if (header == null || !header.strip().replace(" ", "").equalsIgnoreCase("account,home")) {
                throw new AccountFileException(file.toString(), List.of("line 1: the header must be 'account,home'"));
            }
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null && errors.size() < MAX_ERRORS) {
                lineNo++;
                long packed = pack(line);
                if (packed == SKIP) {
                    continue;
                }
                if (packed == INVALID) {
                    if (parse(line, lineNo, errors).isPresent()) {
                        errors.add("line " + lineNo + ": not a valid 'account,home' line");
                    }
                    continue;
                }
                count++;
                if (!CompactDirectory.insert(slots, packed)) {
                    sharedAHash++;
                    collidedHashes.add(packed & ~CompactDirectory.HOME_MASK);
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new AccountFileException(file.toString(), errors);
        }
        if (collidedHashes.isEmpty()) {
            return CompactDirectory.of(slots, Map.of(), count);
        }
        // Every entry of a collided hash is held exactly instead: k entries of one hash made k - 1 failed inserts.
        Map<String, CountryCode> exact = readExactly(file, source, collidedHashes);
        return CompactDirectory.of(slots, exact, count - sharedAHash - collidedHashes.size() + exact.size());
    }

    /** Like Files.newBufferedReader: malformed UTF-8 throws rather than being replaced. */
    private static BufferedReader reader(Path file, Source source) throws IOException {
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(source.open(file)),
                StandardCharsets.UTF_8.newDecoder()));
    }

    private static int countLines(Path file, Source source) throws IOException {
        long lines = 1;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Channels.newInputStream(source.open(file))) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        return (int) Math.min(lines, Integer.MAX_VALUE / 2);
    }

    private record Row(String id, CountryCode home) {
    }

    private static final long SKIP = 1;
    private static final long INVALID = 2;

    /** Assigned ISO codes by home index, for checking a home without making a String of it. */
    private static final boolean[] ASSIGNED = new boolean[26 * 26];

    static {
        for (int i = 0; i < ASSIGNED.length; i++) {
            ASSIGNED[i] = CountryCode.parse(CompactDirectory.homeAt(i).value()).isPresent();
        }
    }

    /**
     * The hot loop of a load: one line to its packed entry without allocating, or {@link #SKIP} for a
     * blank or comment line, or {@link #INVALID} (then {@link #parse} says why). A packed entry never
     * equals a marker: those would be the home indexes of {@code AB} and {@code AC}, which are not assigned.
     */
    private static long pack(String line) {
        int start = skipSpace(line, 0, line.length());
        int end = trimEnd(line, start, line.length());
        if (start == end || line.charAt(start) == '#') {
            return SKIP;
        }
        int comma = line.indexOf(',', start);
        if (comma < 0 || comma >= end || (line.indexOf(',', comma + 1) >= 0 && line.indexOf(',', comma + 1) < end)) {
            return INVALID;
        }
        int idEnd = trimEnd(line, start, comma);
        int homeStart = skipSpace(line, comma + 1, end);
        if (idEnd == start || idEnd - start > AccountId.MAX_LENGTH || end - homeStart != 2) {
            return INVALID;
        }
        for (int i = start; i < idEnd; i++) {
            char c = line.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return INVALID;
            }
        }
        int a = Character.toUpperCase(line.charAt(homeStart)) - 'A';
        int b = Character.toUpperCase(line.charAt(homeStart + 1)) - 'A';
        if (a < 0 || a >= 26 || b < 0 || b >= 26 || !ASSIGNED[a * 26 + b]) {
            return INVALID;
        }
        return (CompactDirectory.hash(line, start, idEnd) & ~CompactDirectory.HOME_MASK) | (a * 26 + b);
    }

    /** The account id of a line {@link #pack} accepted, cut exactly as it cut it. */
    private static String idOf(String line) {
        int start = skipSpace(line, 0, line.length());
        return line.substring(start, trimEnd(line, start, line.indexOf(',', start)));
    }

    private static int skipSpace(String s, int from, int to) {
        while (from < to && s.charAt(from) <= ' ') {
            from++;
        }
        return from;
    }

    private static int trimEnd(String s, int from, int to) {
        while (to > from && s.charAt(to - 1) <= ' ') {
            to--;
        }
        return to;
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

    /** Second pass, only when hashes collided: the few ids involved, held by their full text. */
    private static Map<String, CountryCode> readExactly(Path file, Source source, Set<Long> collidedHashes)
            throws IOException, AccountFileException {
        Map<String, CountryCode> exact = new HashMap<>();
        List<String> errors = new ArrayList<>();
        try (BufferedReader in = reader(file, source)) {
            in.readLine();
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                long packed = pack(line);
                if (packed == SKIP || packed == INVALID || !collidedHashes.contains(packed & ~CompactDirectory.HOME_MASK)) {
                    continue;
                }
                String id = idOf(line);
                if (exact.put(id, CompactDirectory.homeAt((int) (packed & CompactDirectory.HOME_MASK))) != null) {
                    errors.add("line " + lineNo + ": account '" + id + "' is listed twice");
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
}
