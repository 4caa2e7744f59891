package io.geogate.account;

/*
 * Property tests: each runs a bounded number of random tries so that the class takes a few seconds.
 * A longer run (tries per property; a failure prints the seed that reproduces it):
 *   ./mvnw -B test -Dtest=AccountFilePropertiesTest -Dgeogate.test.tries=20000
 * Replay one failing try:
 *   ./mvnw -B test -Dtest=AccountFilePropertiesTest -Dgeogate.test.seed=<seed> -Dgeogate.test.tries=1
 */

import io.geogate.country.CountryCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.ThrowingConsumer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Any account file either loads exactly (every id to its home, nothing else) or is refused with an
 * {@link AccountFileException} that names the first bad line; nothing else may come out of a load.
 * The expected outcome of arbitrary input comes from {@link #expected}, the format written out plainly
 * with Strings and the JDK's strict UTF-8 decoder.
 *
 * <p>Inputs are drawn from a seeded {@link SplittableRandom}; a failing input is shrunk (elements
 * removed while it still fails) and reported with the seed that reproduces it. A load or lookup that
 * never ends fails its property at the timeout rather than hanging the build (the former loader could spin).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AccountFilePropertiesTest {

    private static final List<String> ASSIGNED = IntStream.range(0, 26 * 26)
            .mapToObj(i -> "" + (char) ('A' + i / 26) + (char) ('A' + i % 26))
            .filter(code -> CountryCode.parse(code).isPresent())
            .toList();

    // ---- the written format, as a reference ---------------------------------------------------------

    /** What loading a file must give: the homes, or the line of the first error. */
    private record Outcome(Map<String, CountryCode> homes, int badLine) {
        static Outcome refused(int line) {
            return new Outcome(Map.of(), line);
        }
    }

    private static Outcome expected(byte[] file) {
        List<byte[]> lines = splitLines(file);
        Optional<String> header = lines.isEmpty() ? Optional.empty() : decode(lines.get(0));
        if (header.isEmpty() || lines.get(0).length > AccountFile.MAX_LINE_BYTES
                || !header.get().strip().replace(" ", "").equalsIgnoreCase("account,home")) {
            return Outcome.refused(1);
        }
        Map<String, CountryCode> homes = new HashMap<>();
        int firstDuplicate = 0;
        for (int i = 1; i < lines.size(); i++) {
            int lineNo = i + 1;
            Optional<String> text = decode(lines.get(i));
            if (lines.get(i).length > AccountFile.MAX_LINE_BYTES || text.isEmpty()) {
                return Outcome.refused(lineNo);
            }
            // String.trim removes exactly the characters <= ' ', as the contract's "surrounding whitespace".
            String line = text.get().trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split(",", -1);
            if (fields.length != 2) {
                return Outcome.refused(lineNo);
            }
            String id = fields[0].trim();
            Optional<CountryCode> home = CountryCode.parse(fields[1].trim());
            if (!AccountId.isValid(id) || home.isEmpty()) {
                return Outcome.refused(lineNo);
            }
            // Duplicates are reported only when every line parsed, so the first error may come later.
            if (homes.putIfAbsent(id, home.get()) != null && firstDuplicate == 0) {
                firstDuplicate = lineNo;
            }
        }
        return firstDuplicate == 0 ? new Outcome(homes, 0) : Outcome.refused(firstDuplicate);
    }

    /** Lines end at LF, CRLF or a lone CR; none of those bytes occurs inside a UTF-8 sequence. */
    private static List<byte[]> splitLines(byte[] file) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < file.length; i++) {
            if (file[i] == '\n' || file[i] == '\r') {
                lines.add(Arrays.copyOfRange(file, start, i));
                if (file[i] == '\r' && i + 1 < file.length && file[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < file.length) {
            lines.add(Arrays.copyOfRange(file, start, file.length));
        }
        return lines;
    }

    private static Optional<String> decode(byte[] line) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    private static CompactDirectory load(byte[] content, CompactDirectory.IdHash hash) throws Exception {
        Path file = Files.createTempFile("geogate-accounts-property", ".csv");
        try {
            Files.write(file, content);
            return AccountFile.load(file, AccountFile.Source.FILES, hash);
        } finally {
            Files.delete(file);
        }
    }

    // ---- ids written, and ids near them ---------------------------------------------------------------

    /** A code point an id may hold: visible ASCII most often, then Latin-1 and C1, the rest of the BMP, and beyond it. */
    private static int idCodePoint(SplittableRandom random) {
        int kind = random.nextInt(11);
        if (kind < 6) {
            int c = random.nextInt(0x21, 0x7f);
            return c == ',' ? ';' : c;
        }
        if (kind < 8) {
            return random.nextInt(0x80, 0x100);
        }
        if (kind < 10) {
            int c = random.nextInt(0x100, 0x10000 - 0x800);
            return c < 0xd800 ? c : c + 0x800;
        }
        return random.nextInt(0x10000, 0x110000);
    }

    /**
     * An id as the format can carry it: 1 to {@link AccountId#MAX_LENGTH} UTF-16 units of visible
     * characters, no comma (the separator), not starting with {@code #} (a comment line). Mostly
     * short; often exactly the longest allowed.
     */
    private static String id(SplittableRandom random) {
        int kind = random.nextInt(20);
        int units = kind < 12 ? random.nextInt(1, 17) : kind < 17 ? random.nextInt(17, AccountId.MAX_LENGTH) : AccountId.MAX_LENGTH;
        StringBuilder id = new StringBuilder();
        while (id.length() < units) {
            int cp = idCodePoint(random);
            if (id.length() + Character.charCount(cp) > units) {
                cp = 'z';
            }
            if (id.isEmpty() && cp == '#') {
                cp = 'h';
            }
            id.appendCodePoint(cp);
        }
        return id.toString();
    }

    /** Ids one step from {@code id}: longer, shorter (possibly cutting a surrogate pair), other case, one unit changed. */
    private static List<String> neighbours(String id) {
        List<String> near = new ArrayList<>();
        near.add(id + "x");
        near.add("x" + id);
        near.add(id.substring(0, id.length() - 1));
        near.add(id.substring(1));
        near.add(id.toUpperCase(Locale.ROOT));
        near.add(id.toLowerCase(Locale.ROOT));
        char[] chars = id.toCharArray();
        chars[chars.length - 1]++;
        near.add(new String(chars));
        chars = id.toCharArray();
        chars[0] ^= 1;
        near.add(new String(chars));
        near.add(" " + id);
        near.add(id + "\u0000");
        return near;
    }

    /** One account row and how it is written: whitespace around the fields, the home's case, the line ending. */
    private record Row(String id, String home, String before, String afterId, String beforeHome, String after,
                       boolean lowerHome, String ending, boolean commentFirst, boolean lastUnended) {
    }

    private static final String[] SPACES = {"", "", "", " ", "\t", "  ", " \t", "\u000b", "\f"};
    private static final String[] ENDINGS = {"\n", "\n", "\r\n", "\r"};

    /** Up to 60 rows with distinct ids; some ids are a near twin of an earlier one (case, prefix, one more character). */
    private static List<Row> rows(SplittableRandom random) {
        int count = random.nextInt(61);
        Set<String> ids = new HashSet<>();
        List<Row> rows = new ArrayList<>();
        while (rows.size() < count) {
            String id = id(random);
            if (!rows.isEmpty() && random.nextInt(5) == 0) {
                List<String> near = neighbours(rows.get(random.nextInt(rows.size())).id());
                String twin = near.get(random.nextInt(near.size())).strip();
                id = AccountId.isValid(twin) && twin.indexOf(',') < 0 && !twin.startsWith("#") && wellFormed(twin) ? twin : id;
            }
            if (!ids.add(id)) {
                continue;
            }
            rows.add(new Row(id, ASSIGNED.get(random.nextInt(ASSIGNED.size())),
                    pick(random, SPACES), pick(random, SPACES), pick(random, SPACES), pick(random, SPACES),
                    random.nextBoolean(), pick(random, ENDINGS), random.nextInt(10) == 0, random.nextBoolean()));
        }
        return rows;
    }

    private static boolean wellFormed(String s) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(s);
    }

    private static String pick(SplittableRandom random, String[] from) {
        return from[random.nextInt(from.length)];
    }

    private static byte[] render(List<Row> rows) {
        StringBuilder text = new StringBuilder("account,home\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.commentFirst()) {
                text.append(r.before()).append("# ").append(r.id()).append(',').append(r.home()).append(r.ending());
                text.append(r.after()).append(r.ending());
            }
            text.append(r.before()).append(r.id()).append(r.afterId()).append(',').append(r.beforeHome())
                    .append(r.lowerHome() ? r.home().toLowerCase(Locale.ROOT) : r.home()).append(r.after());
            if (i < rows.size() - 1 || !r.lastUnended()) {
                text.append(r.ending());
            }
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void loadsExactly(List<Row> rows, CompactDirectory.IdHash hash) throws Exception {
        CompactDirectory d = load(render(rows), hash);
        Map<String, String> homes = new HashMap<>();
        rows.forEach(r -> homes.put(r.id(), r.home()));
        assertThat(d.size()).isEqualTo(rows.size());
        for (Row r : rows) {
            assertThat(d.home(r.id())).as(r.id()).contains(new CountryCode(r.home()));
            for (String near : neighbours(r.id())) {
                if (!homes.containsKey(near)) {
                    assertThat(d.home(near)).as("%s, near %s", near, r.id()).isEmpty();
                }
            }
        }
    }

    @Test
    void everyWrittenIdHasExactlyItsHomeAndNoOtherIdHasOne() {
        forAll(200, AccountFilePropertiesTest::rows, rows -> loadsExactly(rows, CompactDirectory.IdHash.DEFAULT));
    }

    /** The same with a 3-bit hash: nearly every probe finds a matching fingerprint, and only the bytes decide. */
    @Test
    void idsAreToldApartByTheirBytesWhenTheirHashesCollide() {
        forAll(100, AccountFilePropertiesTest::rows,
                rows -> loadsExactly(rows, (bytes, from, to) -> CompactDirectory.hash(bytes, from, to) & 0xe000_0000_0000_0000L));
    }

    // ---- anything at all ------------------------------------------------------------------------------

    /** Pieces that make up tricky files: separators, comments, odd whitespace, long runs, bad UTF-8. */
    private static final List<byte[]> PIECES = new ArrayList<>();

    static {
        for (String s : List.of("alice", "Alice", "bob", "é", "用户", "\uD83D\uDE00", ",", ",,", "#", " ", "\t", "\u000b",
                "\f", "\r", "\n", "\r\n", "PK", "pk", "Pk", "DE", "XX", "zz", "A", "AAA", "\u0085", "\u00a0", "\u2003",
                "\u0000", "\u007f", "\uFEFF", "alice,PK\n", "bob,DE\n", "alice,GB\n", "account,home\n", "ACCOUNT , HOME\r\n",
                "a".repeat(AccountId.MAX_LENGTH), "b".repeat(AccountId.MAX_LENGTH + 1), "c".repeat(AccountFile.MAX_LINE_BYTES - 4),
                "é".repeat(AccountId.MAX_LENGTH / 2 + 1), "\uD83D\uDE00".repeat(AccountId.MAX_LENGTH / 2))) {
            PIECES.add(s.getBytes(StandardCharsets.UTF_8));
        }
        // Bytes no UTF-8 decoder may accept: stray, overlong, surrogate, past U+10FFFF, cut short, a 5-byte form.
        for (String hex : List.of("ff", "80", "c0af", "c1bf", "eda080", "edbfbf", "f4908080", "e282", "f09f98", "f888808080")) {
            PIECES.add(HexFormat.of().parseHex(hex));
        }
    }

    /** A file as a list of pieces: after a header, or without, or raw random bytes (one piece each). */
    private static List<byte[]> garbage(SplittableRandom random) {
        List<byte[]> pieces = new ArrayList<>();
        int kind = random.nextInt(9);
        if (kind < 7) {
            if (kind < 6) {
                pieces.add("account,home\n".getBytes(StandardCharsets.UTF_8));
            }
            int n = random.nextInt(41);
            for (int i = 0; i < n; i++) {
                pieces.add(PIECES.get(random.nextInt(PIECES.size())));
            }
        } else {
            int n = random.nextInt(201);
            for (int i = 0; i < n; i++) {
                pieces.add(new byte[] {(byte) random.nextInt(256)});
            }
        }
        return pieces;
    }

    private static byte[] concat(List<byte[]> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(out::writeBytes);
        return out.toByteArray();
    }

    @Test
    void anyInputLoadsExactlyOrIsRefusedNamingItsFirstBadLine() {
        forAll(600, AccountFilePropertiesTest::garbage, pieces -> {
            byte[] content = concat(pieces);
            Outcome expected = expected(content);
            if (expected.badLine() != 0) {
                AccountFileException e = catchThrowableOfType(AccountFileException.class,
                        () -> load(content, CompactDirectory.IdHash.DEFAULT));
                assertThat(e).as("refused").isNotNull();
                assertThat(e.errors().get(0)).startsWith("line " + expected.badLine() + ": ");
                return;
            }
            CompactDirectory d = load(content, CompactDirectory.IdHash.DEFAULT);
            assertThat(d.size()).isEqualTo(expected.homes().size());
            for (Map.Entry<String, CountryCode> home : expected.homes().entrySet()) {
                assertThat(d.home(home.getKey())).as(home.getKey()).contains(home.getValue());
            }
            for (byte[] piece : PIECES) {
                String probe = new String(piece, StandardCharsets.UTF_8).strip();
                if (!expected.homes().containsKey(probe)) {
                    assertThat(d.home(probe)).as(probe).isEmpty();
                }
            }
        });
    }

    // ---- the runner -----------------------------------------------------------------------------------

    private static final int MAX_SHRINK_RUNS = 2000;

    /**
     * Runs {@code property} on {@code tries} inputs (or {@code -Dgeogate.test.tries}); the seeds follow
     * from {@code -Dgeogate.test.seed}, or a random one. A failure is shrunk by removing elements while
     * it still fails, and reported with the seed that draws the original input.
     */
    private static <E> void forAll(int tries, Function<SplittableRandom, List<E>> generate, ThrowingConsumer<List<E>> property) {
        int count = Integer.getInteger("geogate.test.tries", tries);
        long first = Long.getLong("geogate.test.seed", new SplittableRandom().nextLong());
        for (int i = 0; i < count; i++) {
            long seed = first + i;
            List<E> input = generate.apply(new SplittableRandom(seed));
            Throwable failure = failure(property, input);
            if (failure != null) {
                List<E> smallest = input;
                int runs = 0;
                boolean shrunk = true;
                while (shrunk && runs < MAX_SHRINK_RUNS) {
                    shrunk = false;
                    // Remove runs of elements, longest first, keeping any removal that still fails.
                    for (int size = Math.max(1, smallest.size() / 2); size >= 1 && !shrunk; size /= 2) {
                        for (int from = 0; from + size <= smallest.size() && runs < MAX_SHRINK_RUNS; from += size) {
                            List<E> candidate = new ArrayList<>(smallest.subList(0, from));
                            candidate.addAll(smallest.subList(from + size, smallest.size()));
                            runs++;
                            Throwable f = failure(property, candidate);
                            if (f != null) {
                                smallest = candidate;
                                failure = f;
                                shrunk = true;
                                break;
                            }
                        }
                    }
                }
                throw new AssertionError("failed on try " + (i + 1) + " of " + count + "; replay with -Dgeogate.test.seed=" + seed
                        + " -Dgeogate.test.tries=1. Smallest failing input (" + smallest.size() + " of " + input.size()
                        + " elements): " + describe(smallest), failure);
            }
        }
    }

    private static <E> Throwable failure(ThrowingConsumer<List<E>> property, List<E> input) {
        try {
            property.accept(input);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    private static String describe(List<?> input) {
        StringBuilder out = new StringBuilder("[");
        for (Object e : input) {
            out.append(out.length() > 1 ? ", " : "");
            if (e instanceof byte[] bytes) {
                out.append(bytes.length > 40 ? bytes.length + " bytes" : "0x" + HexFormat.of().formatHex(bytes));
            } else {
                out.append(e.toString().replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"));
            }
        }
        return out.append(']').toString();
    }
}
