package io.geogate.config;

import io.geogate.account.RedisDirectory;
import io.geogate.testing.Ports;
import io.geogate.testing.Tokens;
import io.geogate.token.TokenKeys;
import io.geogate.token.TokenVerifier;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Caffeine cache geogate builds, built by geogate's own code: the generated cache and node classes
 * Caffeine chose for them (it loads them by name) must all be registered for reflection in
 * {@link CaffeineReflection}, or a native executable fails the first time that cache is made.
 */
class CaffeineReflectionTest {

    @Test
    void theCacheClassesOfEveryCacheGeogateBuildsAreRegistered() throws Exception {
        List<String> used = new ArrayList<>();
        TokenVerifier verifier = new TokenVerifier(TokenKeys.load(Tokens.pem(Tokens.rsa(2048).getPublic())), Tokens.ISSUER,
                Optional.empty(), "home", Duration.ofSeconds(60), Clock.systemUTC());
        used.addAll(generatedClasses(field(verifier, "verified")));
        used.addAll(generatedClasses(field(verifier, "refused")));
        Vertx vertx = Vertx.vertx();
        try {
            String url = "redis://127.0.0.1:" + Ports.free();
            RedisDirectory redis = new RedisDirectory(Redis.createClient(vertx, url), vertx, url, Duration.ofMillis(100),
                    Duration.ofMinutes(5), 1000);
            try {
                used.addAll(generatedClasses(field(redis, "cache")));
            } finally {
                redis.close();
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }

        assertThat(used).hasSize(6).allMatch(name -> name.startsWith("com.github.benmanes.caffeine.cache."));
        assertThat(CaffeineReflection.class.getAnnotation(RegisterForReflection.class).classNames())
                .containsAll(used);
    }

    /** The generated bounded-cache class behind a manual cache, and the class of its nodes. */
    private static List<String> generatedClasses(Object manualCache) throws Exception {
        Object local = field(manualCache, "cache");
        Object nodeFactory = field(local, "nodeFactory");
        return List.of(local.getClass().getName(), nodeFactory.getClass().getName());
    }

    private static Object field(Object owner, String name) throws Exception {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException notHere) {
                // look in the superclass
            }
        }
        throw new AssertionError(owner.getClass() + " has no field " + name);
    }
}
