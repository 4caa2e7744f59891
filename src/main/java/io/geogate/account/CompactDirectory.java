package io.geogate.account;

import io.geogate.country.CountryCode;

import java.util.Map;
import java.util.Optional;

/**
 * An immutable account-to-home table that holds ten million accounts in about 110 MB.
 *
 * <p>Each account is one {@code long}: the upper 54 bits of a 64-bit hash of its id, and in the
 * lower 10 bits the home as an index {@code (letter1 * 26 + letter2)}. The longs live in an
 * open-addressing table (linear probing, load factor 0.75, slot chosen from the hash's top bits), so
 * a lookup usually reads one cache line. Ids whose 54-bit hashes collide share one slot marked
 * {@link #COLLIDED} and are held exactly in a small side map. An id that is not in the table can
 * still share a hash with one that is: with 54 bits and ten million accounts, about one lookup in 2^31.
 */
public final class CompactDirectory {

    static final int HOME_BITS = 10;
    static final long HOME_MASK = (1L << HOME_BITS) - 1;
    static final int COLLIDED = (int) HOME_MASK;
    /** An empty slot: no account packs to 0, whose home index would be the unassigned {@code AA}. */
    private static final long EMPTY = 0;

    /** Every home index as a value, so that a lookup allocates nothing but its Optional. */
    private static final CountryCode[] HOMES = new CountryCode[26 * 26];

    static {
        for (int i = 0; i < HOMES.length; i++) {
            HOMES[i] = new CountryCode(new String(new char[] {(char) ('A' + i / 26), (char) ('A' + i % 26)}));
        }
    }

    private final long[] slots;
    private final Map<String, CountryCode> collided;
    private final int size;

    private CompactDirectory(long[] slots, Map<String, CountryCode> collided, int size) {
        this.slots = slots;
        this.collided = Map.copyOf(collided);
        this.size = size;
    }

    /** The table's slots for {@code count} accounts. */
    static long[] emptyTable(int count) {
        return new long[Math.max(8, (int) Math.min(Integer.MAX_VALUE - 8, count + (count / 3L) + 1))];
    }

    /**
     * Puts a packed entry in the table. Returns false when an entry with the same hash is there already
     * (a duplicate id or a hash collision), which is then marked {@link #COLLIDED}.
     */
    static boolean insert(long[] slots, long packed) {
        long key = packed & ~HOME_MASK;
        for (int i = slotOf(key, slots.length); ; i = i + 1 == slots.length ? 0 : i + 1) {
            long e = slots[i];
            if (e == EMPTY) {
                slots[i] = packed;
                return true;
            }
            if ((e & ~HOME_MASK) == key) {
                slots[i] = key | COLLIDED;
                return false;
            }
        }
    }

    /**
     * @param slots    a table filled by {@link #insert}
     * @param collided the exact homes of the ids whose hashes collided
     * @param size     the number of distinct accounts
     */
    static CompactDirectory of(long[] slots, Map<String, CountryCode> collided, int size) {
        return new CompactDirectory(slots, collided, size);
    }

    /** Maps a key's top 32 bits onto {@code [0, length)} by multiplication (no modulo, no power-of-two size). */
    private static int slotOf(long key, int length) {
        return (int) (((key >>> 32) * length) >>> 32);
    }

    public Optional<CountryCode> home(String accountId) {
        long key = hash(accountId, 0, accountId.length()) & ~HOME_MASK;
        long[] table = slots;
        for (int i = slotOf(key, table.length); ; i = i + 1 == table.length ? 0 : i + 1) {
            long e = table[i];
            if (e == EMPTY) {
                return Optional.empty();
            }
            if ((e & ~HOME_MASK) == key) {
                int home = (int) (e & HOME_MASK);
                return home == COLLIDED ? Optional.ofNullable(collided.get(accountId)) : Optional.of(HOMES[home]);
            }
        }
    }

    public int size() {
        return size;
    }

    /**
     * FNV-1a over the UTF-16 units of {@code s[from, to)}, then MurmurHash3's fmix64 so that every input
     * bit reaches the top bits the buckets use.
     */
    static long hash(CharSequence s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The home a packed entry's index stands for: the inverse of {@link #indexOf}. */
    static CountryCode homeAt(int index) {
        return HOMES[index];
    }

    static int indexOf(CountryCode home) {
        return (home.value().charAt(0) - 'A') * 26 + (home.value().charAt(1) - 'A');
    }
}
