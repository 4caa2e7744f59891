package io.geogate.account;

import io.vertx.core.Future;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns a request's headers into an {@link Identity}. The account header is believed only from a
 * trusted proxy; the directory supplies the home.
 */
public final class AccountResolver {

    private final String header;

    public AccountResolver(String header) {
        this.header = Objects.requireNonNull(header, "header");
    }

    /** The header that names the account, e.g. {@code X-Account-Id}. */
    public String header() {
        return header;
    }

    /**
     * @param headers     all values of a request header by name
     * @param peerTrusted whether the TCP peer is a trusted proxy
     */
    public Future<Identity> resolve(Function<String, List<String>> headers, boolean peerTrusted, AccountDirectory directory) {
        if (!peerTrusted) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        List<String> values = headers.apply(header);
        if (values == null || values.isEmpty()) {
            return Future.succeededFuture(Identity.NO_ACCOUNT);
        }
        String text = values.get(0).strip();
        if (values.size() > 1 || !AccountId.isValid(text)) {
            return Future.succeededFuture(new Identity.Anonymous("malformed-account-header"));
        }
        return byDirectory(new AccountId(text), directory, "header");
    }

    /** The home the directory knows for {@code id}, as an identity. */
    public static Future<Identity> byDirectory(AccountId id, AccountDirectory directory, String source) {
        return directory.lookup(id).map(lookup -> {
            if (lookup instanceof HomeLookup.Known known) {
                return new Identity.Homed(id, known.home(), source);
            }
            if (lookup instanceof HomeLookup.Unavailable unavailable) {
                return new Identity.Unresolved(id, unavailable.why());
            }
            return new Identity.Anonymous("unknown-account");
        });
    }
}
