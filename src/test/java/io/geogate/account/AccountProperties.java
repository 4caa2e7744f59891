package io.geogate.account;

// Property-based tests of account ids and the account header. CI runs the tries written here (about a
// second); a longer run multiplies them: ./mvnw test -Dtest='AccountProperties' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.testing.ScaledTries;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Account ids are checked in one place ({@link AccountId#isValid}), and the account header is believed
 * only when a trusted peer sends exactly one valid id: sent twice, invalid, or from anyone else, it is
 * no account. Checked against a real file directory.
 */
@AddLifecycleHook(ScaledTries.class)
class AccountProperties {

    private static final String HEADER = "X-Account-Id";
    private static final AccountResolver RESOLVER = new AccountResolver(HEADER, Optional.empty());
    private static final AccountDirectory DIRECTORY = directory();

    private static AccountDirectory directory() {
        try {
            Path file = Files.createTempFile("accounts", ".csv");
            file.toFile().deleteOnExit();
            Files.writeString(file, "account,home\nalice,PK\nbob,DE\nü-user,GB\n" + "x".repeat(AccountId.MAX_LENGTH) + ",FR\n");
            return new FileDirectory(file, AccountFile.load(file));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Property(tries = 2000)
    void anIdIsValidExactlyWhenItIsOneTo256CharactersWithoutAsciiControlsOrSpaces(@ForAll("idLikeText") String text) {
        boolean expected = !text.isEmpty() && text.length() <= AccountId.MAX_LENGTH
                && text.chars().noneMatch(c -> c <= ' ' || c == 0x7f);
        assertThat(AccountId.isValid(text)).isEqualTo(expected);
        if (expected) {
            assertThat(new AccountId(text).value()).isEqualTo(text);
        } else {
            assertThatThrownBy(() -> new AccountId(text)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Property(tries = 1000)
    void theHeaderNamesAnAccountOnlyWhenATrustedPeerSendsExactlyOneValidId(@ForAll("headerValues") List<String> values,
                                                                          @ForAll boolean peerTrusted) throws Exception {
        Identity identity = resolve(values, peerTrusted);
        boolean believable = peerTrusted && values.size() == 1 && AccountId.isValid(values.get(0).strip());
        if (!believable) {
            assertThat(identity).isEqualTo(Identity.NO_ACCOUNT);
            return;
        }
        String id = values.get(0).strip();
        Identity direct = AccountResolver.byDirectory(new AccountId(id), DIRECTORY).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        assertThat(identity).isEqualTo(direct);
        if (identity instanceof Identity.Homed homed) {
            assertThat(homed.id().value()).isEqualTo(id);
        }
    }

    @Property(tries = 300)
    void aKnownAccountSentTwiceOrBesideAnotherIsNoAccount(@ForAll("knownIds") String id, @ForAll("headerValues") List<String> others) {
        assertThat(resolve(List.of(id), true)).isInstanceOf(Identity.Homed.class);
        List<String> twice = new ArrayList<>(others);
        twice.add(id);
        twice.add(0, id);
        assertThat(resolve(twice, true)).isEqualTo(Identity.NO_ACCOUNT);
        assertThat(resolve(List.of(id), false)).isEqualTo(Identity.NO_ACCOUNT);
    }

    private static Identity resolve(List<String> values, boolean peerTrusted) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (!values.isEmpty()) {
            headers.put(HEADER, values);
        }
        Function<String, List<String>> lookup = name -> headers.getOrDefault(name, List.of());
        try {
            return RESOLVER.resolve(lookup, peerTrusted, DIRECTORY).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("resolution failed for " + values, e);
        }
    }

    @Provide
    Arbitrary<String> knownIds() {
        return Arbitraries.of("alice", "bob", "ü-user", "x".repeat(AccountId.MAX_LENGTH));
    }

    /** Strings near the rules' edges: lengths around 256, ASCII and Latin-1 controls, spaces, any Unicode. */
    @Provide
    Arbitrary<String> idLikeText() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.strings().withCharRange('!', '~').ofMinLength(0).ofMaxLength(300)),
                Tuple.of(2, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(20)),
                Tuple.of(2, Arbitraries.strings().all().ofMaxLength(20)),
                Tuple.of(1, Arbitraries.integers().between(250, 260).map(n -> "a".repeat(n))),
                Tuple.of(1, Arbitraries.of("", " ", "alice", " alice", "alice ", "al ice", "al\tice", "\u007f", "a\u007f",
                        "bob\r\nX-Injected: 1", "\u00a0", "ü-user")));
    }

    /** What a header can carry: zero, one or several values, known ids, padded ids and anything else. */
    @Provide
    Arbitrary<List<String>> headerValues() {
        Arbitrary<String> value = Arbitraries.frequencyOf(
                Tuple.of(3, knownIds()),
                Tuple.of(1, knownIds().map(id -> " " + id + "\t")),
                Tuple.of(2, idLikeText()));
        return value.list().ofMaxSize(3);
    }

    @Property(tries = 50)
    void directoryHomesAreWhatTheFileSays(@ForAll("knownIds") String id) {
        Identity identity = resolve(List.of(id), true);
        assertThat(identity).isInstanceOf(Identity.Homed.class);
        CountryCode home = ((Identity.Homed) identity).home();
        assertThat(home.value()).isIn("PK", "DE", "GB", "FR");
    }
}
