package io.geogate;

import io.geogate.testing.MmdbWriter;
import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.geogate.testing.TestFiles;
import io.geogate.testing.TestUpstream;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak: mixed refused, visitor and allowed traffic through the packaged gateway while its policy,
 * database and accounts are swapped every few seconds. Every answer is checked against a model of the
 * decision table written here, independently of geogate's code; a request that overlapped a swap may
 * match the inputs before or after it. It reports requests, answers by status, mismatches and errors,
 * into {@code target/soak-report.txt}; mismatches and errors must be zero.
 *
 * <p>{@code -Dsoak.duration=PT3M} (default {@code PT20S}), {@code -Dsoak.clients=16}; {@code bench/soak.sh} runs it.
 */
class SoakIT {

    private static final Logger LOG = Logger.getLogger(SoakIT.class);

    @TempDir
    Path dir;

    /** The inputs in force, as the model sees them: which version of each. */
    private record Inputs(int policy, int geo, int accounts) {
    }

    private static final List<String> IPS = List.of("39.32.0.1", "39.40.1.2", "85.214.0.1", "77.88.0.1", "8.8.8.8", "192.0.2.7");
    private static final List<String> ACCOUNTS = List.of("", "alice", "bob", "dmitri", "erin", "nobody");

    private static String country(String ip, int geo) {
        if (ip.startsWith("39.")) {
            return "PK";
        }
        if (ip.startsWith("85.214.")) {
            return "DE";
        }
        if (ip.startsWith("77.88.")) {
            return "RU";
        }
        if (ip.startsWith("8.8.8.")) {
            return geo == 0 ? "US" : "PK";
        }
        return null;
    }

    private static String home(String account, int accounts) {
        return switch (account) {
            case "alice" -> "PK";
            case "bob" -> "DE";
            case "dmitri" -> "RU";
            case "erin" -> accounts == 0 ? "US" : "PK";
            default -> null;
        };
    }

    /** The model: status and decision word ("refuse" for 451) for a request under {@code in}. */
    private static String expected(String ip, String account, Inputs in) {
        String country = country(ip, in.geo());
        String home = home(account, in.accounts());
        List<String> restricted = in.policy() == 0 ? List.of("PK") : List.of("PK", "RU");
        if (home != null) {
            if (restricted.contains(home)) {
                return "451 refuse";
            }
            return country != null && restricted.contains(country) ? "200 visitor" : "200 allow";
        }
        return country != null && restricted.contains(country) ? "451 refuse" : "200 allow";
    }

    private String policy(int version, Map<String, Integer> ports) {
        String restrictions = "  - {country: PK, cutoff: \"2015-12-30T00:00:00+05:00\", anonymous: refuse}\n"
                + (version == 1 ? "  - {country: RU, cutoff: \"2020-01-01T00:00:00Z\", anonymous: refuse}\n" : "");
        return """
                datacenters:
                  - {name: karachi, upstream: "http://127.0.0.1:%d", homes: [PK]}
                  - {name: frankfurt, upstream: "http://127.0.0.1:%d", homes: [DE]}
                  - {name: toronto, upstream: "http://127.0.0.1:%d", default: true}
                restrictions:
                %s""".formatted(ports.get("karachi"), ports.get("frankfurt"), ports.get("toronto"), restrictions);
    }

    private static byte[] database(int version) throws Exception {
        return MmdbWriter.geoip2Country().country("39.32.0.0/11", "PK").country("85.214.0.0/16", "DE")
                .country("77.88.0.0/16", "RU").country("8.8.8.0/24", version == 0 ? "US" : "PK").build();
    }

    private static String accounts(int version) {
        return "account,home\nalice,PK\nbob,DE\ndmitri,RU\nerin," + (version == 0 ? "US" : "PK") + "\n";
    }

