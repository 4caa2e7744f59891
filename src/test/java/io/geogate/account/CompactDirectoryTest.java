package io.geogate.account;

import io.geogate.country.CountryCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The directory answers by the id itself: a shared hash never lends one account's home to another id. */
class CompactDirectoryTest {

    /**
     * Two ids whose 64-bit hashes (FNV-1a, then fmix64) agree in their top 54 bits: the bits the old
     * table kept instead of the id. Found offline with Brent's cycle search over {@code "c" + base-36}
     * numbers, about four minutes of one core; anyone can search the same way, since the hash has no key.
     */
    private static final String TWIN_A = "c20gugwy5lxs";
    private static final String TWIN_B = "c3wegaaircto";

    @TempDir
    Path dir;

    private CompactDirectory load(String text) throws IOException, AccountFileException {
        Path file = dir.resolve("accounts-" + System.nanoTime() + ".csv");
        Files.writeString(file, text);
        return AccountFile.load(file);
    }

    /** FNV-1a over the bytes, then MurmurHash3's fmix64: written out here so the pair's collision is checked independently. */
    private static long fnvFmix(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    @Test
    void theTwinsReallyShareTheirTop54HashBits() {
        assertThat(TWIN_A).isNotEqualTo(TWIN_B);
        assertThat(fnvFmix(TWIN_A) >>> 10).isEqualTo(fnvFmix(TWIN_B) >>> 10);
        byte[] a = TWIN_A.getBytes(StandardCharsets.UTF_8);
        byte[] b = TWIN_B.getBytes(StandardCharsets.UTF_8);
        // The directory's own hash is the same function, so the twins land in one slot with one fingerprint.
        assertThat(CompactDirectory.hash(a, 0, a.length)).isEqualTo(fnvFmix(TWIN_A));
        assertThat(CompactDirectory.hash(b, 0, b.length)).isEqualTo(fnvFmix(TWIN_B));
    }

    @Test
    void aLookupHashesTheIdsUtf8FormAsTheLoaderHashesTheFilesBytes() {
        for (String id : new String[] {"alice", "Åsa", "мария", "用户", "\uD83D\uDE00x", "\u0085", "a\uFFFFb", "\uDBFF\uDFFF"}) {
            byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
            assertThat(CompactDirectory.hash(id)).as(id).isEqualTo(CompactDirectory.hash(utf8, 0, utf8.length));
        }
    }

    @Test
    void anUnknownIdWhoseHashCollidesWithAKnownOneHasNoHome() throws Exception {
        CompactDirectory d = load("account,home\n" + TWIN_A + ",PK\n");
        assertThat(d.home(TWIN_A)).contains(new CountryCode("PK"));
        assertThat(d.home(TWIN_B)).isEmpty();
        CompactDirectory other = load("account,home\n" + TWIN_B + ",DE\n");
        assertThat(other.home(TWIN_A)).isEmpty();
    }

    @Test
    void twoIdsWhoseHashesCollideHaveTheirOwnHomes() throws Exception {
        CompactDirectory d = load("account,home\n" + TWIN_A + ",PK\nbob,GB\n" + TWIN_B + ",DE\n");
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.home(TWIN_A)).contains(new CountryCode("PK"));
        assertThat(d.home(TWIN_B)).contains(new CountryCode("DE"));
        assertThat(d.home("bob")).contains(new CountryCode("GB"));
        assertThat(d.home("carol")).isEmpty();
    }

    @Test
    void aTwinListedTwiceIsStillADuplicate() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> load("account,home\n" + TWIN_A + ",PK\n" + TWIN_B + ",DE\n" + TWIN_A + ",GB\n"));
        assertThat(e.errors()).containsExactly("line 4: account '" + TWIN_A + "' is listed twice (first on line 2)");
    }

    @Test
    void whenEveryIdSharesOneHashEachStillGetsItsOwnHome() throws Exception {
        StringBuilder text = new StringBuilder("account,home\n");
        String[] homes = {"PK", "DE", "GB"};
        for (int i = 0; i < 500; i++) {
            text.append("id-").append(i).append(',').append(homes[i % 3]).append('\n');
        }
        Path file = dir.resolve("one-hash.csv");
        Files.writeString(file, text);
        CompactDirectory d = AccountFile.load(file, AccountFile.Source.FILES, (bytes, from, to) -> 0x5eed_0000_0000_0000L);
        assertThat(d.size()).isEqualTo(500);
        for (int i = 0; i < 500; i++) {
            assertThat(d.home("id-" + i)).as("id-" + i).contains(new CountryCode(homes[i % 3]));
        }
        assertThat(d.home("id-500")).isEmpty();
        assertThat(d.home("id-")).isEmpty();
        assertThat(d.home("id-1 ")).isEmpty();
    }
}
