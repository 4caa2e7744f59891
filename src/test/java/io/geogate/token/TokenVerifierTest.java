package io.geogate.token;

import io.geogate.country.CountryCode;
import io.geogate.testing.Tokens;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenVerifierTest {

    private static final KeyPair RSA = Tokens.rsa(2048);
    private static final KeyPair EC = Tokens.ec("secp256r1");
    private static final KeyPair OTHER = Tokens.rsa(2048);

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private TokenVerifier verifier(String keyFileContent, Optional<String> audience) throws Exception {
        Path file = dir.resolve("keys-" + System.nanoTime());
        Files.writeString(file, keyFileContent);
        return new TokenVerifier(TokenKeys.load(file.toString()), Tokens.ISSUER, audience, "home", Duration.ofSeconds(60), clock);
    }

    private TokenVerifier rsaPem() throws Exception {
        return verifier(Tokens.pem(RSA.getPublic()), Optional.of(Tokens.AUDIENCE));
    }

    @Test
    void validRs256TokenNamesTheAccountAndItsHome() throws Exception {
        VerifiedToken t = rsaPem().verify(Tokens.sign(Tokens.claims("alice", "pk"), RSA.getPrivate(), null)).orElseThrow();
        assertThat(t.account().value()).isEqualTo("alice");
        assertThat(t.home()).contains(new CountryCode("PK"));
    }

    @Test
    void tokenWithoutHomeClaimNamesOnlyTheAccount() throws Exception {
        VerifiedToken t = rsaPem().verify(Tokens.sign(Tokens.claims("bob", null), RSA.getPrivate(), null)).orElseThrow();
        assertThat(t.home()).isEmpty();
    }

    @Test
    void jwksKeysAreMatchedByKidForRs256AndEs256() throws Exception {
        TokenVerifier v = verifier(Tokens.jwks(Map.of("rsa-1", RSA.getPublic(), "ec-1", EC.getPublic())), Optional.empty());
        assertThat(v.verify(Tokens.sign(Tokens.claims("alice", "PK"), RSA.getPrivate(), "rsa-1"))).isPresent();
        assertThat(v.verify(Tokens.sign(Tokens.claims("erin", "US"), EC.getPrivate(), "ec-1"))).isPresent();
        assertThat(v.verify(Tokens.sign(Tokens.claims("alice", "PK"), RSA.getPrivate(), "unknown-kid"))).isEmpty();
        assertThat(v.verify(Tokens.sign(Tokens.claims("alice", "PK"), OTHER.getPrivate(), "rsa-1"))).isEmpty();
    }

    @Test
    void es256PemKeyVerifiesEs256Tokens() throws Exception {
        TokenVerifier v = verifier(Tokens.pem(EC.getPublic()), Optional.empty());
        assertThat(v.verify(Tokens.sign(Tokens.claims("erin", "US"), EC.getPrivate(), null))).isPresent();
        assertThat(v.verify(Tokens.sign(Tokens.claims("erin", "US"), RSA.getPrivate(), null))).isEmpty();
    }

    @Test
    void forgeriesAreInvalid() throws Exception {
        TokenVerifier v = rsaPem();
        JwtClaims claims = Tokens.claims("alice", "DE");
        assertThat(v.verify(Tokens.unsigned(claims))).as("alg none").isEmpty();
        assertThat(v.verify(Tokens.hmacWithPublicKey(claims, RSA.getPublic()))).as("HS256 keyed with the public key").isEmpty();
        assertThat(v.verify(Tokens.withEmbeddedKey(claims, OTHER))).as("key embedded in the token").isEmpty();
        assertThat(v.verify(Tokens.sign(claims, OTHER.getPrivate(), null))).as("unconfigured key").isEmpty();
        String good = Tokens.sign(claims, RSA.getPrivate(), null);
        String[] parts = good.split("\\.");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.toJson().replace("DE", "PK").getBytes()) + "." + parts[2];
        assertThat(v.verify(tampered)).as("payload changed after signing").isEmpty();
    }

    @Test
    void garbageIsInvalid() throws Exception {
        TokenVerifier v = rsaPem();
        for (String t : List.of("", "x", "a.b.c", "a.b.c.d.e", "eyJhbGciOiJSUzI1NiJ9.e30.", "....", "\u00e9t\u00e9")) {
            assertThat(v.verify(t)).as(t).isEmpty();
        }
    }

    @Test
    void expiryAndNotBeforeAreCheckedWithTheClockSkew() throws Exception {
        TokenVerifier v = rsaPem();
        long nowSeconds = Instant.now().getEpochSecond();
        JwtClaims expired = Tokens.claims("alice", "PK");
        expired.setIssuedAt(NumericDate.fromSeconds(nowSeconds - 600));
        expired.setExpirationTime(NumericDate.fromSeconds(nowSeconds - 120));
        assertThat(v.verify(Tokens.sign(expired, RSA.getPrivate(), null))).isEmpty();
        JwtClaims justExpired = Tokens.claims("alice", "PK");
        justExpired.setIssuedAt(NumericDate.fromSeconds(nowSeconds - 600));
        justExpired.setExpirationTime(NumericDate.fromSeconds(nowSeconds - 30));
        assertThat(v.verify(Tokens.sign(justExpired, RSA.getPrivate(), null))).isPresent();
        JwtClaims notYet = Tokens.claims("alice", "PK");
        notYet.setNotBefore(NumericDate.fromSeconds(nowSeconds + 300));
        assertThat(v.verify(Tokens.sign(notYet, RSA.getPrivate(), null))).isEmpty();
        JwtClaims almost = Tokens.claims("alice", "PK");
        almost.setNotBefore(NumericDate.fromSeconds(nowSeconds + 30));
        assertThat(v.verify(Tokens.sign(almost, RSA.getPrivate(), null))).isPresent();
    }

    @Test
    void issuedAtIsNotRequired() throws Exception {
        JwtClaims noIat = Tokens.claims("alice", "PK");
        noIat.unsetClaim("iat");
        assertThat(rsaPem().verify(Tokens.sign(noIat, RSA.getPrivate(), null))).isPresent();
    }

    @Test
    void aCachedTokenStillExpires() throws Exception {
        TokenVerifier v = rsaPem();
        JwtClaims shortLived = Tokens.claims("alice", "PK");
        shortLived.setExpirationTime(NumericDate.fromSeconds(Instant.now().getEpochSecond() + 5));
        String token = Tokens.sign(shortLived, RSA.getPrivate(), null);
        assertThat(v.verify(token)).isPresent();
        assertThat(v.verify(token)).isPresent();
        now.set(Instant.now().plusSeconds(5 + 61));
        assertThat(v.verify(token)).isEmpty();
    }

    @Test
    void issuerAudienceSubjectAndExpiryAreRequired() throws Exception {
        TokenVerifier v = rsaPem();
        JwtClaims wrongIssuer = Tokens.claims("alice", "PK");
        wrongIssuer.setIssuer("https://evil.example.com");
        assertThat(v.verify(Tokens.sign(wrongIssuer, RSA.getPrivate(), null))).isEmpty();
        JwtClaims wrongAudience = Tokens.claims("alice", "PK");
        wrongAudience.setAudience("someone-else");
        assertThat(v.verify(Tokens.sign(wrongAudience, RSA.getPrivate(), null))).isEmpty();
        JwtClaims noSub = Tokens.claims("alice", "PK");
        noSub.unsetClaim("sub");
        assertThat(v.verify(Tokens.sign(noSub, RSA.getPrivate(), null))).isEmpty();
        JwtClaims noExp = Tokens.claims("alice", "PK");
        noExp.unsetClaim("exp");
        assertThat(v.verify(Tokens.sign(noExp, RSA.getPrivate(), null))).isEmpty();

        TokenVerifier anyAudience = verifier(Tokens.pem(RSA.getPublic()), Optional.empty());
        assertThat(anyAudience.verify(Tokens.sign(wrongAudience, RSA.getPrivate(), null))).isPresent();
    }

    @Test
    void aHomeClaimThatIsNotACountryCodeInvalidatesTheToken() throws Exception {
        TokenVerifier v = rsaPem();
        for (Object home : List.of("PAK", "XX", "P", 42, true, List.of("PK"))) {
            JwtClaims c = Tokens.claims("alice", null);
            c.setClaim("home", home);
            assertThat(v.verify(Tokens.sign(c, RSA.getPrivate(), null))).as(String.valueOf(home)).isEmpty();
        }
    }

    @Test
    void theHomeClaimNameIsConfigurable() throws Exception {
        Path file = dir.resolve("k.pem");
        Files.writeString(file, Tokens.pem(RSA.getPublic()));
        TokenVerifier v = new TokenVerifier(TokenKeys.load(file.toString()), Tokens.ISSUER, Optional.empty(), "region",
                Duration.ofSeconds(60), clock);
        JwtClaims c = Tokens.claims("alice", "DE");
        c.setClaim("region", "PK");
        assertThat(v.verify(Tokens.sign(c, RSA.getPrivate(), null)).orElseThrow().home()).contains(new CountryCode("PK"));
    }

    @Test
    void weakOrUnsupportedKeysAreRefused() throws Exception {
        Path small = dir.resolve("small.pem");
        Files.writeString(small, Tokens.pem(Tokens.rsa(1024).getPublic()));
        assertThatThrownBy(() -> TokenKeys.load(small.toString())).isInstanceOf(InvalidTokenKeysException.class)
                .hasMessageContaining("1024");
        Path smallInSet = dir.resolve("small.jwks");
        Files.writeString(smallInSet, Tokens.jwks(Map.of("good", RSA.getPublic(), "weak", Tokens.rsa(1024).getPublic())));
        assertThatThrownBy(() -> TokenKeys.load(smallInSet.toString())).hasMessageContaining("weak").hasMessageContaining("1024");
        Path p384 = dir.resolve("p384.pem");
        Files.writeString(p384, Tokens.pem(Tokens.ec("secp384r1").getPublic()));
        assertThatThrownBy(() -> TokenKeys.load(p384.toString())).isInstanceOf(InvalidTokenKeysException.class);
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "not a key");
        assertThatThrownBy(() -> TokenKeys.load(junk.toString())).isInstanceOf(InvalidTokenKeysException.class);
        assertThatThrownBy(() -> TokenKeys.load(dir.resolve("missing.pem").toString())).isInstanceOf(InvalidTokenKeysException.class);
    }

    @Test
    void inlinePemIsAccepted() throws Exception {
        TokenKeys keys = TokenKeys.load(Tokens.pem(RSA.getPublic()));
        assertThat(keys.source()).isEqualTo("inline PEM");
        assertThat(keys.pem()).isPresent();
    }

    @Test
    void aTokenThatExpiresAfterTheYear9999IsInvalidNotValidForever() throws Exception {
        for (long exp : new long[] {9_223_372_036_854_775L, 253_402_300_800L, 31_556_889_864_403_199L}) {
            JwtClaims claims = Tokens.claims("alice", "PK");
            claims.setExpirationTime(NumericDate.fromSeconds(exp));
            assertThat(rsaPem().verify(Tokens.sign(claims, RSA.getPrivate(), null))).as("exp %d", exp).isEmpty();
        }
        JwtClaims lastSecond = Tokens.claims("alice", "PK");
        lastSecond.setExpirationTime(NumericDate.fromSeconds(253_402_300_799L));
        assertThat(rsaPem().verify(Tokens.sign(lastSecond, RSA.getPrivate(), null))).isPresent();
    }
}
