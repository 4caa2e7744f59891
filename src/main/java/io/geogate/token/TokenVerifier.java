package io.geogate.token;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Verifies bearer tokens with SmallRye JWT's parser, used directly: geogate judges tokens, it does not
 * authenticate its own callers. A token must be signed (RS256 or ES256) by a configured key, never
 * by one it embeds, carry {@code sub} and {@code exp}, come from the configured issuer (and audience,
 * if set), and be within its {@code nbf}/{@code exp} up to the clock skew. A home claim that is not
 * an ISO 3166-1 alpha-2 code makes the whole token invalid.
 *
 * <p>Verified tokens are cached until they expire (bounded), so a client's repeated requests cost
 * one signature check. The cache belongs to this verifier: new keys come with a new, empty one.
 */
public final class TokenVerifier {

    private static final int CACHE_SIZE = 50_000;

    /** Longer than any token geogate accepts; refused without parsing. */
    public static final int MAX_TOKEN_CHARS = 8192;

    /** How long a refused token stays refused without being checked again. */
    private static final Duration REFUSED_FOR = Duration.ofMinutes(10);

    /** The end of year 9999 in epoch seconds: a token said to expire later is not trusted to expire at all. */
    private static final long LATEST_EXPIRY = 253_402_300_799L;

    private final DefaultJWTParser parser;
    private final String homeClaim;
    private final Duration clockSkew;
    private final Clock clock;
    private final TokenKeys keys;
    private final Cache<String, VerifiedToken> verified;
    /** Tokens refused before, so that replaying a bad token costs a lookup, not a signature check. */
    private final Cache<String, Boolean> refused;

    public TokenVerifier(TokenKeys keys, String issuer, Optional<String> audience, String homeClaim, Duration clockSkew,
                         Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.homeClaim = Objects.requireNonNull(homeClaim, "homeClaim");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        JWTAuthContextInfo info = new JWTAuthContextInfo();
        if (keys.pem().isPresent()) {
            info.setPublicVerificationKey(keys.pem().get().key());
            info.setSignatureAlgorithm(Set.of(keys.pem().get().algorithm()));
        } else {
            info.setPublicKeyContent(keys.jwks().orElseThrow());
            info.setSignatureAlgorithm(Set.of(SignatureAlgorithm.RS256, SignatureAlgorithm.ES256));
        }
        info.setIssuedBy(Objects.requireNonNull(issuer, "issuer"));
        audience.ifPresent(a -> info.setExpectedAudience(Set.of(a)));
        info.setClockSkew((int) clockSkew.toSeconds());
        info.setRelaxVerificationKeyValidation(false);
        info.setRequireNamedPrincipal(false);
        info.setRequiredClaims(Set.of("sub", "exp"));
        // Without this SmallRye also demands iat and re-checks exp without the skew; the contract asks for sub and exp.
        info.setMaxTimeToLiveSecs(0L);
        this.parser = new DefaultJWTParser(info);
        this.verified = Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();
        // Weighed by length, so that long junk tokens cannot make the cache large: at most about 16 MB of keys.
        this.refused = Caffeine.newBuilder().maximumWeight(8L * 1024 * 1024).<String, Boolean>weigher((k, v) -> k.length())
                .expireAfterWrite(REFUSED_FOR).build();
    }

    public TokenKeys keys() {
        return keys;
    }

    /**
     * The verdict on {@code token} if it can be given without checking a signature: a token verified
     * before (until it expires), one refused before, or one too long to be a token. Empty when the
     * signature must be checked: {@link #verify} then, off the event loop.
     */
    public Optional<Optional<VerifiedToken>> known(String token) {
        if (token.length() > MAX_TOKEN_CHARS) {
            return Optional.of(Optional.empty());
        }
        VerifiedToken cached = verified.getIfPresent(token);
        if (cached != null) {
            if (clock.instant().isBefore(cached.expires().plus(clockSkew))) {
                return Optional.of(Optional.of(cached));
            }
            verified.invalidate(token);
            return Optional.of(Optional.empty());
        }
        return refused.getIfPresent(token) != null ? Optional.of(Optional.empty()) : Optional.empty();
    }

    /**
     * The token's account and home if it is valid; empty for anything else (it then counts as no account).
     * May check a signature: call it off the event loop unless {@link #known} had the answer.
     */
    public Optional<VerifiedToken> verify(String token) {
        Optional<Optional<VerifiedToken>> known = known(token);
        if (known.isPresent()) {
            return known.get();
        }
        Optional<VerifiedToken> fresh = parse(token);
        if (fresh.isPresent()) {
            verified.put(token, fresh.get());
        } else {
            refused.put(token, Boolean.TRUE);
        }
        return fresh;
    }

    private Optional<VerifiedToken> parse(String token) {
        JsonWebToken jwt;
        try {
            jwt = parser.parse(token);
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
        String sub = jwt.getSubject();
        if (!AccountId.isValid(sub) || jwt.getExpirationTime() <= 0 || jwt.getExpirationTime() > LATEST_EXPIRY) {
            return Optional.empty();
        }
        Optional<CountryCode> home = Optional.empty();
        if (jwt.containsClaim(homeClaim)) {
            Object claim = jwt.getClaim(homeClaim);
            String text = claim instanceof jakarta.json.JsonString s ? s.getString() : claim instanceof String s ? s : null;
            home = CountryCode.parse(text);
            if (home.isEmpty()) {
                return Optional.empty();
            }
        }
        return Optional.of(new VerifiedToken(new AccountId(sub), home, Instant.ofEpochSecond(jwt.getExpirationTime())));
    }
}
