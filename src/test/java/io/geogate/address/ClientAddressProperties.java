package io.geogate.address;

// Property-based tests of the forwarding-header walk. CI runs the tries written here (a few seconds); a
// longer run multiplies them: ./mvnw test -Dtest='ClientAddressProperties' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.geo.GeoDatabase;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.geogate.testing.MmdbWriter;
import io.geogate.testing.ScaledTries;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client address cannot be forged: an untrusted peer's headers change nothing; for a trusted peer,
 * whatever is written left of an untrusted entry changes nothing; duplicated, reordered or unrelated
 * headers never turn a refusal into an allow; and no header text makes the resolver throw or name an
 * address that was not written as a literal.
 */
@AddLifecycleHook(ScaledTries.class)
class ClientAddressProperties {

    private static final TrustedProxies TRUSTED = TrustedProxies.parse(List.of("127.0.0.1/32", "::1/128", "10.0.0.0/8",
            "2001:db8:ffff::/48"));
    private static final ClientAddressResolver XFF = new ClientAddressResolver(TRUSTED, ForwardedHeader.X_FORWARDED_FOR, Optional.empty());
    private static final ClientAddressResolver FORWARDED = new ClientAddressResolver(TRUSTED, ForwardedHeader.FORWARDED, Optional.empty());
    private static final ClientAddressResolver SINGLE = new ClientAddressResolver(TRUSTED, ForwardedHeader.X_FORWARDED_FOR,
            Optional.of("CF-Connecting-IP"));
    private static final List<ClientAddressResolver> RESOLVERS = List.of(XFF, FORWARDED, SINGLE);

    private static final GeoDatabase GEO = geo();
    private static final Policy POLICY = policy();

