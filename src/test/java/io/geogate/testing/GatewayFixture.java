package io.geogate.testing;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * What a test needs to know of the environment {@link GatewayEnvironment} built: injected into
 * test fields of this type, in {@code @QuarkusTest} and {@code @QuarkusIntegrationTest} alike.
 *
 * @param dataPort      the data plane's port
 * @param upstreamPorts datacenter name to the port of its real upstream server
 * @param dir           the directory holding the policy, database and account files
 * @param started       when the environment was built; the policy's cutoffs are relative to it
 */
public record GatewayFixture(int dataPort, Map<String, Integer> upstreamPorts, Path dir, Instant started) {

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
