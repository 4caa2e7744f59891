package io.geogate.token;

// Property-based tests of bearer-token verification. CI runs the tries written here (a few seconds); a
// longer run multiplies them: ./mvnw test -Dtest='TokenProperties' -Dgeogate.tries.scale=100

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.testing.ScaledTries;
import io.geogate.testing.Tokens;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A token names an account only when a configured key signed exactly these bytes and its claims are
 * sound: arbitrary text, any single changed character, swapped or embedded keys and algorithms, and
 * wrong {@code exp}, {@code sub} or home claims never verify, and nothing makes the verifier throw.
 * Valid tokens with any valid subject and home do verify, so the properties can fail.
 */
@AddLifecycleHook(ScaledTries.class)
class TokenProperties {

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

    @Property(tries = 40)
    void validTokensWithAnyValidSubjectAndHomeVerifyToExactlyThem(@ForAll("validSubjects") String sub, @ForAll("homes") String home) {
        VerifiedToken t = verify(Tokens.sign(claims(sub, home), KEY.getPrivate(), null)).orElseThrow();
        assertThat(t.account()).isEqualTo(new AccountId(sub));
        assertThat(t.home()).isEqualTo(CountryCode.parse(home));
    }

    @Property(tries = 1000)
    void arbitraryTextNeverVerifies(@ForAll("tokenLikeText") String text) {
        assertThat(verify(text)).isEmpty();
    }

    @Property(tries = 400)
    void changingAnyOneCharacterOfAValidTokenMakesItInvalid(@ForAll("positions") int position, @ForAll("replacements") char replacement) {
        int at = position % VALID.length();
        Assume.that(VALID.charAt(at) != replacement);
        String mutated = VALID.substring(0, at) + replacement + VALID.substring(at + 1);
        int lastDot = VALID.lastIndexOf('.');
        if (at > lastDot && replacement != '.') {
            // The last base64url character of the signature carries unused bits: a change there may
            // decode to the very same signature, which is the same signed token, not a forgery.
            Assume.that(!Arrays.equals(decode(VALID.substring(lastDot + 1)), decode(mutated.substring(lastDot + 1))));
        }
        assertThat(verify(mutated)).as(mutated).isEmpty();
    }

    private static byte[] decode(String base64url) {
        try {
            return Base64.getUrlDecoder().decode(base64url);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    @Property(tries = 60)
    void tokensSignedWithAnotherKeyOrAlgorithmNeverVerify(@ForAll("validSubjects") String sub, @ForAll("forgeries") String how) {
        JwtClaims c = claims(sub, "DE");
        String token = switch (how) {
            case "none" -> Tokens.unsigned(c);
            case "hs256-public-key" -> Tokens.hmacWithPublicKey(c, KEY.getPublic());
            case "embedded-jwk" -> Tokens.withEmbeddedKey(c, ATTACKER);
            case "attacker-key" -> Tokens.sign(c, ATTACKER.getPrivate(), null);
            case "jku" -> signedWithHeader(c, "jku", "https://attacker.example/jwks.json");
            case "x5c" -> signedWithHeader(c, "x5c", List.of(Base64.getEncoder().encodeToString(ATTACKER.getPublic().getEncoded())));
            case "kid-of-nothing" -> Tokens.sign(c, ATTACKER.getPrivate(), "../../dev/null");
            default -> throw new IllegalArgumentException(how);
        };
        assertThat(verify(token)).as(how).isEmpty();
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

    @Property(tries = 150)
    void tokensWithWrongClaimsNeverVerifyEvenWhenProperlySigned(@ForAll("wrongClaims") Map<String, Object> wrong) {
        JwtClaims c = claims("alice", "PK");
        wrong.forEach((name, value) -> {
            if (value == REMOVE) {
                c.unsetClaim(name);
            } else {
                c.setClaim(name, value);
            }
        });
        assertThat(verify(Tokens.sign(c, KEY.getPrivate(), null))).as(c.toJson()).isEmpty();
    }

    /** Stands for "claim removed" in {@link #wrongClaims}. */
    private static final Object REMOVE = new Object() {
        @Override
        public String toString() {
            return "(removed)";
        }
    };

    @Provide
    Arbitrary<Map<String, Object>> wrongClaims() {
        Arbitrary<Tuple.Tuple2<String, Object>> exp = Arbitraries.<Object>of(REMOVE, -1L, 0L, Long.MIN_VALUE, Long.MAX_VALUE,
                        9_223_372_036_854_775L, 31_556_889_864_403_200L, 1e300, -1e300, "2030-01-01", "", true,
                        NOW.minusSeconds(61).getEpochSecond(), List.of(1), Map.of("a", 1))
                .map(v -> Tuple.of("exp", v));
        Arbitrary<Tuple.Tuple2<String, Object>> sub = Arbitraries.<Object>of(REMOVE, "", " ", "a".repeat(AccountId.MAX_LENGTH + 1),
                        "al ice", "ali\u0000ce", "bob\r\nX-Injected: 1", "\u007f", 42, 4.2, true, List.of("alice"), Map.of("id", "alice"))
                .map(v -> Tuple.of("sub", v));
        Arbitrary<Tuple.Tuple2<String, Object>> home = Arbitraries.<Object>of("ZZ", "PAK", "P", "", "eu", "XX", 12, 1.5, false,
                        List.of("PK"), Map.of("code", "PK"), "P\u212A")
                .map(v -> Tuple.of("home", v));
        Arbitrary<Tuple.Tuple2<String, Object>> other = Arbitraries.<Object>of(
                        Tuple.of("iss", "https://evil.example.com"), Tuple.of("iss", REMOVE), Tuple.of("aud", "someone-else"),
                        Tuple.of("aud", REMOVE), Tuple.of("nbf", NOW.plusSeconds(120).getEpochSecond()), Tuple.of("nbf", "soon"))
                .map(t -> (Tuple.Tuple2<String, Object>) t);
        Arbitrary<Tuple.Tuple2<String, Object>> oneWrong = Arbitraries.oneOf(exp, sub, home, other);
        return oneWrong.list().ofMinSize(1).ofMaxSize(3).map(list -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            list.forEach(t -> m.put(t.get1(), t.get2()));
            return m;
        });
    }

    @Provide
    Arbitrary<String> forgeries() {
        return Arbitraries.of("none", "hs256-public-key", "embedded-jwk", "attacker-key", "jku", "x5c", "kid-of-nothing");
    }

    @Provide
    Arbitrary<String> validSubjects() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(40)),
                Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofLength(AccountId.MAX_LENGTH)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u00a1', '\u04ff').ofMinLength(1).ofMaxLength(20)));
    }

