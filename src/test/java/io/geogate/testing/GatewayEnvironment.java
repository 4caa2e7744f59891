package io.geogate.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A complete world for geogate: a country database built by {@link MmdbWriter}, a policy whose
 * cutoffs are set around the moment the tests start, an account file, and one real HTTP server per
 * datacenter on an ephemeral port. A fourth datacenter, {@code lagos}, points at a closed port.
 *
 * <p>Arguments: {@code schema} ({@code geoip2} or {@code flat}), {@code unknown-country}, {@code mode},
 * {@code geo} ({@code missing} for no database at all), {@code timeout} (upstream timeout),
 * {@code admin-token} ({@code none} for no admin token; by default {@link #ADMIN_TOKEN} in a token
 * file), {@code isolation} (any value: a class that changes the files on disk gets an application of
 * its own, because classes with equal arguments share one), {@code jwt} ({@code rsa}: tokens signed by
 * the key in {@link GatewayFixture#tokenSigningKey()} are verified), {@code directory} ({@code redis}:
 * the same accounts in a real redis-server), {@code unavailable} ({@code geogate.accounts.unavailable}),
 * {@code tls} ({@code trusted} or {@code untrusted}: frankfurt speaks TLS with a self-signed certificate,
 * which geogate is told to trust, or not), {@code cache-ttl} ({@code geogate.accounts.cache.ttl}),
 * {@code redis-password} (Redis requires it; it is in the configured URL), {@code redis-timeout} (5s unless given),
 * {@code header-timeout}, {@code max-connections} ({@code geogate.limits.*}), {@code upstream-connections} (both
 * {@code geogate.upstream.max-connections} and {@code max-waiting}), {@code max-body} and {@code idle-timeout}
 * ({@code geogate.limits.*}), {@code geo-file-mode} ({@code geogate.geo.file-mode}), {@code authz} (any value: both decision services on free ports,
 * {@code geogate.authz.grpc.port} and {@code geogate.authz.http.port}). Shutdown has no drain delay,
 * so that test applications stop at once.
 *
 * <p>Countries of the fixture addresses: 39.32.0.0/11 PK, 85.214.0.0/16 DE, 2a01:4f8::/32 DE,
 * 77.88.0.0/16 RU, 2.144.0.0/14 IR, 8.8.8.0/24 US; everything else has none. Restrictions: PK since a
 * day ago (30 days' notice, anonymous refused), RU in ten days (30 days' notice, so in notice now),
 * IR since a day ago with anonymous allowed. Accounts: alice PK, bob DE, dmitri RU, reza IR,
 * erin US, bruno NG (homed in lagos, the unreachable datacenter).
 */
public class GatewayEnvironment implements QuarkusTestResourceLifecycleManager {

    /** The admin bearer token the environment configures, through {@code geogate.admin.token-file}. */
    public static final String ADMIN_TOKEN = "test-admin-token";

    private final Map<String, String> args = new HashMap<>();
    private Vertx vertx;
    private RedisServer redis;
    private final List<TestUpstream> upstreams = new java.util.ArrayList<>();
    private GatewayFixture fixture;

    @Override
    public void init(Map<String, String> initArgs) {
        args.putAll(initArgs);
    }

    @Override
    public Map<String, String> start() {
        try {
            return build();
        } catch (Exception e) {
            throw new IllegalStateException("could not build the test environment", e);
        }
    }

    private Map<String, String> build() throws Exception {
        Instant now = Instant.now();
        Path dir = Files.createTempDirectory("geogate-test");
        vertx = Vertx.vertx();
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (String name : List.of("karachi", "frankfurt", "toronto")) {
            TestUpstream upstream = name.equals("frankfurt") && args.containsKey("tls")
                    ? TestUpstream.startTls(vertx, name, selfSignedKeystore(dir), KEYSTORE_PASSWORD)
                    : TestUpstream.start(vertx, name);
            upstreams.add(upstream);
            ports.put(name, upstream.port());
        }
        ports.put("lagos", Ports.free());
        if ("redis".equals(args.get("directory"))) {
            redis = RedisServer.start(dir, java.util.Optional.ofNullable(args.get("redis-password")));
        }
        fixture = new GatewayFixture(Ports.free(), Map.copyOf(ports), dir, now, java.util.Optional.ofNullable(redis));

        writeDatabase(fixture.geoDatabase(), args.getOrDefault("schema", "geoip2"));
        Files.writeString(fixture.policyFile(), policy(ports, now, args));
        Files.writeString(fixture.accountsFile(), """
                account,home
                alice,PK
                bob,DE
                dmitri,RU
                reza,IR
                erin,US
                bruno,NG
                """);
        if (redis != null) {
            seedRedis(redis, fixture.accountsFile());
        }

        Map<String, String> config = new HashMap<>();
        config.put("geogate.listen.port", Integer.toString(fixture.dataPort()));
        config.put("geogate.listen.host", "127.0.0.1");
        config.put("geogate.policy.file", fixture.policyFile().toString());
        config.put("geogate.geo.database", "missing".equals(args.get("geo"))
                ? dir.resolve("no-such.mmdb").toString() : fixture.geoDatabase().toString());
        config.put("geogate.accounts.file", fixture.accountsFile().toString());
        // Long enough that a loaded machine never turns a plain request into a 504; the 504 test waits it out.
        config.put("geogate.upstream.timeout", args.getOrDefault("timeout", "5s"));
        config.put("geogate.reload.interval", "200ms");
        config.put("geogate.shutdown.drain-delay", "0s");
        config.put("geogate.shutdown.timeout", "2s");
        if (args.containsKey("geo-file-mode")) {
            config.put("geogate.geo.file-mode", args.get("geo-file-mode"));
        }
        if (args.containsKey("authz")) {
            config.put("geogate.authz.grpc.port", Integer.toString(Ports.free()));
            config.put("geogate.authz.http.port", Integer.toString(Ports.free()));
        }
        if (args.containsKey("max-body")) {
            config.put("geogate.limits.max-body", args.get("max-body"));
        }
        if (args.containsKey("idle-timeout")) {
            config.put("geogate.limits.idle-timeout", args.get("idle-timeout"));
        }
        if ("redis".equals(args.get("directory"))) {
            config.put("geogate.accounts.directory", "redis");
            config.put("geogate.accounts.redis.url", redis.url());
        }
        // 5 s unless a test measures the timeout itself: a 250 ms default would let a scheduling stall on a
        // loaded machine turn a known account into an unknown one.
        config.put("geogate.accounts.redis.timeout", args.getOrDefault("redis-timeout", "5s"));
        if (args.containsKey("header-timeout")) {
            config.put("geogate.limits.request-header-timeout", args.get("header-timeout"));
        }
        if (args.containsKey("max-connections")) {
            config.put("geogate.limits.max-connections", args.get("max-connections"));
        }
        if (args.containsKey("upstream-connections")) {
            config.put("geogate.upstream.max-connections", args.get("upstream-connections"));
            config.put("geogate.upstream.max-waiting", args.get("upstream-connections"));
        }
        if (args.containsKey("cache-ttl")) {
            config.put("geogate.accounts.cache.ttl", args.get("cache-ttl"));
        }
        if (args.containsKey("unavailable")) {
            config.put("geogate.accounts.unavailable", args.get("unavailable"));
        }
        if ("rsa".equals(args.get("jwt"))) {
            java.security.KeyPair keys = Tokens.rsa(2048);
            Files.writeString(fixture.tokenPublicKey(), Tokens.pem(keys.getPublic()));
            Files.writeString(fixture.tokenSigningKey(), Tokens.privatePem(keys.getPrivate()));
            config.put("geogate.accounts.jwt.public-key", fixture.tokenPublicKey().toString());
            config.put("geogate.accounts.jwt.issuer", Tokens.ISSUER);
            config.put("geogate.accounts.jwt.audience", Tokens.AUDIENCE);
        }
        if ("trusted".equals(args.get("tls"))) {
            config.put("geogate.upstream.trust-certificates", dir.resolve("upstream.pem").toString());
        }
        if (!"none".equals(args.get("admin-token"))) {
            Files.writeString(dir.resolve("admin-token"), ADMIN_TOKEN + "\n");
            config.put("geogate.admin.token-file", dir.resolve("admin-token").toString());
        }
        return config;
    }

    private static final String KEYSTORE_PASSWORD = "changeit";

    /**
     * A PKCS#12 keystore with a self-signed certificate for localhost and 127.0.0.1, made with the JDK's
     * keytool, and that certificate as PEM in {@code upstream.pem}.
     */
    private static Path selfSignedKeystore(Path dir) throws Exception {
        Path keystore = dir.resolve("upstream.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "upstream", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", KEYSTORE_PASSWORD, "-keypass", KEYSTORE_PASSWORD);
        run(keytool, "-exportcert", "-rfc", "-alias", "upstream", "-keystore", keystore.toString(),
                "-storepass", KEYSTORE_PASSWORD, "-file", dir.resolve("upstream.pem").toString());
        return keystore;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    /** Writes every account of the CSV file into Redis, as {@code geogate:account:<id>}. */
    public static void seedRedis(RedisServer redis, Path accounts) throws IOException {
        for (String line : Files.readAllLines(accounts)) {
            String[] f = line.split(",");
            if (f.length == 2 && !f[0].equals("account")) {
                redis.command("SET", "geogate:account:" + f[0], f[1]);
            }
        }
    }

    /** Writes the fixture database in the given schema. */
    public static void writeDatabase(Path file, String schema) throws IOException {
        MmdbWriter writer = "flat".equals(schema) ? MmdbWriter.flatCountry() : MmdbWriter.geoip2Country();
        TestFiles.replace(file, writer.country("39.32.0.0/11", "PK")
                .country("85.214.0.0/16", "DE")
                .country("2a01:4f8::/32", "DE")
                .country("77.88.0.0/16", "RU")
                .country("2.144.0.0/14", "IR")
                .country("8.8.8.0/24", "US")
                .build());
    }

    /** The policy text for this environment. */
    public static String policy(Map<String, Integer> ports, Instant now, Map<String, String> args) {
        Instant dayAgo = now.minus(Duration.ofDays(1));
        Instant inTenDays = now.plus(Duration.ofDays(10));
        return """
                datacenters:
                  - {name: karachi, upstream: "http://127.0.0.1:%d", homes: [PK]}
                  - {name: frankfurt, upstream: "%s://%s:%d", homes: [DE, GB, FR]}
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                  - {name: lagos, upstream: "http://127.0.0.1:%d", homes: [NG]}
                restrictions:
                  - country: PK
                    cutoff: "%s"
                    notice: P30D
                    anonymous: refuse
                    blocked-by: https://example.com/legal/pk
                    reason: Service withdrawn from Pakistan by government order
                  - country: RU
                    cutoff: "%s"
                    notice: P30D
                    blocked-by: https://example.com/legal/ru
                  - country: IR
                    cutoff: "%s"
                    anonymous: allow
                unknown-country: %s
                mode: %s
                """.formatted(ports.get("karachi"), args.containsKey("tls") ? "https" : "http",
                args.containsKey("tls") ? "localhost" : "127.0.0.1", ports.get("frankfurt"), ports.get("toronto"), ports.get("lagos"),
                dayAgo, inTenDays, dayAgo, args.getOrDefault("unknown-country", "allow"),
                args.getOrDefault("mode", "enforce"));
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(fixture, new TestInjector.MatchesType(GatewayFixture.class));
    }

    @Override
    public void stop() {
        try {
            for (TestUpstream upstream : upstreams) {
                upstream.close();
            }
            if (redis != null) {
                redis.close();
            }
            if (vertx != null) {
                vertx.close().toCompletionStage().toCompletableFuture().get();
            }
            if (fixture != null) {
                try (Stream<Path> files = Files.walk(fixture.dir())) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
