package io.geogate.account;

import io.geogate.country.CountryCode;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable account-to-home table that holds ten million accounts in about 80 MB.
 *
 * <p>Each account is one {@code long}: the upper 54 bits of a 64-bit hash of its id, and in the
 * lower 10 bits the home as an index {@code (letter1 * 26 + letter2)}. The array is sorted, so a
 * lookup is one binary search. Ids whose 54-bit hashes collide are marked with {@link #COLLIDED}
 * and held exactly in a small side map. An id that is not in the table can still share a hash with
 * one that is; with 54 bits and ten million accounts that is about one lookup in 2^31.
 */
public final class CompactDirectory {

    static final int HOME_BITS = 10;
    static final long HOME_MASK = (1L << HOME_BITS) - 1;
    static final int COLLIDED = (int) HOME_MASK;

    /** Every home index as a value, so that a lookup allocates nothing but its Optional. */
    private static final CountryCode[] HOMES = new CountryCode[26 * 26];

    static {
        for (int i = 0; i < HOMES.length; i++) {
            HOMES[i] = new CountryCode(new String(new char[] {(char) ('A' + i / 26), (char) ('A' + i % 26)}));
        }
    }

    private final long[] entries;
    private final Map<String, CountryCode> collided;
    private final int size;

    CompactDirectory(long[] sortedEntries, Map<String, CountryCode> collided) {
        this.entries = sortedEntries;
        this.collided = Map.copyOf(collided);
        int collidedHashes = 0;
        for (long e : entries) {
            if ((e & HOME_MASK) == COLLIDED) {
                collidedHashes++;
            }
        }
        this.size = entries.length - collidedHashes + collided.size();
    }

    public Optional<CountryCode> home(String accountId) {
        long key = hash(accountId) & ~HOME_MASK;
        int at = Arrays.binarySearch(entries, key);
        int index = at >= 0 ? at : -at - 1;
        if (index >= entries.length || (entries[index] & ~HOME_MASK) != key) {
            return Optional.empty();
        }
        int home = (int) (entries[index] & HOME_MASK);
        if (home == COLLIDED) {
            return Optional.ofNullable(collided.get(accountId));
        }
        return Optional.of(HOMES[home]);
    }

    public int size() {
        return size;
    }

    /** FNV-1a over the UTF-16 units, then MurmurHash3's fmix64 so that every input bit reaches the top bits. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
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

    static int indexOf(CountryCode home) {
        return (home.value().charAt(0) - 'A') * 26 + (home.value().charAt(1) - 'A');
    }
}
