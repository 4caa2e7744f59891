package io.geogate;

import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad configuration stops start-up with a message that names the key and every error. */
class StartupIT {

    @TempDir
    Path dir;

    @Test
    void invalidPolicyFileStopsStartUpListingEveryErrorByPath() throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), """
                datacenters:
                  - {name: a, upstream: "ftp://x", default: true}
                restrictions:
                  - {country: PAK, cutoff: "2015-12-30T00:00:00", notise: P1D}
                """);
        try (PackagedGateway gateway = PackagedGateway.start(dir, List.of("geogate.policy.file=policy.yaml",
                "geogate.listen.port=" + Ports.free(), "quarkus.http.port=" + Ports.free()))) {
            assertThat(gateway.exitCode(60)).isNotIn(-1, 0);
            assertThat(gateway.output())
                    .contains("geogate.policy.file=policy.yaml is invalid")
                    .contains("datacenters[0].upstream")
                    .contains("restrictions[0].country")
                    .contains("restrictions[0].cutoff")
                    .contains("restrictions[0].notise");
        }
    }

    @Test
    void missingPolicyFileStopsStartUpNamingTheKey() throws Exception {
        try (PackagedGateway gateway = PackagedGateway.start(dir, List.of("geogate.policy.file=nowhere.yaml",
                "geogate.listen.port=" + Ports.free(), "quarkus.http.port=" + Ports.free()))) {
            assertThat(gateway.exitCode(60)).isNotIn(-1, 0);
            assertThat(gateway.output()).contains("geogate.policy.file=nowhere.yaml");
        }
    }

    @Test
    void badTrustedProxyStopsStartUpNamingTheKey() throws Exception {
        assertThat(failedStartWith("geogate.trusted-proxies=10.0.0.0/8,10.0.0.0/40"))
                .contains("geogate.trusted-proxies").contains("10.0.0.0/40");
    }

    @Test
    void badEnumValueStopsStartUpNamingTheKey() throws Exception {
        assertThat(failedStartWith("geogate.forwarded-header=x-real-ip")).contains("geogate.forwarded-header");
    }

    @Test
    void aDecisionServicePortOutOfRangeStopsStartUpNamingTheKey() throws Exception {
        assertThat(failedStartWith("geogate.authz.grpc.port=70000")).contains("geogate.authz.grpc.port").contains("70000");
    }

    @Test
    void aTokenKeyUnder2048BitsStopsStartUp() throws Exception {
        Files.writeString(dir.resolve("weak.pem"), Tokens.pem(Tokens.rsa(1024).getPublic()));
        assertThat(failedStartWith("geogate.accounts.jwt.public-key=weak.pem", "geogate.accounts.jwt.issuer=https://id.example.com"))
                .contains("geogate.accounts.jwt.public-key").contains("1024");
    }

    @Test
    void aTokenKeyWithoutAnIssuerStopsStartUp() throws Exception {
        Files.writeString(dir.resolve("key.pem"), Tokens.pem(Tokens.rsa(2048).getPublic()));
        assertThat(failedStartWith("geogate.accounts.jwt.public-key=key.pem")).contains("geogate.accounts.jwt.issuer");
    }

    /** Starts with a valid policy and the given bad properties; returns the output of the start that must fail. */
    private String failedStartWith(String... badProperties) throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), "datacenters: [{name: a, upstream: \"http://127.0.0.1:1\", default: true}]\n");
        List<String> properties = new java.util.ArrayList<>(List.of(badProperties));
        properties.addAll(List.of("geogate.policy.file=policy.yaml",
                "geogate.listen.port=" + Ports.free(), "quarkus.http.port=" + Ports.free()));
        try (PackagedGateway gateway = PackagedGateway.start(dir, properties)) {
            assertThat(gateway.exitCode(60)).isNotIn(-1, 0);
            return gateway.output();
        }
    }
}
