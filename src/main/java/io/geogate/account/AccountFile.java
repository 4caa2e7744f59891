package io.geogate.account;

import io.geogate.country.CountryCode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads the CSV account file ({@code account,home} header, then one account per line) into a
 * {@link CompactDirectory}. Lines end at LF, CRLF or a lone CR; surrounding spaces and control
 * characters are trimmed from a line and from each field; blank lines and lines starting with
 * {@code #} are skipped. The file must be UTF-8 and no line may be longer than 4096 bytes. Any bad line refuses the whole file, so a half-read directory
 * never goes into service; so does a file that changes while it is read.
 *
 * <p>The file is read once, front to back, and only up to the length it had when opened: a file
 * rewritten or growing meanwhile cannot keep the load going, and is refused rather than loaded as a
 * mixture of two versions (its next change triggers another reload).
 */
public final class AccountFile {

    /** Errors listed before giving up on a broken file. */
    private static final int MAX_ERRORS = 20;
    /**
     * The longest line read. A valid line is at most about 800 bytes (256 characters of up to three
     * bytes, a comma, a code); anything far longer is not an account file, and reading it as a line
     * would hold all of it in memory.
     */
    static final int MAX_LINE_BYTES = 4096;
    private static final int BUFFER_BYTES = 1 << 16;

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
        return load(file, source, CompactDirectory.IdHash.DEFAULT);
    }

    static CompactDirectory load(Path file, Source source, CompactDirectory.IdHash hash)
            throws AccountFileException, IOException {
        String name = file.toString();
        BasicFileAttributes before = Files.readAttributes(file, BasicFileAttributes.class);
        if (!before.isRegularFile()) {
            // A FIFO or device has no length to stop at, and opening a FIFO waits for a writer.
            throw new AccountFileException(name, List.of("not a regular file"));
        }
        Lines lines = new Lines(hash);
        try (SeekableByteChannel in = source.open(file)) {
            long length = in.size();
            boolean shrank = !lines.read(in, length) && lines.errors.isEmpty();
            BasicFileAttributes after = Files.readAttributes(file, BasicFileAttributes.class);
            // Checked before the line errors: a file caught mid-rewrite can show a half-written line.
            // An in-place rewrite of the same length within one tick of the file clock goes unseen here;
            // writers that replace the file by renaming (as documented) are always seen whole.
            if (shrank || in.size() != length || after.size() != before.size()
                    || !after.lastModifiedTime().equals(before.lastModifiedTime())
                    || !Objects.equals(after.fileKey(), before.fileKey())) {
                throw new AccountFileException(name, List.of("changed while it was read (" + length + " bytes when opened); "
                        + "it is read again when it changes next"));
            }
            if (!lines.errors.isEmpty()) {
                throw new AccountFileException(name, lines.errors);
            }
        }
        return lines.build(name);
    }

    /** The lines of one file, parsed as they arrive, into the records of a {@link CompactDirectory.Builder}. */
    private static final class Lines {

        /** Assigned ISO codes by home index, for checking a home without making a String of it. */
        private static final boolean[] ASSIGNED = new boolean[26 * 26];

        static {
            for (int i = 0; i < ASSIGNED.length; i++) {
                ASSIGNED[i] = CountryCode.parse(CompactDirectory.homeAt(i).value()).isPresent();
            }
        }

        final List<String> errors = new ArrayList<>();
        private final CompactDirectory.Builder records;
        private final LineNumbers lineNumbers = new LineNumbers();
        private int lineNo;
        /** False once reading should stop: a bad header, an over-long line, too many errors, a full arena. */
        private boolean going = true;

        Lines(CompactDirectory.IdHash hash) {
            records = new CompactDirectory.Builder(hash);
        }

        /**
         * Reads the first {@code length} bytes of {@code in}, line by line. Returns false when fewer were
         * there, or when reading stopped at an error.
         */
        boolean read(SeekableByteChannel in, long length) throws IOException {
            byte[] buffer = new byte[BUFFER_BYTES];
            ByteBuffer window = ByteBuffer.wrap(buffer);
            long unread = length;
            int start = 0;
            int end = 0;
            int scanned = 0;
            // A line ended with CR as the last byte read: a LF that comes first next is that line's end.
            boolean afterCr = false;
            while (going) {
                if (afterCr && start < end) {
                    if (buffer[start] == '\n') {
                        start++;
                        scanned = start;
                    }
                    afterCr = false;
                }
                for (int i = scanned; i < end && going; i++) {
                    byte b = buffer[i];
                    if (b == '\n' || b == '\r') {
                        line(buffer, start, i);
                        if (b == '\r') {
                            if (i + 1 < end) {
                                if (buffer[i + 1] == '\n') {
                                    i++;
                                }
                            } else {
                                afterCr = true;
                            }
                        }
                        start = i + 1;
                    }
                }
                if (!going) {
                    return false;
                }
                if (end - start > MAX_LINE_BYTES) {
                    tooLong();
                    return false;
                }
                if (unread == 0) {
                    if (start < end) {
                        line(buffer, start, end);
                    }
                    if (lineNo == 0) {
                        header(buffer, 0, 0);
                    }
                    return going;
                }
                // Keep the unfinished line (at most MAX_LINE_BYTES) at the front and fill the rest.
                System.arraycopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
                scanned = end;
                window.limit((int) Math.min(buffer.length, end + unread)).position(end);
                int n = in.read(window);
                if (n <= 0) {
                    // Shorter than when opened: it is being rewritten. (A blocking channel never reads 0.)
                    return false;
                }
                end += n;
                unread -= n;
            }
            return false;
        }

        private void error(String message) {
            errors.add("line " + lineNo + ": " + message);
            if (errors.size() >= MAX_ERRORS) {
                going = false;
            }
        }

        private void tooLong() {
            lineNo++;
            // Nothing after a line this long is worth reading: it is not an account file.
            error("longer than " + MAX_LINE_BYTES + " bytes");
            going = false;
        }

        private void line(byte[] b, int from, int to) {
            if (to - from > MAX_LINE_BYTES) {
                tooLong();
                return;
            }
            lineNo++;
            if (lineNo == 1) {
                header(b, from, to);
                return;
            }
            if (!Utf8.valid(b, from, to)) {
                error("not valid UTF-8");
                return;
            }
            int start = skipSpace(b, from, to);
            int end = trimEnd(b, start, to);
            if (start == end || b[start] == '#') {
                return;
            }
            int comma = indexOf(b, ',', start, end);
            if (comma < 0 || indexOf(b, ',', comma + 1, end) >= 0) {
                error("expected two fields 'account,home'");
                return;
            }
            int idEnd = trimEnd(b, start, comma);
            int homeStart = skipSpace(b, comma + 1, end);
            if (!validId(b, start, idEnd)) {
                error("account id must be 1.." + AccountId.MAX_LENGTH + " visible characters");
                return;
            }
            int home = homeIndex(b, homeStart, end);
            if (home < 0) {
                error("home '" + shown(new String(b, homeStart, end - homeStart, StandardCharsets.UTF_8))
                        + "' is not an ISO 3166-1 alpha-2 country code");
                return;
            }
            if (!errors.isEmpty()) {
                // The file is refused already; only its other errors are still of interest.
                return;
            }
            if (!records.add(b, start, idEnd, home)) {
                error("the account ids take more than " + ((long) CompactDirectory.MAX_CHUNKS * CompactDirectory.CHUNK_SIZE >> 20)
                        + " MiB");
                going = false;
                return;
            }
            lineNumbers.add(records.count() - 1, lineNo);
        }

        private void header(byte[] b, int from, int to) {
            lineNo = 1;
            String text = Utf8.valid(b, from, to) ? new String(b, from, to - from, StandardCharsets.UTF_8) : "";
            if (!text.strip().replace(" ", "").equalsIgnoreCase("account,home")) {
                errors.add("line 1: the header must be 'account,home'");
                going = false;
            }
        }

        /** As {@link AccountId#isValid}: 1 to 256 UTF-16 units, none a space or control ({@code <= ' '} or DEL). */
        private static boolean validId(byte[] b, int from, int to) {
            if (from == to || to - from > CompactDirectory.MAX_ID_BYTES) {
                return false;
            }
            int units = 0;
            for (int i = from; i < to; i++) {
                int c = b[i] & 0xff;
                if (c <= ' ' || c == 0x7f) {
                    return false;
                }
                // In valid UTF-8, every byte but a continuation byte starts a character; a 4-byte one is two units.
                if ((c & 0xc0) != 0x80) {
                    units += c >= 0xf0 ? 2 : 1;
                }
            }
            return units <= AccountId.MAX_LENGTH;
        }

        /** The home index of two ASCII letters naming an assigned code, or -1. */
        private static int homeIndex(byte[] b, int from, int to) {
            if (to - from != 2) {
                return -1;
            }
            int first = letter(b[from]);
            int second = letter(b[from + 1]);
            if (first < 0 || second < 0 || !ASSIGNED[first * 26 + second]) {
                return -1;
            }
            return first * 26 + second;
        }

        private static int letter(byte c) {
            if (c >= 'A' && c <= 'Z') {
                return c - 'A';
            }
            return c >= 'a' && c <= 'z' ? c - 'a' : -1;
        }

        CompactDirectory build(String name) throws AccountFileException {
            List<int[]> repeats = new ArrayList<>();
            CompactDirectory directory = records.build((record, firstPlace) -> {
                repeats.add(new int[] {record, firstPlace});
                return repeats.size() < MAX_ERRORS;
            });
            if (repeats.isEmpty()) {
                return directory;
            }
            int[] places = repeats.stream().mapToInt(r -> r[1]).sorted().distinct().toArray();
            int[] firstRecords = records.recordsAt(places);
            List<String> duplicates = new ArrayList<>();
            for (int[] repeat : repeats) {
                int firstRecord = firstRecords[Arrays.binarySearch(places, repeat[1])];
                duplicates.add("line " + lineNumbers.lineOf(repeat[0]) + ": account '" + shown(records.idAt(repeat[1]))
                        + "' is listed twice (first on line " + lineNumbers.lineOf(firstRecord) + ")");
            }
            throw new AccountFileException(name, duplicates);
        }
    }

    /**
     * The line of each record, kept as the points where "line minus record number" changes (after a
     * header, blank or comment line), so that a file without such lines costs one entry.
     */
    private static final class LineNumbers {
        private int[] records = new int[16];
        private int[] offsets = new int[16];
        private int size;

        void add(int record, int line) {
            int offset = line - record;
            if (size > 0 && offsets[size - 1] == offset) {
                return;
            }
            if (size == records.length) {
                records = Arrays.copyOf(records, size * 2);
                offsets = Arrays.copyOf(offsets, size * 2);
            }
            records[size] = record;
            offsets[size++] = offset;
        }

        int lineOf(int record) {
            int i = Arrays.binarySearch(records, 0, size, record);
            return record + offsets[i >= 0 ? i : -i - 2];
        }
    }

    private static int skipSpace(byte[] b, int from, int to) {
        while (from < to && (b[from] & 0xff) <= ' ') {
            from++;
        }
        return from;
    }

    private static int trimEnd(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] & 0xff) <= ' ') {
            to--;
        }
        return to;
    }

    private static int indexOf(byte[] b, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** Text from the file for a message: controls made visible, cut after 64 characters. */
    private static String shown(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 64; i++) {
            char c = text.charAt(i);
            out.append(c < ' ' || c == 0x7f ? '?' : c);
        }
        return out.length() < text.length() ? out + "…" : out.toString();
    }

    /** Strict UTF-8, as Java's decoder reads it: no overlong forms, no surrogates, nothing past U+10FFFF. */
    static final class Utf8 {
        private Utf8() {
        }

        static boolean valid(byte[] b, int from, int to) {
            int i = from;
            while (i < to) {
                int c = b[i] & 0xff;
                if (c < 0x80) {
                    i++;
                    continue;
                }
                int need;
                int min2 = 0x80;
                int max2 = 0xbf;
                if (c >= 0xc2 && c <= 0xdf) {
                    need = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                    need = 2;
                    if (c == 0xe0) {
                        min2 = 0xa0;
                    } else if (c == 0xed) {
                        max2 = 0x9f;
                    }
                } else if (c >= 0xf0 && c <= 0xf4) {
                    need = 3;
                    if (c == 0xf0) {
                        min2 = 0x90;
                    } else if (c == 0xf4) {
                        max2 = 0x8f;
                    }
                } else {
                    return false;
                }
                if (to - i <= need) {
                    return false;
                }
                int second = b[i + 1] & 0xff;
                if (second < min2 || second > max2) {
                    return false;
                }
                for (int k = 2; k <= need; k++) {
                    if ((b[i + k] & 0xc0) != 0x80) {
                        return false;
                    }
                }
                i += need + 1;
            }
            return true;
        }
    }
}
