package io.geogate.account;

// Property tests of account ids and the account header, plain JUnit over generated inputs (io.geogate.testing.Generated:
// fixed seed by default, -Dgeogate.seed=N|random for others; a failure names the seed and the input).
// CI runs the tries written here (about a second); a longer run multiplies them:
// ./mvnw -B test -Dtest='AccountPropertiesTest' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.testing.Generated;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.geogate.testing.Generated.between;
import static io.geogate.testing.Generated.forAll;
import static io.geogate.testing.Generated.listOf;
import static io.geogate.testing.Generated.oneOf;
import static io.geogate.testing.Generated.range;
import static io.geogate.testing.Generated.string;
import static io.geogate.testing.Generated.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Account ids are checked in one place ({@link AccountId#isValid}), and the account header is believed
 * only when a trusted peer sends exactly one valid id: sent twice, invalid, or from anyone else, it is
 * no account. Checked against a real file directory.
 */
class AccountPropertiesTest {

    private static final String HEADER = "X-Account-Id";
    /** Tokens are not configured here, so the verification pool is never used; it only completes the resolver. */
    private static final io.vertx.core.Vertx VERTX = io.vertx.core.Vertx.vertx();
    private static final AccountResolver RESOLVER = new AccountResolver(HEADER, Optional.empty(),
            new io.geogate.token.VerificationPool(VERTX, 1));

    @org.junit.jupiter.api.AfterAll
    static void closeVertx() {
        VERTX.close();
    }
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

    @Test
    void anIdIsValidExactlyWhenItIsOneTo256CharactersWithoutAsciiControlsOrSpaces() {
        forAll(2000, AccountPropertiesTest::idLikeText, text -> {
            boolean expected = !text.isEmpty() && text.length() <= AccountId.MAX_LENGTH
                    && text.chars().noneMatch(c -> c <= ' ' || c == 0x7f);
            assertThat(AccountId.isValid(text)).isEqualTo(expected);
            if (expected) {
                assertThat(new AccountId(text).value()).isEqualTo(text);
            } else {
                assertThatThrownBy(() -> new AccountId(text)).isInstanceOf(IllegalArgumentException.class);
            }
        });
    }

    /** The values of the account header, and whether the peer that sent them is trusted. */
    record HeaderFromPeer(List<String> values, boolean peerTrusted) {
    }

    @Test
    void theHeaderNamesAnAccountOnlyWhenATrustedPeerSendsExactlyOneValidId() {
        forAll(1000, r -> new HeaderFromPeer(headerValues(r), r.nextBoolean()), in -> {
            List<String> values = in.values();
            Identity identity = resolve(values, in.peerTrusted());
            // A comma joins two values into one (Envoy's ext_authz sends repeated headers so): no account either.
            boolean believable = in.peerTrusted() && values.size() == 1 && values.get(0).indexOf(',') < 0
                    && AccountId.isValid(values.get(0).strip());
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
        });
    }

    /** A known id, and other header values to send beside it. */
    record KnownAndOthers(String id, List<String> others) {
    }

    @Test
    void aKnownAccountSentTwiceOrBesideAnotherIsNoAccount() {
        forAll(300, r -> new KnownAndOthers(knownId(r), headerValues(r)), in -> {
            String id = in.id();
            assertThat(resolve(List.of(id), true)).isInstanceOf(Identity.Homed.class);
            List<String> twice = new ArrayList<>(in.others());
            twice.add(id);
            twice.add(0, id);
            assertThat(resolve(twice, true)).isEqualTo(Identity.NO_ACCOUNT);
            assertThat(resolve(List.of(id), false)).isEqualTo(Identity.NO_ACCOUNT);
        });
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

    // ---- generators ----

    private static final List<String> KNOWN_IDS = List.of("alice", "bob", "ü-user", "x".repeat(AccountId.MAX_LENGTH));

    static String knownId(Random r) {
        return oneOf(r, KNOWN_IDS);
    }

    /** Strings near the rules' edges: lengths around 256, ASCII and Latin-1 controls, spaces, any Unicode. */
    static String idLikeText(Random r) {
        return switch (weighted(r, 3, 2, 2, 1, 1)) {
            case 0 -> string(r, 0, 300, range('!', '~'));
            case 1 -> string(r, 0, 20, range('\u0000', '\u00ff'));
            case 2 -> string(r, 0, 20, Generated::anyChar);
            case 3 -> "a".repeat(between(r, 250, 260));
            default -> oneOf(r, "", " ", "alice", " alice", "alice ", "al ice", "al\tice", "\u007f", "a\u007f",
                    "bob\r\nX-Injected: 1", "\u00a0", "ü-user");
        };
    }

    /** What a header can carry: zero, one or several values, known ids, padded ids, two joined by a comma and anything else. */
    static List<String> headerValues(Random r) {
        return listOf(r, 0, 3, x -> switch (weighted(x, 3, 1, 1, 2)) {
            case 0 -> knownId(x);
            case 1 -> " " + knownId(x) + "\t";
            case 2 -> knownId(x) + oneOf(x, ",", ", ", " ,") + knownId(x);
            default -> idLikeText(x);
        });
    }

    @Test
    void directoryHomesAreWhatTheFileSays() {
        forAll(50, AccountPropertiesTest::knownId, id -> {
            Identity identity = resolve(List.of(id), true);
            assertThat(identity).isInstanceOf(Identity.Homed.class);
            CountryCode home = ((Identity.Homed) identity).home();
            assertThat(home.value()).isIn("PK", "DE", "GB", "FR");
        });
    }
}