    @Provide
    Arbitrary<String> homes() {
        return Arbitraries.of("PK", "pk", "DE", "de", "GB", "US", "RU", "NO");
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 10_000);
    }

    @Provide
    Arbitrary<Character> replacements() {
        return Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.of(BASE64URL.toCharArray())),
                Tuple.of(1, Arbitraries.of('.', '=', '+', '/', ' ', '\u0000', 'é')));
    }

    /** Text that looks like a token (three base64url parts), pieces of the valid one, and anything at all. */
    @Provide
    Arbitrary<String> tokenLikeText() {
        Arbitrary<String> part = Arbitraries.strings().withChars(BASE64URL.toCharArray()).ofMaxLength(80);
        Arbitrary<String> shaped = part.list().ofMinSize(1).ofMaxSize(5).map(parts -> String.join(".", parts));
        String[] pieces = VALID.split("\\.");
        Arbitrary<String> spliced = Arbitraries.integers().between(1, 31).map(mask -> {
            String header = (mask & 1) == 0 ? pieces[0] : Base64.getUrlEncoder().withoutPadding()
                    .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
            String payload = (mask & 2) == 0 ? pieces[1] : Base64.getUrlEncoder().withoutPadding()
                    .encodeToString("{\"sub\":\"mallory\",\"exp\":9999999999}".getBytes(StandardCharsets.UTF_8));
            String signature = (mask & 4) == 0 ? pieces[2] : "";
            return header + "." + payload + ((mask & 8) == 0 ? "." + signature : "") + ((mask & 16) == 0 ? "" : ".");
        });
        return Arbitraries.frequencyOf(Tuple.of(3, shaped), Tuple.of(2, spliced),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(200)),
                Tuple.of(1, Arbitraries.integers().between(1, 20_000).map(n -> "a".repeat(n) + ".b.c")));
    }

    @Property(tries = 20)
    void aTokenEmbeddingItsOwnJwkIsNeverTrustedEvenWithTheConfiguredKeysKid(@ForAll("validSubjects") String sub) throws Exception {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims(sub, "DE").toJson());
        jws.setKey(ATTACKER.getPrivate());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setJwkHeader(PublicJsonWebKey.Factory.newPublicJwk(ATTACKER.getPublic()));
        jws.setKeyIdHeaderValue("rsa-1");
        assertThat(verify(jws.getCompactSerialization())).isEmpty();
    }
}
