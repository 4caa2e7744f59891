package io.geogate.snapshot;

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.geogate.testing.GatewayEnvironment;
import io.geogate.testing.GatewayFixture;
import io.geogate.testing.MmdbWriter;
import io.geogate.testing.TestFiles;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients drive the data plane without pause while the database, the policy and the account file are
 * each replaced by another valid version, then by a corrupt one, then by the first again, many
 * times. Not one request may fail, and every answer must be exactly what one consistent snapshot
 * (some combination of the valid versions of the three inputs) decides for it.
 */
@QuarkusTest
@WithTestResource(value = GatewayEnvironment.class, initArgs = @ResourceArg(name = "isolation", value = "load"))
class ReloadUnderLoadTest {

    private static final int CLIENTS = 4;
    private static final int CYCLES = 4;

    GatewayFixture fixture;

    /** One version of each input: what the database says of each client, the policy, and the homes. */
    private record Variant(Map<String, String> countries, Policy policy, Map<String, String> homes) {
    }

    private record Probe(String ip, String account) {
    }

    private static final List<Probe> PROBES = List.of(new Probe("39.32.0.1", ""), new Probe("39.32.0.1", "bob"),
            new Probe("85.214.0.1", "alice"), new Probe("85.214.0.1", ""));

    @Test
    void noRequestFailsAndEveryAnswerMatchesAConsistentSnapshot() throws Exception {
        byte[] geoA = Files.readAllBytes(fixture.geoDatabase());
        byte[] geoB = MmdbWriter.geoip2Country().country("39.32.0.0/11", "DE").country("85.214.0.0/16", "PK").build();
        Path corruptFile = fixture.dir().resolve("load-corrupt.mmdb");
        MmdbWriter.corruptTree(fixture.geoDatabase(), corruptFile);
        byte[] geoCorrupt = Files.readAllBytes(corruptFile);
        String policyA = Files.readString(fixture.policyFile());
        String policyB = policyA.replace("anonymous: refuse", "anonymous: allow");
        String accountsA = Files.readString(fixture.accountsFile());
        String accountsB = accountsA.replace("alice,PK", "alice,DE").replace("bob,DE", "bob,PK");

        List<Map<String, String>> geos = List.of(Map.of("39.32.0.1", "PK", "85.214.0.1", "DE"),
                Map.of("39.32.0.1", "DE", "85.214.0.1", "PK"));
        List<Policy> policies = List.of(PolicyParser.parse(policyA), PolicyParser.parse(policyB));
        List<Map<String, String>> homes = List.of(Map.of("alice", "PK", "bob", "DE"), Map.of("alice", "DE", "bob", "PK"));
        List<Variant> snapshots = new ArrayList<>();
        for (Map<String, String> g : geos) {
            for (Policy p : policies) {
                for (Map<String, String> h : homes) {
                    snapshots.add(new Variant(g, p, h));
                }
            }
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sent = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread t = new Thread(() -> drive(running, sent, failures, seen, snapshots));
            t.start();
            clients.add(t);
        }
        try {
            for (int i = 0; i < CYCLES; i++) {
                cycle(fixture.geoDatabase(), geoB, geoCorrupt, geoA);
                cycle(fixture.policyFile(), policyB.getBytes(), "datacenters: [{name: x".getBytes(), policyA.getBytes());
                cycle(fixture.accountsFile(), accountsB.getBytes(), (accountsA + "eve,QQ\n").getBytes(), accountsA.getBytes());
            }
        } finally {
            running.set(false);
            for (Thread t : clients) {
                t.join(10_000);
            }
        }
        assertThat(failures).as("requests that failed or matched no snapshot").isEmpty();
        assertThat(sent.get()).isGreaterThan(200);
        assertThat(seen).as("answers from both databases were seen under load")
                .contains("39.32.0.1/ country=PK", "39.32.0.1/ country=DE");
    }

    /**
     * Each version is loaded (a synchronous reload; the corrupt one is refused) and stays 150 ms, while the
     * watcher polls too: left to a 200 ms watcher alone, a 150 ms version could be missed every cycle.
     */
    private static void cycle(Path file, byte[] other, byte[] corrupt, byte[] original) throws Exception {
        for (byte[] content : List.of(other, corrupt, original)) {
            TestFiles.replace(file, content);
            io.geogate.testing.Admin.admin().post("/admin/reload");
            Thread.sleep(150);
        }
    }

    private void drive(AtomicBoolean running, AtomicInteger sent, List<String> failures, Set<String> seen,
                       List<Variant> snapshots) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int i = 0;
        while (running.get()) {
            Probe probe = PROBES.get(i++ % PROBES.size());
            Instant now = Instant.now();
            String answer;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + fixture.dataPort() + "/load"))
                        .header("X-Forwarded-For", probe.ip()).header("X-Account-Id", probe.account()).build(),
                        HttpResponse.BodyHandlers.ofString());
                answer = describe(r.statusCode(), new JsonObject(r.body()));
            } catch (Exception e) {
                failures.add(probe + " failed: " + e);
                continue;
            }
            sent.incrementAndGet();
            seen.add(probe.ip() + "/" + probe.account() + " country=" + field(answer, "country"));
            Set<String> possible = new HashSet<>();
            for (Variant v : snapshots) {
                possible.add(expected(v, probe, now));
            }
            if (!possible.contains(answer)) {
                failures.add(probe + " got " + answer + ", possible: " + possible);
            }
        }
    }

    private static String field(String answer, String name) {
        int at = answer.indexOf(name + "=");
        return at < 0 ? "" : answer.substring(at + name.length() + 1).split(" ")[0];
    }

    /** The answer a client sees, reduced to what the snapshot determines. */
    private static String describe(int status, JsonObject body) {
        if (status == 451) {
            return "451 reason=" + body.getString("reason") + " restriction=" + body.getString("country");
        }
        if (status != 200) {
            return status + " " + body.encode();
        }
        JsonObject h = body.getJsonObject("headers");
        return "200 datacenter=" + body.getString("datacenter") + " decision=" + first(h, "x-geogate-decision")
                + " country=" + first(h, "x-geo-country") + " home=" + first(h, "x-account-home");
    }

    private static String first(JsonObject headers, String name) {
        return headers.containsKey(name) ? headers.getJsonArray(name).getString(0) : "-";
    }

    /** What snapshot {@code v} decides for {@code probe}, in the form {@link #describe} gives. */
    private static String expected(Variant v, Probe probe, Instant now) {
        Optional<CountryCode> country = Optional.ofNullable(v.countries().get(probe.ip())).map(CountryCode::new);
        Optional<Facts.Account> account = Optional.ofNullable(v.homes().get(probe.account()))
                .map(h -> new Facts.Account(new AccountId(probe.account()), new CountryCode(h)));
        Decision d = Decider.decide(new Facts(country, account), v.policy(), now.minus(Duration.ZERO));
        if (d instanceof Decision.Refuse refuse && refuse.enforced()) {
            return "451 reason=" + d.reason().word() + " restriction=" + refuse.restriction().map(r -> r.country().value()).orElse(null);
        }
        String header = d instanceof Decision.Allow && d.reason().word().equals("visitor") ? "visitor" : d.outcome();
        return "200 datacenter=" + d.datacenter().name() + " decision=" + header + " country="
                + country.map(Object::toString).orElse("-") + " home=" + account.map(a -> a.home().value()).orElse("-");
    }
}
