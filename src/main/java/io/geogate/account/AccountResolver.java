package io.geogate.account;

import io.geogate.token.TokenVerifier;
import io.geogate.token.VerificationPool;
import io.geogate.token.VerifiedToken;
import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Turns a request's headers into an {@link Identity}.
 *
 * <p>With token keys configured, a request that presents {@code Authorization: Bearer} is judged by
 * the token alone, from any peer (the signature is the trust): a valid token names the account and
 * maybe its home; an invalid one counts as no account, never falling back to the header. Otherwise
 * the account header is believed only from a trusted proxy. The directory supplies homes tokens lack.
 */
public final class AccountResolver {

    private static final String BEARER = "bearer ";

    private final String header;
    private final Optional<TokenVerifier> tokens;
    private final VerificationPool pool;

    public AccountResolver(String header, Optional<TokenVerifier> tokens, VerificationPool pool) {
        this.header = Objects.requireNonNull(header, "header");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    /** The header that names the account, e.g. {@code X-Account-Id}. */
    public String header() {
        return header;
    }

    /** The same resolver with other token keys. */
    public AccountResolver withTokens(Optional<TokenVerifier> other) {
        return new AccountResolver(header, other, pool);
    }

    /**
     * @param headers     all values of a request header by name
     * @param peerTrusted whether the TCP peer is a trusted proxy
     */
    public Future<Identity> resolve(Function<String, List<String>> headers, boolean peerTrusted, AccountDirectory directory) {
        if (tokens.isPresent()) {
            List<String> authorization = headers.apply("Authorization");
            if (presentsBearer(authorization)) {
                // Judged by the token alone: two credentials, or a malformed one, make no account, never the header's.
                Optional<String> bearer = bearerToken(authorization);
                if (bearer.isEmpty()) {
                    return Future.succeededFuture(Identity.NO_ACCOUNT);
                }
                return pool.verify(tokens.get(), bearer.get()).compose(token -> byToken(token, directory));
            }
        }
        if (!peerTrusted) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        List<String> values = headers.apply(header);
        if (values == null || values.isEmpty()) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        String text = values.get(0).strip();
        // Two values name no account; a comma is how proxies (Envoy's ext_authz among them) join two into one.
        if (values.size() > 1 || text.indexOf(',') >= 0 || !AccountId.isValid(text)) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        return byDirectory(new AccountId(text), directory);
    }

    private static Future<Identity> byToken(Optional<VerifiedToken> token, AccountDirectory directory) {
        if (token.isEmpty()) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        VerifiedToken t = token.get();
        if (t.home().isPresent()) {
            return Future.succeededFuture(new Identity.Homed(t.account(), t.home().get()));
        }
        return byDirectory(t.account(), directory);
    }

    /** Whether any {@code Authorization} value uses the Bearer scheme. */
    private static boolean presentsBearer(List<String> authorization) {
        if (authorization == null) {
            return false;
        }
        for (String value : authorization) {
            String v = value.stripLeading();
            if (v.regionMatches(true, 0, BEARER.strip(), 0, BEARER.strip().length())) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> bearerToken(List<String> authorization) {
        if (authorization == null || authorization.size() != 1) {
            return Optional.empty();
        }
        String value = authorization.get(0);
        if (value.length() <= BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        String token = value.substring(BEARER.length()).strip();
        return token.isEmpty() || token.contains(",") || token.contains(" ") ? Optional.empty() : Optional.of(token);
    }

    /** The home the directory knows for {@code id}, as an identity. */
    public static Future<Identity> byDirectory(AccountId id, AccountDirectory directory) {
        return directory.lookup(id).map(lookup -> {
            if (lookup instanceof HomeLookup.Known known) {
                return new Identity.Homed(id, known.home());
            }
            if (lookup instanceof HomeLookup.Unavailable) {
                return new Identity.Unresolved(id);
            }
            return Identity.NO_ACCOUNT;
        });
    }
}
