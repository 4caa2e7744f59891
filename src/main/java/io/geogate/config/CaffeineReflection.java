package io.geogate.config;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Caffeine picks a generated cache class and node class for each combination of builder options, by
 * name ({@code Class.forName} plus a constructor method handle); a native executable only has the ones
 * registered here. geogate builds two kinds of cache: size-bounded (the token verifier's verified
 * tokens, the Redis directory's answers: {@code SSMS} with nodes {@code PSMS}) and weight-bounded with
 * expiry after write (the refused tokens: {@code SSMWW} with nodes {@code PSWMW}).
 * {@code CaffeineReflectionTest} reads the classes of the caches geogate really builds and fails when
 * one is missing here, e.g. after a builder option changes.
 */
@RegisterForReflection(classNames = {
        "com.github.benmanes.caffeine.cache.SSMS",
        "com.github.benmanes.caffeine.cache.PSMS",
        "com.github.benmanes.caffeine.cache.SSMWW",
        "com.github.benmanes.caffeine.cache.PSWMW",
})
public final class CaffeineReflection {
    private CaffeineReflection() {
    }
}
