package io.geogate.account;

import io.vertx.core.Future;

import java.util.OptionalLong;

/** No account directory configured: every account is unknown, so homes come from tokens only. */
public record NoDirectory() implements AccountDirectory {

    @Override
    public Future<HomeLookup> lookup(AccountId id) {
        return Future.succeededFuture(HomeLookup.UNKNOWN);
    }

    @Override
    public String source() {
        return "none";
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.of(0);
    }

    @Override
    public boolean reachable() {
        return true;
    }
}
