package io.geogate.account;

import io.vertx.core.Future;

import java.util.OptionalLong;

/**
 * Where an account's home country comes from when its token does not say. Implementations are
 * immutable snapshots (the file) or bounded, cached clients (Redis); a lookup never blocks the
 * calling event loop.
 */
public interface AccountDirectory {

    Future<HomeLookup> lookup(AccountId id);

    /** Where the accounts come from, for operators: {@code file:/path}, {@code redis://host:port}. */
    String source();

    /** How many accounts the directory holds, when it knows. */
    OptionalLong size();

    /** Whether the directory can answer right now (false: serving from cache or the fallback). */
    boolean reachable();

    /** Whether the directory has ever been able to answer: loaded, or reachable since start. Readiness follows it. */
    default boolean ready() {
        return reachable();
    }
}
