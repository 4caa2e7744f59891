package io.geogate.bench;

import io.geogate.account.AccountFile;
import io.geogate.account.AccountResolver;
import io.geogate.account.CompactDirectory;
import io.geogate.account.FileDirectory;
import io.geogate.address.ClientAddressResolver;
import io.geogate.address.ForwardedHeader;
import io.geogate.address.TrustedProxies;
import io.geogate.config.GeogateConfig;
import io.geogate.evaluation.Evaluator;
import io.geogate.geo.GeoDatabase;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.geogate.snapshot.PolicyInForce;
import io.geogate.snapshot.Snapshot;
import io.geogate.token.VerificationPool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Every geogate constructor the hot-path benchmarks call, in one place, so that a changed constructor
 * is adapted here only. Files are the repository's own: run the benchmarks from the repository root, or
 * pass {@code -jvmArgsAppend -Dgeogate.root=/path/to/repo}.
 */
final class HotPath {

    /** The trusted proxies of the benchmarks: loopback and 10/8, so that a chain of proxies can be walked. */
    static final List<String> TRUSTED = List.of("127.0.0.1/32", "::1/128", "10.0.0.0/8");

    private HotPath() {
    }

    static Path root() {
        Path root = Path.of(System.getProperty("geogate.root", "")).toAbsolutePath();
        if (!Files.isRegularFile(root.resolve("config/policy.yaml"))) {
            throw new IllegalStateException("run from geogate's repository root, or set -Dgeogate.root (looked in " + root + ")");
        }
        return root;
    }

    static GeoDatabase geo() throws Exception {
        return GeoDatabase.open(root().resolve("geo-data/geo-whois-asn-country.mmdb"), Instant.now());
    }

    static Policy policy() throws Exception {
        return PolicyParser.parse(Files.readString(root().resolve("config/policy.yaml")));
    }

    /** A compact directory of {@code size} generated accounts ({@code acct-<n>}). */
    static CompactDirectory accounts(int size) throws Exception {
        return AccountFile.load(GeneratedAccounts.file(size));
    }

    static FileDirectory fileDirectory(int size) throws Exception {
        return new FileDirectory(GeneratedAccounts.file(size), accounts(size));
    }

    static ClientAddressResolver addresses() {
        return new ClientAddressResolver(TrustedProxies.parse(TRUSTED), ForwardedHeader.X_FORWARDED_FOR, Optional.empty());
    }

    /** The account header only (no token keys, so the verification pool is never used). */
    static AccountResolver identities() {
        return new AccountResolver("X-Account-Id", Optional.empty(), new VerificationPool(null, 1));
    }

    static Evaluator evaluator() {
        return new Evaluator(GeogateConfig.Unavailable.ANONYMOUS);
    }

    static Snapshot snapshot(Policy policy, GeoDatabase geo, FileDirectory accounts, Instant now) {
        return new Snapshot(new PolicyInForce(policy, "bench", "bench", now), Optional.of(geo), accounts, addresses(),
                identities());
    }
}
