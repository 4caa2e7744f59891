package io.geogate.account;

import io.vertx.core.Future;

import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/** The account file, loaded whole into memory: every lookup answers at once, from the event loop. */
public final class FileDirectory implements AccountDirectory {

    private final Path path;
    private final CompactDirectory table;

    public FileDirectory(Path path, CompactDirectory table) {
        this.path = Objects.requireNonNull(path, "path");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public Future<HomeLookup> lookup(AccountId id) {
        return Future.succeededFuture(table.home(id.value())
                .<HomeLookup>map(HomeLookup.Known::new)
                .orElse(HomeLookup.UNKNOWN));
    }

    @Override
    public String source() {
        return "file:" + path;
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.of(table.size());
    }

    @Override
    public boolean reachable() {
        return true;
    }
}
