package io.geogate.account;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.geogate.config.Redaction;
import io.geogate.country.CountryCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;

/**
 * Homes kept in Redis, for fleets that share one directory: the string key
 * {@code geogate:account:<id>} holds the home code.
 *
 * <p>Answers, "unknown" included, are cached in the process for the cache TTL, so the hot path
 * rarely leaves it. Every Redis call has a timeout. When Redis cannot answer, an expired cached answer
 * still serves (what the cache last saw); with none, the lookup is {@link HomeLookup.Unavailable}
 * and {@code geogate.accounts.unavailable} decides. The cache is bounded in size.
 */
public final class RedisDirectory implements AccountDirectory {

    private static final Logger LOG = Logger.getLogger(RedisDirectory.class);
    public static final String KEY_PREFIX = "geogate:account:";
    private static final long PING_EVERY_MILLIS = 1000;

    private record Answer(HomeLookup lookup, long fetchedAtNanos) {
    }

    private final Redis redis;
    private final Vertx vertx;
    private final String url;
    private final long timeoutMillis;
    private final long ttlNanos;
    private final Cache<String, Answer> cache;
    private final long pinger;
    private volatile boolean reachable;
    private volatile boolean everReachable;

    public RedisDirectory(Redis redis, Vertx vertx, String url, Duration timeout, Duration ttl, int maxSize) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.vertx = Objects.requireNonNull(vertx, "vertx");
        // Only the redacted form is kept: it is what health, /admin/config and the log show.
        this.url = Redaction.url(Objects.requireNonNull(url, "url"));
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.ttlNanos = ttl.toNanos();
        this.cache = Caffeine.newBuilder().maximumSize(maxSize).build();
        ping();
        this.pinger = vertx.setPeriodic(PING_EVERY_MILLIS, id -> ping());
    }

    @Override
    public Future<HomeLookup> lookup(AccountId id) {
        Answer cached = cache.getIfPresent(id.value());
        if (cached != null && System.nanoTime() - cached.fetchedAtNanos() < ttlNanos) {
            return Future.succeededFuture(cached.lookup());
        }
        return send(Request.cmd(Command.GET).arg(KEY_PREFIX + id.value())).transform(ar -> {
            if (ar.succeeded()) {
                markReachable(true);
                HomeLookup lookup = homeOf(id, ar.result());
                if (!(lookup instanceof HomeLookup.Unavailable)) {
                    cache.put(id.value(), new Answer(lookup, System.nanoTime()));
                }
                return Future.succeededFuture(lookup);
            }
            markReachable(false);
            return Future.succeededFuture(cached != null ? cached.lookup() : HomeLookup.UNAVAILABLE);
        });
    }

    private static HomeLookup homeOf(AccountId id, Response value) {
        if (value == null) {
            return HomeLookup.UNKNOWN;
        }
        return CountryCode.parse(value.toString().strip()).<HomeLookup>map(HomeLookup.Known::new).orElseGet(() -> {
            LOG.warnf("redis key %s%s holds '%s', not a country code: the account's home is unresolvable", KEY_PREFIX,
                    id.value(), value);
            return HomeLookup.UNAVAILABLE;
        });
    }

    /** Sends one command, failing with a {@link TimeoutException} past the timeout. */
    private Future<Response> send(Request request) {
        Promise<Response> result = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, t -> result.tryFail(new TimeoutException("no answer within " + timeoutMillis + " ms")));
        redis.send(request).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                result.tryComplete(ar.result());
            } else {
                result.tryFail(ar.cause());
            }
        });
        return result.future();
    }

    private void ping() {
        send(Request.cmd(Command.PING)).onComplete(ar -> markReachable(ar.succeeded()));
    }

    private void markReachable(boolean now) {
        if (now != reachable) {
            if (now) {
                LOG.infof("redis account directory %s is reachable", url);
            } else {
                LOG.warnf("redis account directory %s is unreachable: serving cached homes", url);
            }
        }
        reachable = now;
        everReachable |= now;
    }

    /** Stops the periodic reachability check. */
    public void close() {
        vertx.cancelTimer(pinger);
    }

    @Override
    public String source() {
        return url;
    }

    @Override
    public OptionalLong size() {
        return OptionalLong.empty();
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    @Override
    public boolean ready() {
        return everReachable;
    }
}
