package io.geogate.bench;

import io.geogate.account.AccountId;
import io.geogate.account.AccountResolver;
import io.geogate.account.CompactDirectory;
import io.geogate.account.FileDirectory;
import io.geogate.account.HomeLookup;
import io.geogate.account.Identity;
import io.geogate.address.ClientAddress;
import io.geogate.proxy.ProblemAnswer;
import io.geogate.address.ClientAddressResolver;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.evaluation.Evaluation;
import io.geogate.evaluation.Evaluator;
import io.geogate.geo.GeoDatabase;
import io.geogate.policy.Policy;
import io.geogate.snapshot.Snapshot;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The data plane's per-request work outside Vert.x's HTTP machinery, step by step and whole, with the
 * bundled database, the example policy and a directory of a million generated accounts. Average ns per
 * operation; add {@code -prof gc} for bytes allocated per operation ({@code gc.alloc.rate.norm}).
 *
 * <ul>
 *   <li>{@code address*}: the client behind a trusted peer with a 3-entry X-Forwarded-For (two trusted
 *       proxies walked), and an untrusted peer (headers not read);</li>
 *   <li>{@code country*}: {@link GeoDatabase#tryCountry} for one IPv4 address that has a country, 1,024
 *       such addresses in turn (less help from caches), an IPv6 address that has one, a public address
 *       the file does not know, and a private address (answered before the file is read);</li>
 *   <li>{@code account*}: the compact table's lookup (hit, miss), the file directory's {@code Future}
 *       answer, and the account header to an {@link Identity} as the data plane does it;</li>
 *   <li>{@code decide*}: {@link Decider#decide} for an anonymous client in PK (refused), one in DE
 *       (unrestricted) and an account homed in DE visiting PK (visitor);</li>
 *   <li>{@code evaluate*}: {@link Evaluator#evaluate} with the client and identity known;</li>
 *   <li>{@code request*}: what the data plane does for a request before it answers or proxies: resolve
 *       the client, resolve the identity, evaluate (country lookup and decision);</li>
 *   <li>{@code refusalBody}: the 451 problem+json body built and encoded as the data plane builds it.</li>
 * </ul>
 * Setup checks that each case is what its name says (a hit is a hit, a refusal a refusal).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class HotPathBenchmark {

    static final int ACCOUNTS = 1_000_000;
    private static final int ROTATION = 1024;

    private Instant now;
    private Policy policy;
    private GeoDatabase geo;
    private CompactDirectory table;
    private FileDirectory directory;
    private ClientAddressResolver addresses;
    private AccountResolver identities;
    private Evaluator evaluator;
    private Snapshot snapshot;

    private InetAddress loopback;
    private InetAddress untrustedPeer;
    private MultiMap anonymousPk;
    private MultiMap accountVisitingPk;
    private InetAddress ipv4Hit;
    private InetAddress[] ipv4Rotation;
    private InetAddress ipv6Hit;
    private InetAddress miss;
    private InetAddress privateAddress;
    private String accountHit;
    private String accountMiss;
    private AccountId accountHitId;

    private Facts anonymousInPk;
    private Facts anonymousInDe;
    private Facts visitorInPk;
    private ClientAddress clientInPk;
    private Future<Identity> anonymous;
    private Decision.Refuse refusal;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        now = Instant.now();
        policy = HotPath.policy();
        geo = HotPath.geo();
        table = HotPath.accounts(ACCOUNTS);
        directory = HotPath.fileDirectory(ACCOUNTS);
        addresses = HotPath.addresses();
        identities = HotPath.identities();
        evaluator = HotPath.evaluator();
        snapshot = HotPath.snapshot(policy, geo, directory, now);

        loopback = InetAddress.getByName("127.0.0.1");
        untrustedPeer = InetAddress.getByName("81.2.69.160");
        anonymousPk = request("39.32.0.1, 10.0.0.2, 10.0.0.1");
        accountVisitingPk = request("39.32.0.1, 10.0.0.2, 10.0.0.1");
        // acct-1 is homed in DE (GeneratedAccounts.HOMES cycles PK, DE, ...).
        accountHit = GeneratedAccounts.id(1);
        accountMiss = GeneratedAccounts.id(ACCOUNTS + 1);
        accountHitId = new AccountId(accountHit);
        accountVisitingPk.add("X-Account-Id", accountHit);

        ipv4Hit = InetAddress.getByName("39.32.0.1");
        ipv6Hit = InetAddress.getByName("2a00:1450:4001::1");
        miss = InetAddress.getByName("192.0.2.1");
        privateAddress = InetAddress.getByName("10.1.2.3");
        ipv4Rotation = ipv4Hits(ROTATION);

        CountryCode pk = new CountryCode("PK");
        CountryCode de = new CountryCode("DE");
        anonymousInPk = new Facts(Optional.of(pk), Optional.empty());
        anonymousInDe = new Facts(Optional.of(de), Optional.empty());
        visitorInPk = new Facts(Optional.of(pk), Optional.of(new Facts.Account(accountHitId, de)));
        clientInPk = addresses.resolve(loopback, anonymousPk::getAll);
        anonymous = Future.succeededFuture(Identity.NO_ACCOUNT);
        refusal = (Decision.Refuse) Decider.decide(anonymousInPk, policy, now);

        check();
    }

    private static MultiMap request(String xff) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        headers.add("Host", "app.example.com");
        headers.add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)");
        headers.add("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        headers.add("Accept-Encoding", "gzip, deflate, br");
        headers.add("X-Forwarded-For", xff);
        return headers;
    }

    /** Public IPv4 addresses that have a country, drawn at random. */
    private InetAddress[] ipv4Hits(int count) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        InetAddress[] hits = new InetAddress[count];
        for (int found = 0; found < count; ) {
            int bits = random.nextInt();
            InetAddress a = InetAddress.getByAddress(new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits});
            if (geo.tryCountry(a).isPresent()) {
                hits[found++] = a;
            }
        }
        return hits;
    }

    /** Each case is what its name says. */
    private void check() {
        expect(addressXff3().address().equals(ipv4Hit), "the 3-entry chain resolves to 39.32.0.1");
        expect(addressUntrustedPeer().address().equals(untrustedPeer), "an untrusted peer is the client");
        expect(countryIpv4Hit().equals(Optional.of(new CountryCode("PK"))), "39.32.0.1 is in PK");
        expect(countryIpv6Hit().isPresent(), "2a00:1450:4001::1 has a country");
        expect(countryMiss().isEmpty(), "192.0.2.1 has no country");
        expect(countryPrivate().isEmpty(), "10.1.2.3 has no country");
        expect(accountCompactHit().equals(Optional.of(new CountryCode("DE"))), accountHit + " is homed in DE");
        expect(accountCompactMiss().isEmpty(), accountMiss + " is unknown");
        expect(accountFileDirectory().result() instanceof HomeLookup.Known, "the file directory knows " + accountHit);
        expect(accountFromHeader().result() instanceof Identity.Homed, "the header names a homed account");
        expect(decideAnonymousRefused() instanceof Decision.Refuse, "anonymous in PK is refused");
        expect(decideAnonymousAllowed() instanceof Decision.Allow, "anonymous in DE is allowed");
        expect(decideVisitor() instanceof Decision.Allow a && a.reason().word().equals("visitor"), "DE in PK is a visitor");
        expect(outcome(evaluateAnonymousRefused()).equals("refuse"), "evaluate: anonymous in PK is refused");
        expect(outcome(requestAnonymousRefused()).equals("refuse"), "request: anonymous in PK is refused");
        expect(outcome(requestVisitor()).equals("allow"), "request: the visitor is allowed");
        expect(refusalBody().body().toJsonObject().getString("cutoff").equals("2015-12-29T19:00:00Z"), "the 451 body has the cutoff");
    }

    private static String outcome(Future<Evaluation> evaluation) {
        expect(evaluation.isComplete(), "the evaluation completes at once, without an event loop");
        return ((Evaluation.Decided) evaluation.result()).decision().outcome();
    }

    private static void expect(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark setup: expected " + what);
        }
    }

    private int next;

    private InetAddress nextIpv4() {
        next = (next + 1) & (ROTATION - 1);
        return ipv4Rotation[next];
    }

    // --- Client address -----------------------------------------------------------------------------

    @Benchmark
    public ClientAddress addressXff3() {
        return addresses.resolve(loopback, anonymousPk::getAll);
    }

    @Benchmark
    public ClientAddress addressUntrustedPeer() {
        return addresses.resolve(untrustedPeer, anonymousPk::getAll);
    }

    // --- Country ------------------------------------------------------------------------------------

    @Benchmark
    public Optional<CountryCode> countryIpv4Hit() {
        return geo.tryCountry(ipv4Hit);
    }

    @Benchmark
    public Optional<CountryCode> countryIpv4Rotating() {
        return geo.tryCountry(nextIpv4());
    }

    @Benchmark
    public Optional<CountryCode> countryIpv6Hit() {
        return geo.tryCountry(ipv6Hit);
    }

    @Benchmark
    public Optional<CountryCode> countryMiss() {
        return geo.tryCountry(miss);
    }

    @Benchmark
    public Optional<CountryCode> countryPrivate() {
        return geo.tryCountry(privateAddress);
    }

    // --- Account ------------------------------------------------------------------------------------

    @Benchmark
    public Optional<CountryCode> accountCompactHit() {
        return table.home(accountHit);
    }

    @Benchmark
    public Optional<CountryCode> accountCompactMiss() {
        return table.home(accountMiss);
    }

    @Benchmark
    public Future<HomeLookup> accountFileDirectory() {
        return directory.lookup(accountHitId);
    }

    @Benchmark
    public Future<Identity> accountFromHeader() {
        return identities.resolve(accountVisitingPk::getAll, true, directory);
    }

    // --- Decision -----------------------------------------------------------------------------------

    @Benchmark
    public Decision decideAnonymousRefused() {
        return Decider.decide(anonymousInPk, policy, now);
    }

    @Benchmark
    public Decision decideAnonymousAllowed() {
        return Decider.decide(anonymousInDe, policy, now);
    }

    @Benchmark
    public Decision decideVisitor() {
        return Decider.decide(visitorInPk, policy, now);
    }

    // --- Whole evaluation ---------------------------------------------------------------------------

    @Benchmark
    public Future<Evaluation> evaluateAnonymousRefused() {
        return evaluator.evaluate(snapshot, clientInPk, anonymous, now);
    }

    @Benchmark
    public Future<Evaluation> requestAnonymousRefused() {
        return request(anonymousPk);
    }

    @Benchmark
    public Future<Evaluation> requestVisitor() {
        return request(accountVisitingPk);
    }

    /** As the data plane's handler: the client, its identity, then the evaluation. */
    private Future<Evaluation> request(MultiMap headers) {
        ClientAddress client = snapshot.addresses().resolve(loopback, headers::getAll);
        return evaluator.evaluate(snapshot, client,
                snapshot.identities().resolve(headers::getAll, client.peerTrusted(), snapshot.accounts()), now);
    }

    // --- The 451 body -------------------------------------------------------------------------------

    /** The answer every plane sends for a refusal: status, headers and the problem+json body. */
    @Benchmark
    public ProblemAnswer refusalBody() {
        return ProblemAnswer.refusal(refusal, clientInPk);
    }
}
