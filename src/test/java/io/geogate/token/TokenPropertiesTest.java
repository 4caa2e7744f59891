package io.geogate.token;

// Property tests of bearer-token verification, plain JUnit over generated inputs (io.geogate.testing.Generated:
// fixed seed by default, -Dgeogate.seed=N|random for others; a failure names the seed and the input).
// The keys and the tokens' times are new in each run, so the seed repeats what is drawn (subjects,
// positions, claims), not the tokens' bytes. CI runs the tries written here (a few seconds); a longer
// run multiplies them: ./mvnw -B test -Dtest='TokenPropertiesTest' -Dgeogate.tries.scale=100

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.testing.Generated;
import io.geogate.testing.Tokens;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static io.geogate.testing.Generated.between;
import static io.geogate.testing.Generated.chars;
import static io.geogate.testing.Generated.forAll;
import static io.geogate.testing.Generated.listOf;
import static io.geogate.testing.Generated.oneOf;
import static io.geogate.testing.Generated.range;
import static io.geogate.testing.Generated.string;
import static io.geogate.testing.Generated.weighted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A token names an account only when a configured key signed exactly these bytes and its claims are
 * sound: arbitrary text, any single changed character, swapped or embedded keys and algorithms, and
 * wrong {@code exp}, {@code sub} or home claims never verify, and nothing makes the verifier throw.
 * Valid tokens with any valid subject and home do verify, so the properties can fail.
 */
class TokenPropertiesTest {

