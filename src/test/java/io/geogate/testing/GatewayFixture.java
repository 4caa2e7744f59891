package io.geogate.testing;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * What a test needs to know of the environment {@link GatewayEnvironment} built: injected into
 * test fields of this type, in {@code @QuarkusTest} and {@code @QuarkusIntegrationTest} alike.
 *
 * @param dataPort      the data plane's port
 * @param upstreamPorts datacenter name to the port of its real upstream server
 * @param dir           the directory holding the policy, database and account files
 * @param started       when the environment was built; the policy's cutoffs are relative to it
 * @param redis         the Redis server holding the accounts, with {@code directory=redis}
 */
public record GatewayFixture(int dataPort, Map<String, Integer> upstreamPorts, Path dir, Instant started,
                             Optional<RedisServer> redis) {

    /** The public key tokens are verified with, with {@code jwt=rsa}. */
    public Path tokenPublicKey() {
        return dir.resolve("token-public.pem");
    }

    /** The private key that signs valid tokens, with {@code jwt=rsa}. */
    public Path tokenSigningKey() {
        return dir.resolve("token-signing.pem");
    }

    /** A token for {@code sub} (with {@code home} unless null) signed by the configured key. */
    public String token(String sub, String home) {
        try {
            return Tokens.sign(Tokens.claims(sub, home), Tokens.readPrivate(tokenSigningKey(), "RSA"), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public Path policyFile() {
        return dir.resolve("policy.yaml");
    }

    public Path geoDatabase() {
        return dir.resolve("country.mmdb");
    }

    public Path accountsFile() {
        return dir.resolve("accounts.csv");
    }
}
