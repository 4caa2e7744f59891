package io.geogate.account;

import io.geogate.country.CountryCode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AccountFileTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws Exception {
        Path file = dir.resolve("accounts-" + System.nanoTime() + ".csv");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void homesAreFoundAndUnknownAccountsAreNot() throws Exception {
        CompactDirectory d = AccountFile.load(csv("account,home\nalice,PK\nbob,de\n\n# comment\n carol , GB \n"));
        assertThat(d.home("alice")).contains(new CountryCode("PK"));
        assertThat(d.home("bob")).contains(new CountryCode("DE"));
        assertThat(d.home("carol")).contains(new CountryCode("GB"));
        assertThat(d.home("mallory")).isEmpty();
        assertThat(d.home("Alice")).isEmpty();
        assertThat(d.size()).isEqualTo(3);
    }

    @Test
    void manyAccountsAreAllFound() throws Exception {
        StringBuilder text = new StringBuilder("account,home\n");
        String[] homes = {"PK", "DE", "GB", "US", "ZW", "AA"};
        for (int i = 0; i < 100_000; i++) {
            text.append("user-").append(i).append(',').append(homes[i % 5]).append('\n');
        }
        CompactDirectory d = AccountFile.load(csv(text.toString()));
        assertThat(d.size()).isEqualTo(100_000);
        for (int i = 0; i < 100_000; i += 7) {
            assertThat(d.home("user-" + i)).as("user-" + i).contains(new CountryCode(homes[i % 5]));
        }
        assertThat(d.home("user-100000")).isEmpty();
    }

    @Test
    void badLinesRefuseTheWholeFileNamingEachLine() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\nalice,PK\nbob,XX\ncarol\ndave,DE,extra\n,GB\n")));
        assertThat(e.errors()).containsExactly(
                "line 3: home 'XX' is not an ISO 3166-1 alpha-2 country code",
                "line 4: expected two fields 'account,home'",
                "line 5: expected two fields 'account,home'",
                "line 6: account id must be 1..256 visible characters");
    }

    @Test
    void missingHeaderIsRefused() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class, () -> AccountFile.load(csv("alice,PK\n")));
        assertThat(e.errors()).singleElement().asString().contains("header");
    }

    @Test
    void duplicateAccountIsRefused() throws Exception {
        AccountFileException e = catchThrowableOfType(AccountFileException.class,
                () -> AccountFile.load(csv("account,home\nalice,PK\nbob,DE\nalice,GB\n")));
        assertThat(e.errors()).singleElement().asString().contains("line 4").contains("alice");
    }

    private static long hash(String id) {
        return CompactDirectory.hash(id, 0, id.length());
    }

    @Test
    void collidingHashesAreResolvedExactly() {
        long alice = hash("alice") & ~CompactDirectory.HOME_MASK;
        long[] slots = CompactDirectory.emptyTable(3);
        assertThat(CompactDirectory.insert(slots, alice | CompactDirectory.indexOf(new CountryCode("PK")))).isTrue();
        // A second id with alice's 54-bit hash: the slot is marked, and both ids are held exactly.
        assertThat(CompactDirectory.insert(slots, alice | CompactDirectory.indexOf(new CountryCode("DE")))).isFalse();
        assertThat(CompactDirectory.insert(slots, hash("bob") & ~CompactDirectory.HOME_MASK
                | CompactDirectory.indexOf(new CountryCode("GB")))).isTrue();
        CompactDirectory d = CompactDirectory.of(slots, Map.of("alice", new CountryCode("PK"), "alice-twin", new CountryCode("DE")), 3);
        assertThat(d.home("alice")).contains(new CountryCode("PK"));
        assertThat(d.home("alice-twin")).isEmpty();
        assertThat(d.home("bob")).contains(new CountryCode("GB"));
        assertThat(d.home("carol")).isEmpty();
    }
}