    private static final KeyPair KEY = Tokens.rsa(2048);
    private static final KeyPair ATTACKER = Tokens.rsa(2048);
    // SmallRye checks exp and nbf against the system clock, so "now" must be the real one.
    private static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    private static final TokenVerifier VERIFIER = verifier();
    private static final String VALID = Tokens.sign(claims("alice", "PK"), KEY.getPrivate(), null);
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private static TokenVerifier verifier() {
        try {
            Path file = Files.createTempFile("token-key", ".pem");
            file.toFile().deleteOnExit();
            Files.writeString(file, Tokens.pem(KEY.getPublic()));
            return new TokenVerifier(TokenKeys.load(file.toString()), Tokens.ISSUER, Optional.of(Tokens.AUDIENCE), "home",
                    Duration.ofSeconds(60), Clock.systemUTC());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JwtClaims claims(String sub, Object home) {
        JwtClaims c = new JwtClaims();
        c.setIssuer(Tokens.ISSUER);
        c.setAudience(Tokens.AUDIENCE);
        c.setSubject(sub);
        c.setClaim("iat", NOW.getEpochSecond());
        c.setClaim("exp", NOW.plusSeconds(600).getEpochSecond());
        if (home != null) {
            c.setClaim("home", home);
        }
        return c;
    }

    /** Verifies, asserting that nothing is thrown whatever the input. */
    private static Optional<VerifiedToken> verify(String token) {
        return VERIFIER.verify(token);
    }

    /** A subject and a home for a valid token. */
    record SubjectAndHome(String sub, String home) {
    }

    @Test
    void validTokensWithAnyValidSubjectAndHomeVerifyToExactlyThem() {
        forAll(40, r -> new SubjectAndHome(validSubject(r), oneOf(r, HOMES)), in -> {
            VerifiedToken t = verify(Tokens.sign(claims(in.sub(), in.home()), KEY.getPrivate(), null)).orElseThrow();
            assertThat(t.account()).isEqualTo(new AccountId(in.sub()));
            assertThat(t.home()).isEqualTo(CountryCode.parse(in.home()));
        });
    }

    @Test
    void arbitraryTextNeverVerifies() {
        forAll(1000, TokenPropertiesTest::tokenLikeText, text -> assertThat(verify(text)).isEmpty());
    }

    /** One character of {@link #VALID} replaced. */
    record OneChange(int at, char replacement) {
    }

    @Test
    void changingAnyOneCharacterOfAValidTokenMakesItInvalid() {
        forAll(400, TokenPropertiesTest::oneChange, change -> {
            String mutated = VALID.substring(0, change.at()) + change.replacement() + VALID.substring(change.at() + 1);
            assertThat(verify(mutated)).as(mutated).isEmpty();
        });
    }

    /**
     * A position anywhere in the valid token and a different character for it. A change in the signature
     * that decodes to the very same signature bytes is the same signed token, not a forgery, so such
     * changes are drawn again: the last base64url character carries unused bits, and the decoder also
     * reads the standard alphabet's {@code +} and {@code /} as base64url's {@code -} and {@code _}.
     */
    static OneChange oneChange(Random r) {
        int lastDot = VALID.lastIndexOf('.');
        while (true) {
            int at = between(r, 0, 10_000) % VALID.length();
            char replacement = weighted(r, 8, 1) == 0 ? BASE64URL.charAt(r.nextInt(BASE64URL.length()))
                    : oneOf(r, '.', '=', '+', '/', ' ', '\u0000', 'é');
            if (VALID.charAt(at) == replacement) {
                continue;
            }
            String mutated = VALID.substring(0, at) + replacement + VALID.substring(at + 1);
            if (at > lastDot && replacement != '.'
                    && Arrays.equals(decode(VALID.substring(lastDot + 1)), decode(asBase64url(mutated.substring(lastDot + 1))))) {
                continue;
            }
            return new OneChange(at, replacement);
        }
    }

    /** The standard alphabet's two characters as base64url's, as the verifier's decoder reads them. */
    private static String asBase64url(String text) {
        return text.replace('+', '-').replace('/', '_');
    }

    private static byte[] decode(String base64url) {
        try {
            return Base64.getUrlDecoder().decode(base64url);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** A subject, and how a token for it is forged. */
    record Forgery(String sub, String how) {
    }

    @Test
    void tokensSignedWithAnotherKeyOrAlgorithmNeverVerify() {
        forAll(60, r -> new Forgery(validSubject(r), oneOf(r, "none", "hs256-public-key", "embedded-jwk", "attacker-key", "jku", "x5c",
                "kid-of-nothing")), in -> {
            JwtClaims c = claims(in.sub(), "DE");
            String token = switch (in.how()) {
                case "none" -> Tokens.unsigned(c);
                case "hs256-public-key" -> Tokens.hmacWithPublicKey(c, KEY.getPublic());
                case "embedded-jwk" -> Tokens.withEmbeddedKey(c, ATTACKER);
                case "attacker-key" -> Tokens.sign(c, ATTACKER.getPrivate(), null);
                case "jku" -> signedWithHeader(c, "jku", "https://attacker.example/jwks.json");
                case "x5c" -> signedWithHeader(c, "x5c", List.of(Base64.getEncoder().encodeToString(ATTACKER.getPublic().getEncoded())));
                case "kid-of-nothing" -> Tokens.sign(c, ATTACKER.getPrivate(), "../../dev/null");
                default -> throw new IllegalArgumentException(in.how());
            };
            assertThat(verify(token)).as(in.how()).isEmpty();
        });
    }

    private static String signedWithHeader(JwtClaims claims, String header, Object value) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(ATTACKER.getPrivate());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.getHeaders().setObjectHeaderValue(header, value);
        try {
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void tokensWithWrongClaimsNeverVerifyEvenWhenProperlySigned() {
        forAll(150, TokenPropertiesTest::wrongClaims, wrong -> {
            JwtClaims c = claims("alice", "PK");
            wrong.forEach((name, value) -> {
                if (value == REMOVE) {
                    c.unsetClaim(name);
                } else {
                    c.setClaim(name, value);
                }
            });
            assertThat(verify(Tokens.sign(c, KEY.getPrivate(), null))).as(c.toJson()).isEmpty();
        });
    }

    /** Stands for "claim removed" in {@link #wrongClaims}. */
    private static final Object REMOVE = new Object() {
        @Override
        public String toString() {
            return "(removed)";
        }
    };

    /** One to three claims set to a wrong value or removed: exp, sub, home, iss, aud, nbf. */
    static Map<String, Object> wrongClaims(Random r) {
        List<Map.Entry<String, Object>> wrong = listOf(r, 1, 3, x -> switch (x.nextInt(4)) {
            case 0 -> Map.entry("exp", Generated.<Object>oneOf(x, REMOVE, -1L, 0L, Long.MIN_VALUE, Long.MAX_VALUE,
                    9_223_372_036_854_775L, 31_556_889_864_403_200L, 1e300, -1e300, "2030-01-01", "", true,
                    NOW.minusSeconds(61).getEpochSecond(), List.of(1), Map.of("a", 1)));
            case 1 -> Map.entry("sub", Generated.<Object>oneOf(x, REMOVE, "", " ", "a".repeat(AccountId.MAX_LENGTH + 1),
                    "al ice", "ali\u0000ce", "bob\r\nX-Injected: 1", "\u007f", 42, 4.2, true, List.of("alice"), Map.of("id", "alice")));
            case 2 -> Map.entry("home", Generated.<Object>oneOf(x, "ZZ", "PAK", "P", "", "eu", "XX", 12, 1.5, false,
                    List.of("PK"), Map.of("code", "PK"), "P\u212A"));
            default -> oneOf(x, List.<Map.Entry<String, Object>>of(
                    Map.entry("iss", "https://evil.example.com"), Map.entry("iss", REMOVE), Map.entry("aud", "someone-else"),
                    Map.entry("aud", REMOVE), Map.entry("nbf", NOW.plusSeconds(120).getEpochSecond()), Map.entry("nbf", "soon")));
        });
        Map<String, Object> m = new LinkedHashMap<>();
        wrong.forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static final List<String> HOMES = List.of("PK", "pk", "DE", "de", "GB", "US", "RU", "NO");

    /** Valid subjects: printable ASCII up to 40 characters, exactly the longest allowed, and non-ASCII. */
    static String validSubject(Random r) {
        return switch (weighted(r, 4, 1, 1)) {
            case 0 -> string(r, 1, 40, range('!', '~'));
            case 1 -> string(r, AccountId.MAX_LENGTH, AccountId.MAX_LENGTH, range('!', '~'));
            default -> string(r, 1, 20, range('\u00a1', '\u04ff'));
        };
    }

    /** Text that looks like a token (three base64url parts), pieces of the valid one, and anything at all. */
    static String tokenLikeText(Random r) {
        return switch (weighted(r, 3, 2, 1, 1)) {
            case 0 -> String.join(".", listOf(r, 1, 5, x -> string(x, 0, 80, chars(BASE64URL))));
            case 1 -> {
                String[] pieces = VALID.split("\\.");
                int mask = between(r, 1, 31);
                String header = (mask & 1) == 0 ? pieces[0] : Base64.getUrlEncoder().withoutPadding()
                        .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
                String payload = (mask & 2) == 0 ? pieces[1] : Base64.getUrlEncoder().withoutPadding()
                        .encodeToString("{\"sub\":\"mallory\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
                String signature = (mask & 4) == 0 ? pieces[2] : "";
                yield header + "." + payload + ((mask & 8) == 0 ? "." + signature : "") + ((mask & 16) == 0 ? "" : ".");
            }
            case 2 -> string(r, 0, 200, Generated::anyChar);
            default -> "a".repeat(between(r, 1, 20_000)) + ".b.c";
        };
    }

    @Test
    void aTokenEmbeddingItsOwnJwkIsNeverTrustedEvenWithTheConfiguredKeysKid() {
        forAll(20, TokenPropertiesTest::validSubject, sub -> {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims(sub, "DE").toJson());
            jws.setKey(ATTACKER.getPrivate());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            jws.setJwkHeader(PublicJsonWebKey.Factory.newPublicJwk(ATTACKER.getPublic()));
            jws.setKeyIdHeaderValue("rsa-1");
            assertThat(verify(jws.getCompactSerialization())).isEmpty();
        });
    }
}