    @Test
    void mixedTrafficWhileInputsAreSwappedMatchesTheModel() throws Exception {
        Duration duration = Duration.parse(System.getProperty("soak.duration", "PT20S"));
        int clients = Integer.getInteger("soak.clients", 8);
        Vertx vertx = Vertx.vertx();
        Map<String, Integer> ports = new ConcurrentHashMap<>();
        List<TestUpstream> upstreams = new java.util.ArrayList<>();
        for (String name : List.of("karachi", "frankfurt", "toronto")) {
            TestUpstream u = TestUpstream.start(vertx, name);
            upstreams.add(u);
            ports.put(name, u.port());
        }
        Files.writeString(dir.resolve("policy.yaml"), policy(0, ports));
        TestFiles.replace(dir.resolve("country.mmdb"), database(0));
        Files.writeString(dir.resolve("accounts.csv"), accounts(0));
        Files.writeString(dir.resolve("token"), "soak-token");
        int data = Ports.free();
        int control = Ports.free();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicReference<Inputs> settled = new AtomicReference<>(new Inputs(0, 0, 0));
        // The inputs of a swap under way: until its reload has answered, either may be in force.
        AtomicReference<Inputs> pending = new AtomicReference<>(null);
        AtomicLong requests = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicInteger swaps = new AtomicInteger();
        ConcurrentMap<String, AtomicLong> byStatus = new ConcurrentHashMap<>();
        List<String> examples = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (PackagedGateway gateway = PackagedGateway.start(dir, List.of("geogate.listen.port=" + data,
                "quarkus.http.port=" + control, "geogate.policy.file=policy.yaml", "geogate.geo.database=country.mmdb",
                "geogate.accounts.file=accounts.csv", "geogate.admin.token-file=token", "geogate.reload.interval=500ms",
                "geogate.shutdown.drain-delay=0s"))) {
            gateway.awaitReady(control);
            long end = System.nanoTime() + duration.toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
            pool.submit(() -> {
                int step = 0;
                while (System.nanoTime() < end) {
                    Thread.sleep(3000);
                    Inputs before = settled.get();
                    Inputs next = switch (step++ % 3) {
                        case 0 -> new Inputs(1 - before.policy(), before.geo(), before.accounts());
                        case 1 -> new Inputs(before.policy(), 1 - before.geo(), before.accounts());
                        default -> new Inputs(before.policy(), before.geo(), 1 - before.accounts());
                    };
                    pending.set(next);
                    Files.writeString(dir.resolve("policy.tmp"), policy(next.policy(), ports));
                    Files.move(dir.resolve("policy.tmp"), dir.resolve("policy.yaml"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    TestFiles.replace(dir.resolve("country.mmdb"), database(next.geo()));
                    Files.writeString(dir.resolve("accounts.tmp"), accounts(next.accounts()));
                    Files.move(dir.resolve("accounts.tmp"), dir.resolve("accounts.csv"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + control + "/admin/reload"))
                            .header("Authorization", "Bearer soak-token").POST(HttpRequest.BodyPublishers.noBody()).build(),
                            HttpResponse.BodyHandlers.discarding());
                    settled.set(next);
                    pending.set(null);
                    swaps.incrementAndGet();
                }
                return null;
            });
            for (int c = 0; c < clients; c++) {
                long seed = c;
                pool.submit(() -> {
                    Random random = new Random(seed);
                    while (System.nanoTime() < end) {
                        String ip = IPS.get(random.nextInt(IPS.size()));
                        String account = ACCOUNTS.get(random.nextInt(ACCOUNTS.size()));
                        Inputs atStart = settled.get();
                        Inputs swapAtStart = pending.get();
                        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + data + "/soak"))
                                .header("X-Forwarded-For", ip).timeout(Duration.ofSeconds(10));
                        if (!account.isEmpty()) {
                            b.header("X-Account-Id", account);
                        }
                        requests.incrementAndGet();
                        try {
                            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                            byStatus.computeIfAbsent(Integer.toString(r.statusCode()), k -> new AtomicLong()).incrementAndGet();
                            String got = r.statusCode() == 451 ? "451 refuse" : r.statusCode() + " " + decision(r.body());
                            Inputs atEnd = settled.get();
                            Inputs swapAtEnd = pending.get();
                            boolean matches = java.util.stream.Stream.of(atStart, swapAtStart, atEnd, swapAtEnd)
                                    .filter(java.util.Objects::nonNull).anyMatch(in -> expected(ip, account, in).equals(got));
                            if (!matches) {
                                mismatches.incrementAndGet();
                                if (examples.size() < 10) {
                                    examples.add(ip + " " + account + " got " + got + " expected " + expected(ip, account, atEnd));
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            if (examples.size() < 10) {
                                examples.add(ip + " " + account + " error " + e);
                            }
                        }
                    }
                    return null;
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(duration.toSeconds() + 60, TimeUnit.SECONDS)).isTrue();
        } finally {
            for (TestUpstream u : upstreams) {
                u.close();
            }
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        String report = "soak " + duration + ", " + clients + " clients, " + swaps.get() + " input swaps: " + requests.get()
                + " requests, by status " + new java.util.TreeMap<>(byStatus) + ", " + mismatches.get() + " mismatches, "
                + errors.get() + " errors" + (examples.isEmpty() ? "" : "; e.g. " + examples);
        Files.writeString(Path.of("target/soak-report.txt"), report + "\n");
        LOG.info(report);
        assertThat(swaps.get()).isPositive();
        assertThat(mismatches.get()).as(report).isZero();
        assertThat(errors.get()).as(report).isZero();
    }

    private static String decision(String body) {
        JsonArray values = new JsonObject(body).getJsonObject("headers").getJsonArray("x-geogate-decision");
        return values == null ? "none" : values.getString(0);
    }
}
