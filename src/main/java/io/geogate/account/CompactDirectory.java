package io.geogate.account;

import io.geogate.country.CountryCode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * An immutable account-to-home table that answers by the account id itself, compactly: ten million
 * accounts with 12-character ids take about 190 MB.
 *
 * <p>Ids are kept as the UTF-8 bytes the file wrote, in an arena of byte chunks (256 KiB each, so the
 * arena grows without copying and is not bound by one array's size). A record is a two-byte header,
 * the home as an index {@code (letter1 * 26 + letter2)} in its upper ten bits and the id's length in its
 * lower six, then the id; an id of 64 bytes or more has a length field of 0 and its length in the two
 * bytes that follow. An open-addressing table of ints (linear probing, load factor 0.75, slot chosen
 * from the top bits of a 64-bit hash of the id) points at the records: each int holds a record's
 * place in the arena in its low bits and, in the bits the place does not need, a fingerprint of the
 * hash, so a probe past another id's slot seldom reads the arena. The hash only narrows the search:
 * an id's home is given only when its bytes equal a record's, so an id that shares a hash with an
 * account (which anyone can search for offline, since the hash has no key) is still not that account.
 */
public final class CompactDirectory {

    /** A hash of an id's UTF-8 bytes; a parameter only so that tests can make every id collide. */
    @FunctionalInterface
    interface IdHash {
        IdHash DEFAULT = CompactDirectory::hash;

        long of(byte[] utf8, int from, int to);
    }

    /**
     * 256 KiB: below half of G1's smallest region (1 MiB), so that a chunk is an ordinary object. A
     * "humongous" one (half a region or more) would take whole regions, nearly doubling the arena in a small heap.
     */
    static final int CHUNK_BITS = 18;
    static final int CHUNK_SIZE = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK_SIZE - 1;
    /** Places must leave at least one bit of the int for the fingerprint, and stay positive: 2 GiB of records. */
    static final int MAX_CHUNKS = 1 << (31 - CHUNK_BITS);
    /** Lengths up to this fit in the header's six bits; 0 there means the length follows in two bytes. */
    private static final int SHORT_LENGTH = 63;
    private static final int HOME_SHIFT = 6;
    /** Longest id in bytes: 256 UTF-16 units of up to 3 bytes each (a 4-byte sequence is two units). */
    static final int MAX_ID_BYTES = AccountId.MAX_LENGTH * 3;

    /** Every home index as a value, so that a lookup allocates nothing but its Optional and the id's bytes. */
    private static final CountryCode[] HOMES = new CountryCode[26 * 26];

    static {
        for (int i = 0; i < HOMES.length; i++) {
            HOMES[i] = new CountryCode(new String(new char[] {(char) ('A' + i / 26), (char) ('A' + i % 26)}));
        }
    }

    private final byte[][] chunks;
    private final int[] slots;
    private final int placeBits;
    private final int placeMask;
    private final int fingerprintMask;
    private final IdHash hash;
    private final int size;

    private CompactDirectory(byte[][] chunks, int[] slots, int placeBits, IdHash hash, int size) {
        this.chunks = chunks;
        this.slots = slots;
        this.placeBits = placeBits;
        this.placeMask = (int) ((1L << placeBits) - 1);
        this.fingerprintMask = (int) ((1L << (32 - placeBits)) - 1);
        this.hash = hash;
        this.size = size;
    }

    /** The home of {@code accountId}, compared exactly as the file wrote it; empty when it is not listed. */
    public Optional<CountryCode> home(String accountId) {
        if (accountId.isEmpty() || accountId.length() > AccountId.MAX_LENGTH) {
            return Optional.empty();
        }
        int utf8Length = utf8Length(accountId);
        if (utf8Length < 0) {
            // An unpaired surrogate has no UTF-8 form, so no file can hold this id.
            return Optional.empty();
        }
        // The hash and the comparison encode the id as they go: a lookup allocates nothing but its Optional.
        long h;
        if (hash == IdHash.DEFAULT) {
            h = hash(accountId);
        } else {
            byte[] bytes = accountId.getBytes(StandardCharsets.UTF_8);
            h = hash.of(bytes, 0, bytes.length);
        }
        int fingerprint = fingerprint(h, fingerprintMask);
        int[] table = slots;
        for (int i = slotOf(h, table.length); ; i = i + 1 == table.length ? 0 : i + 1) {
            int slot = table[i];
            if (slot == 0) {
                return Optional.empty();
            }
            if (slot >>> placeBits == fingerprint) {
                int place = slot & placeMask;
                byte[] chunk = chunks[place >>> CHUNK_BITS];
                int at = place & CHUNK_MASK;
                int header = header(chunk, at);
                if (length(chunk, at, header) == utf8Length && sameId(chunk, idStart(at, header), accountId)) {
                    return Optional.of(HOMES[header >>> HOME_SHIFT]);
                }
            }
        }
    }

    public int size() {
        return size;
    }

    /** The length of {@code s} in UTF-8, or -1 when it holds an unpaired surrogate. */
    private static int utf8Length(String s) {
        int length = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                length++;
            } else if (c < 0x800) {
                length += 2;
            } else if (!Character.isSurrogate(c)) {
                length += 3;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                return -1;
            }
        }
        return length;
    }

    /**
     * Whether the UTF-8 bytes from {@code at} (as many as {@code s} encodes to, already checked) are
     * {@code s}, encoded character by character. {@code s} has no unpaired surrogate.
     */
    private static boolean sameId(byte[] chunk, int at, String s) {
        int p = at;
        for (int i = 0; i < s.length(); i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                if (chunk[p++] != (byte) c) {
                    return false;
                }
                continue;
            }
            if (Character.isHighSurrogate((char) c)) {
                c = Character.toCodePoint((char) c, s.charAt(++i));
            }
            int n = utf8Bytes(c);
            for (int k = 0; k < n; k++) {
                if (chunk[p++] != utf8Byte(c, n, k)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The number of UTF-8 bytes of code point {@code c}. */
    private static int utf8Bytes(int c) {
        return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }

    /** Byte {@code k} of the {@code n}-byte UTF-8 form of code point {@code c}. */
    private static byte utf8Byte(int c, int n, int k) {
        if (n == 1) {
            return (byte) c;
        }
        int shift = 6 * (n - 1 - k);
        if (k == 0) {
            // The lead byte: n high ones, a zero, then the top bits.
            return (byte) ((0xff00 >> n) & 0xff | c >> shift);
        }
        return (byte) (0x80 | (c >> shift) & 0x3f);
    }

    private static int header(byte[] chunk, int at) {
        return (chunk[at] & 0xff) << 8 | (chunk[at + 1] & 0xff);
    }

    private static int length(byte[] chunk, int at, int header) {
        int length = header & SHORT_LENGTH;
        return length != 0 ? length : (chunk[at + 2] & 0xff) << 8 | (chunk[at + 3] & 0xff);
    }

    private static int idStart(int at, int header) {
        return at + ((header & SHORT_LENGTH) != 0 ? 2 : 4);
    }

    /** Maps a hash's top 32 bits onto {@code [0, length)} by multiplication (no modulo, no power-of-two size). */
    private static int slotOf(long hash, int length) {
        return (int) (((hash >>> 32) * length) >>> 32);
    }

    /**
     * Bits 10 and up of the hash, as many as the slot leaves free: the top bits choose the slot, and
     * these are the ones the 54-bit table kept, so ids whose 54-bit hashes collide also share a fingerprint.
     */
    private static int fingerprint(long hash, int mask) {
        return (int) (hash >>> 10) & mask;
    }

    /**
     * FNV-1a over the bytes {@code [from, to)}, then MurmurHash3's fmix64 so that every input bit
     * reaches the top bits the slots use. For an ASCII id this is the value the former table took over its chars.
     */
    static long hash(byte[] bytes, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= bytes[i] & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** MurmurHash3's fmix64. */
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** {@link #hash(byte[], int, int)} of the UTF-8 form of {@code s} (no unpaired surrogates), without making it. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                h ^= c;
                h *= 0x100000001b3L;
                continue;
            }
            if (Character.isHighSurrogate((char) c)) {
                c = Character.toCodePoint((char) c, s.charAt(++i));
            }
            int n = utf8Bytes(c);
            for (int k = 0; k < n; k++) {
                h ^= utf8Byte(c, n, k) & 0xff;
                h *= 0x100000001b3L;
            }
        }
        return mix(h);
    }

    /** The home a home index {@code (letter1 * 26 + letter2)} stands for. */
    static CountryCode homeAt(int index) {
        return HOMES[index];
    }

    /**
     * Collects records, then builds the table once their number is known, so the load holds the
     * records and the final table and nothing else of size.
     */
    static final class Builder {

        /** Told of an id seen before: which record (by order of adding) repeats the one at {@code firstPlace}. */
        @FunctionalInterface
        interface Duplicates {
            /** Returns false to stop looking for more. */
            boolean found(int record, int firstPlace);
        }

        private final IdHash hash;
        private byte[][] chunks = new byte[4][];
        /** Bytes used in each chunk before the current one. */
        private int[] used = new int[4];
        private int current;
        private byte[] chunk;
        private int at;
        private int count;

        Builder(IdHash hash) {
            this.hash = hash;
            // Small first, grown to a whole chunk by doubling, so a small file costs little.
            chunk = new byte[4096];
            chunks[0] = chunk;
            // Place 0 is never a record, so that an int slot of 0 can mean empty.
            at = 1;
        }

        int count() {
            return count;
        }

        /**
         * Adds the id in {@code bytes[from, to)} (valid UTF-8, at most {@link #MAX_ID_BYTES}) with its home index.
         * Returns false, adding nothing, when the arena is full (2 GiB).
         */
        boolean add(byte[] bytes, int from, int to, int home) {
            int length = to - from;
            int recordLength = (length <= SHORT_LENGTH ? 2 : 4) + length;
            if (at + recordLength > chunk.length) {
                if (chunk.length < CHUNK_SIZE) {
                    chunk = Arrays.copyOf(chunk, Math.min(CHUNK_SIZE, Math.max(chunk.length * 2, at + recordLength)));
                    chunks[current] = chunk;
                } else {
                    if (current + 1 == MAX_CHUNKS) {
                        return false;
                    }
                    if (current + 1 == chunks.length) {
                        chunks = Arrays.copyOf(chunks, chunks.length * 2);
                        used = Arrays.copyOf(used, used.length * 2);
                    }
                    used[current++] = at;
                    chunk = new byte[CHUNK_SIZE];
                    chunks[current] = chunk;
                    at = 0;
                }
            }
            int header = home << HOME_SHIFT | (length <= SHORT_LENGTH ? length : 0);
            chunk[at] = (byte) (header >>> 8);
            chunk[at + 1] = (byte) header;
            int start = at + 2;
            if (length > SHORT_LENGTH) {
                chunk[at + 2] = (byte) (length >>> 8);
                chunk[at + 3] = (byte) length;
                start = at + 4;
            }
            System.arraycopy(bytes, from, chunk, start, length);
            at = start + length;
            count++;
            return true;
        }

        /**
         * Builds the directory, telling {@code duplicates} of every record whose id an earlier one has;
         * a duplicate is left out. The builder must not be used afterwards.
         */
        CompactDirectory build(Duplicates duplicates) {
            byte[][] arena = Arrays.copyOf(chunks, current + 1);
            // The last chunk is cut to what it holds; the full ones waste less than one record each.
            arena[current] = Arrays.copyOf(chunk, at);
            used[current] = at;
            int lastPlace = current << CHUNK_BITS | Math.max(0, at - 1);
            int placeBits = Math.max(1, 32 - Integer.numberOfLeadingZeros(lastPlace));
            int placeMask = (int) ((1L << placeBits) - 1);
            int fingerprintMask = (int) ((1L << (32 - placeBits)) - 1);
            int[] slots = new int[(int) Math.min(Integer.MAX_VALUE - 8, count + count / 3L + 1)];
            int record = 0;
            int repeated = 0;
            boolean looking = true;
            for (int c = 0; c <= current; c++) {
                byte[] chunk = arena[c];
                for (int at = c == 0 ? 1 : 0; at < used[c]; record++) {
                    int header = header(chunk, at);
                    int length = length(chunk, at, header);
                    int start = idStart(at, header);
                    long h = hash.of(chunk, start, start + length);
                    int fingerprint = fingerprint(h, fingerprintMask);
                    int place = c << CHUNK_BITS | at;
                    for (int i = slotOf(h, slots.length); ; i = i + 1 == slots.length ? 0 : i + 1) {
                        int slot = slots[i];
                        if (slot == 0) {
                            slots[i] = fingerprint << placeBits | place;
                            break;
                        }
                        if (slot >>> placeBits == fingerprint && sameId(arena, slot & placeMask, chunk, start, length)) {
                            repeated++;
                            if (looking) {
                                looking = duplicates.found(record, slot & placeMask);
                            }
                            break;
                        }
                    }
                    at = start + length;
                }
            }
            chunks = arena;
            return new CompactDirectory(arena, slots, placeBits, hash, count - repeated);
        }

        private static boolean sameId(byte[][] arena, int place, byte[] chunk, int start, int length) {
            byte[] other = arena[place >>> CHUNK_BITS];
            int at = place & CHUNK_MASK;
            int header = header(other, at);
            int otherStart = idStart(at, header);
            return length(other, at, header) == length
                    && Arrays.equals(other, otherStart, otherStart + length, chunk, start, start + length);
        }

        /** The id of the record at {@code place}, for messages. */
        String idAt(int place) {
            byte[] c = chunks[place >>> CHUNK_BITS];
            int at = place & CHUNK_MASK;
            int header = header(c, at);
            return new String(c, idStart(at, header), length(c, at, header), StandardCharsets.UTF_8);
        }

        /** The order of adding of the records at the given places (ascending), for messages. */
        int[] recordsAt(int[] places) {
            int[] records = new int[places.length];
            int next = 0;
            int record = 0;
            for (int c = 0; c <= current && next < places.length; c++) {
                byte[] chunk = chunks[c];
                for (int at = c == 0 ? 1 : 0; at < used[c] && next < places.length; record++) {
                    int place = c << CHUNK_BITS | at;
                    while (next < places.length && places[next] == place) {
                        records[next++] = record;
                    }
                    int header = header(chunk, at);
                    at = idStart(at, header) + length(chunk, at, header);
                }
            }
            return records;
        }
    }
}