    private static GeoDatabase geo() {
        try {
            Path file = Files.createTempFile("geo", ".mmdb");
            file.toFile().deleteOnExit();
            MmdbWriter.geoip2Country().country("39.32.0.0/11", "PK").country("85.214.0.0/16", "DE")
                    .country("2a01:4f8::/32", "PK").write(file);
            return GeoDatabase.open(file, GeoDatabase.FileMode.MEMORY, Instant.now());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Policy policy() {
        try {
            return PolicyParser.parse("""
                    datacenters: [{name: a, upstream: "http://127.0.0.1:1", default: true}]
                    restrictions: [{country: PK, cutoff: "2015-12-30T00:00:00Z", anonymous: refuse}]
                    unknown-country: allow
                    """);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- properties ----

    @Property(tries = 500)
    void anUntrustedPeersHeadersNeverChangeTheClient(@ForAll("untrustedAddresses") InetAddress peer,
                                                     @ForAll("headerSets") Map<String, List<String>> headers) {
        for (ClientAddressResolver resolver : RESOLVERS) {
            ClientAddress a = resolver.resolve(peer, lookup(headers));
            assertThat(a.address()).isEqualTo(IpLiteral.normalise(peer));
            assertThat(a.peerTrusted()).isFalse();
            assertThat(a.malformedForwarded()).isFalse();
        }
    }

    @Property(tries = 300)
    void entriesWrittenLeftOfAnUntrustedEntryNeverChangeTheClient(@ForAll("chains") List<Entry> right,
                                                                 @ForAll("untrustedAddresses") InetAddress untrusted,
                                                                 @ForAll("anyEntries") List<Entry> left,
                                                                 @ForAll("splits") int split, @ForAll boolean rfc7239) {
        List<Entry> chain = new ArrayList<>(right.subList(0, Math.min(right.size(), ClientAddressResolver.MAX_HOPS - 1)));
        chain.add(Math.min(split % (chain.size() + 1), chain.size()), Entry.of(untrusted));
        ClientAddressResolver resolver = rfc7239 ? FORWARDED : XFF;
        String name = rfc7239 ? "Forwarded" : "X-Forwarded-For";
        ClientAddress alone = resolver.resolve(peer(), lookup(Map.of(name, lines(chain, rfc7239, split))));
        List<Entry> longer = new ArrayList<>(left);
        longer.addAll(chain);
        ClientAddress withLeft = resolver.resolve(peer(), lookup(Map.of(name, lines(longer, rfc7239, split + 1))));
        assertThat(withLeft.address()).isEqualTo(alone.address());
        assertThat(withLeft.malformedForwarded()).isEqualTo(alone.malformedForwarded());
        assertThat(TRUSTED.contains(alone.address()) && !alone.malformedForwarded()).as("the walk stops at or before the untrusted entry")
                .isFalse();
    }

    @Property(tries = 250)
    void duplicatedReorderedOrUnrelatedHeadersNeverTurnARefusalIntoAnAllow(@ForAll("headerSets") Map<String, List<String>> headers,
                                                                        @ForAll("unrelatedHeaders") Map<String, List<String>> unrelated,
                                                                        @ForAll long shuffleSeed) {
        for (ClientAddressResolver resolver : RESOLVERS) {
            Decision before = decide(resolver, headers);
            Map<String, List<String>> changed = new LinkedHashMap<>();
            List<String> names = new ArrayList<>(headers.keySet());
            names.addAll(unrelated.keySet());
            Collections.shuffle(names, new Random(shuffleSeed));
            for (String n : names) {
                List<String> values = headers.containsKey(n) ? headers.get(n) : unrelated.get(n);
                List<String> doubled = new ArrayList<>(values);
                doubled.addAll(values);
                changed.merge(shuffleSeed % 2 == 0 ? n.toUpperCase(Locale.ROOT) : n, doubled, (a, b) -> {
                    List<String> all = new ArrayList<>(a);
                    all.addAll(b);
                    return all;
                });
            }
            Decision after = decide(resolver, changed);
            Statistics.label("refused").collect(before instanceof Decision.Refuse);
            if (before instanceof Decision.Refuse) {
                assertThat(after).as("after duplicating, reordering and adding headers").isInstanceOf(Decision.Refuse.class);
            }
        }
        Statistics.label("refused").coverage(c -> c.check(true).percentage(p -> p > 5));
    }

    @Property(tries = 600)
    void anyHeaderTextResolvesWithoutThrowingToThePeerOrALiteralWrittenInIt(@ForAll("headerSets") Map<String, List<String>> headers) {
        for (ClientAddressResolver resolver : RESOLVERS) {
            long start = System.nanoTime();
            ClientAddress a = resolver.resolve(peer(), lookup(headers));
            assertThat(System.nanoTime() - start).as("no name lookup, bounded work").isLessThan(500_000_000L);
            assertThat(a.address()).isNotNull();
            // An address made from a literal carries no host name; one looked up by name would.
            assertThat(a.address().toString()).startsWith("/");
            if (!a.address().equals(peer())) {
                assertThat(writtenLiterals(headers)).contains(a.address());
            }
            assertThat(a.address().getAddress().length == 16 && isMapped(a.address().getAddress())).as("IPv4-mapped is IPv4").isFalse();
        }
    }

    @Property(tries = 300)
    void everySpellingOfAnAddressIsTheSameClient(@ForAll("untrustedAddresses") InetAddress client, @ForAll("ports") int port) {
        InetAddress expected = IpLiteral.normalise(client);
        for (Entry e : Entry.spellings(client, port)) {
            assertThat(XFF.resolve(peer(), lookup(Map.of("X-Forwarded-For", List.of(e.xff())))).address()).as(e.xff()).isEqualTo(expected);
            assertThat(FORWARDED.resolve(peer(), lookup(Map.of("Forwarded", List.of(e.forwarded())))).address()).as(e.forwarded())
                    .isEqualTo(expected);
        }
    }

    // ---- helpers ----

    private static InetAddress peer() {
        return IpLiteral.parse("127.0.0.1").orElseThrow();
    }

    private static Decision decide(ClientAddressResolver resolver, Map<String, List<String>> headers) {
        ClientAddress a = resolver.resolve(peer(), lookup(headers));
        Optional<CountryCode> country = GEO.tryCountry(a.address());
        return Decider.decide(new Facts(country, Optional.empty()), POLICY, Instant.parse("2020-01-01T00:00:00Z"));
    }

    private static Function<String, List<String>> lookup(Map<String, List<String>> headers) {
        Map<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> byName.merge(name, values, (a, b) -> {
            List<String> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }));
        return name -> byName.getOrDefault(name, List.of());
    }

    /** Every address a header value could name literally, as the resolver would parse it. */
    private static List<InetAddress> writtenLiterals(Map<String, List<String>> headers) {
        List<InetAddress> out = new ArrayList<>();
        for (List<String> values : headers.values()) {
            for (String v : values) {
                for (String piece : v.split("[,;]")) {
                    String s = piece.strip();
                    int eq = s.indexOf('=');
                    if (eq >= 0) {
                        s = s.substring(eq + 1).strip();
                    }
                    if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
                        s = s.substring(1, s.length() - 1).replace("\\", "");
                    }
                    IpLiteral.parseWithOptionalPort(s).ifPresent(out::add);
                }
            }
        }
        return out;
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }

    /** The chain as header lines: entries joined by commas, cut into lines at {@code split}. */
    private static List<String> lines(List<Entry> chain, boolean rfc7239, int split) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < chain.size(); i++) {
            if (line.length() > 0) {
                line.append(i % 3 == 0 ? "," : ", ");
            }
            line.append(rfc7239 ? chain.get(i).forwarded() : chain.get(i).xff());
            if (split > 0 && i % (split % 5 + 1) == 0) {
                lines.add(line.toString());
                line.setLength(0);
            }
        }
        if (line.length() > 0 || lines.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** One chain entry, spelled for X-Forwarded-For and for RFC 7239. */
    record Entry(String xff, String forwarded) {
        static Entry of(InetAddress a) {
            String text = a.getHostAddress();
            return a.getAddress().length == 16
                    ? new Entry(text, "for=\"[" + text + "]\"")
                    : new Entry(text, "for=" + text);
        }

        static List<Entry> spellings(InetAddress a, int port) {
            String text = a.getHostAddress();
            List<Entry> out = new ArrayList<>();
            if (a.getAddress().length == 4) {
                out.add(new Entry(text, "for=" + text));
                out.add(new Entry(text + ":" + port, "for=\"" + text + ":" + port + "\""));
                out.add(new Entry("::ffff:" + text, "for=\"[::ffff:" + text + "]\""));
                out.add(new Entry("[::ffff:" + text + "]:" + port, "For=\"[::ffff:" + text + "]:" + port + "\";proto=https"));
            } else {
                out.add(new Entry(text, "for=\"[" + text + "]\""));
                out.add(new Entry("[" + text + "]", "by=x;for=\"[" + text + "]\""));
                out.add(new Entry("[" + text + "]:" + port, "FOR=\"[" + text + "]:" + port + "\""));
            }
            return out;
        }
    }

    // ---- generators ----

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(0, 65_535);
    }

    @Provide
    Arbitrary<Integer> splits() {
        return Arbitraries.integers().between(0, 50);
    }

    /** Addresses outside the trusted networks, IPv4 and IPv6, often in the PK and DE networks of the fixture. */
    @Provide
    Arbitrary<InetAddress> untrustedAddresses() {
        Arbitrary<byte[]> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4);
        Arbitrary<byte[]> pk = Arbitraries.bytes().array(byte[].class).ofSize(2).map(b -> new byte[] {39, (byte) (32 + (b[0] & 31)), b[1], 7});
        Arbitrary<byte[]> de = Arbitraries.bytes().array(byte[].class).ofSize(2).map(b -> new byte[] {85, (byte) 214, b[0], b[1]});
        Arbitrary<byte[]> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16);
        return Arbitraries.frequencyOf(Tuple.of(2, v4), Tuple.of(2, pk), Tuple.of(1, de), Tuple.of(1, v6))
                .map(b -> IpLiteral.normalise(address(b)))
                .filter(a -> !TRUSTED.contains(a));
    }

    private Arbitrary<InetAddress> trustedAddresses() {
        Arbitrary<InetAddress> ten = Arbitraries.bytes().array(byte[].class).ofSize(3).map(b -> address(new byte[] {10, b[0], b[1], b[2]}));
        Arbitrary<InetAddress> v6 = Arbitraries.bytes().array(byte[].class).ofSize(10).map(b -> {
            byte[] a = new byte[16];
            a[0] = 0x20;
            a[1] = 0x01;
            a[2] = 0x0d;
            a[3] = (byte) 0xb8;
            a[4] = (byte) 0xff;
            a[5] = (byte) 0xff;
            System.arraycopy(b, 0, a, 6, 10);
            return address(a);
        });
        return Arbitraries.oneOf(ten, v6, Arbitraries.just(peer()));
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entries that are not addresses: names, junk, the RFC 7239 non-addresses. */
    private Arbitrary<Entry> junkEntries() {
        Arbitrary<String> junk = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of("unknown", "_hidden", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                        "[::1", "::1]", "[1.2.3.4]", "1.2.3.4:99999", "1.2.3.4:", "[::1]:x", "fe80::1%eth0", "[fe80::1%25eth0]:1",
                        "0x7f.1", "017.0.0.1", "1.2.3.4 5.6.7.8", "\"1.2.3.4\"", "for=1.2.3.4", "::ffff:999.1.1.1", "%", "[]")),
                Tuple.of(1, Arbitraries.strings().withChars("0123456789abcdef:.[]%\"_ x=;").ofMinLength(1).ofMaxLength(20)));
        return junk.map(j -> new Entry(j, j.startsWith("for=") ? j : "for=" + j));
    }

    /** A chain of trusted hops and junk (no untrusted address), up to 40 entries. */
    @Provide
    Arbitrary<List<Entry>> chains() {
        return Arbitraries.frequencyOf(Tuple.of(4, trustedAddresses().map(Entry::of)), Tuple.of(1, junkEntries()))
                .list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<Entry>> anyEntries() {
        return Arbitraries.frequencyOf(Tuple.of(2, trustedAddresses().map(Entry::of)), Tuple.of(2, untrustedAddresses().map(Entry::of)),
                Tuple.of(1, junkEntries())).list().ofMaxSize(40);
    }

    /** Request headers: chains in every header the resolvers read, in several lines, and raw text of every kind. */
    @Provide
    Arbitrary<Map<String, List<String>>> headerSets() {
        Arbitrary<String> chainText = anyEntries().map(es -> String.join(", ", es.stream().map(Entry::xff).toList()));
        Arbitrary<String> forwardedText = anyEntries().map(es -> String.join(", ", es.stream().map(Entry::forwarded).toList()));
        Arbitrary<String> raw = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.strings().withChars("0123456789abcdef:.[]%\"_ ,;=\\\tforFOR").ofMaxLength(60)),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(60)),
                Tuple.of(1, Arbitraries.integers().between(1, 4000).map(n -> "1.1.1.1,".repeat(n))),
                Tuple.of(1, Arbitraries.integers().between(1, 200).map(n -> "for=\"".repeat(n))));
        Arbitrary<List<String>> xffLines = Arbitraries.oneOf(chainText, raw).list().ofMaxSize(3);
        Arbitrary<List<String>> fwdLines = Arbitraries.oneOf(forwardedText, raw).list().ofMaxSize(3);
        Arbitrary<List<String>> singleLines = Arbitraries.oneOf(untrustedAddresses().map(InetAddress::getHostAddress), raw).list().ofMaxSize(2);
        return Combinators.combine(xffLines, fwdLines, singleLines).as((x, f, s) -> {
            Map<String, List<String>> h = new LinkedHashMap<>();
            if (!x.isEmpty()) {
                h.put("X-Forwarded-For", x);
            }
            if (!f.isEmpty()) {
                h.put("forwarded", f);
            }
            if (!s.isEmpty()) {
                h.put("CF-Connecting-IP", s);
            }
            return h;
        });
    }

    @Provide
    Arbitrary<Map<String, List<String>>> unrelatedHeaders() {
        Arbitrary<String> names = Arbitraries.of("X-Real-IP", "True-Client-IP", "X-Forwarded-Host", "Via", "X-Client-IP",
                "Forwarded-For", "X-Forwarded", "Client-IP", "X-Cluster-Client-IP");
        return Arbitraries.maps(names, untrustedAddresses().map(InetAddress::getHostAddress).list().ofMinSize(1).ofMaxSize(2))
                .ofMaxSize(4);
    }
}
