package io.geogate.account;

import io.vertx.core.Future;

import java.util.OptionalLong;

/**
 * Stands in for a directory that could not be loaded at start: every lookup is
 * {@link HomeLookup.Unavailable}, which {@code geogate.accounts.unavailable} then decides.
 */
public record UnavailableDirectory(String source) implements AccountDirectory {

    @Override
    public Future<HomeLookup> lookup(AccountId id) {
        return Future.succeededFuture(HomeLookup.UNAVAILABLE);
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.empty();
    }

    @Override
    public boolean reachable() {
        return false;
    }
}
