package io.geogate.address;

// Property tests of the forwarding-header walk, plain JUnit over generated inputs (io.geogate.testing.Generated:
// fixed seed by default, -Dgeogate.seed=N|random for others; a failure names the seed and the input).
// CI runs the tries written here (a few seconds); a longer run multiplies them:
// ./mvnw -B test -Dtest='ClientAddressPropertiesTest' -Dgeogate.tries.scale=100

import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.geo.GeoDatabase;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.geogate.testing.Generated;
import io.geogate.testing.MmdbWriter;
import org.junit.jupiter.api.Test;

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

import static io.geogate.testing.Generated.anyLong;
import static io.geogate.testing.Generated.assertCoverage;
import static io.geogate.testing.Generated.between;
import static io.geogate.testing.Generated.bytes;
import static io.geogate.testing.Generated.chars;
import static io.geogate.testing.Generated.forAll;
import static io.geogate.testing.Generated.listOf;
import static io.geogate.testing.Generated.oneOf;
import static io.geogate.testing.Generated.size;
import static io.geogate.testing.Generated.string;
import static io.geogate.testing.Generated.weighted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client address cannot be forged: an untrusted peer's headers change nothing; for a trusted peer,
 * whatever is written left of an untrusted entry changes nothing; duplicated, reordered or unrelated
 * headers never turn a refusal into an allow; and no header text makes the resolver throw or name an
 * address that was not written as a literal.
 */
class ClientAddressPropertiesTest {

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

    /** A peer and the headers it sent. */
    record PeerAndHeaders(InetAddress peer, Map<String, List<String>> headers) {
    }

    @Test
    void anUntrustedPeersHeadersNeverChangeTheClient() {
        forAll(500, r -> new PeerAndHeaders(untrustedAddress(r), headerSet(r)), in -> {
            for (ClientAddressResolver resolver : RESOLVERS) {
                ClientAddress a = resolver.resolve(in.peer(), lookup(in.headers()));
                assertThat(a.address()).isEqualTo(IpLiteral.normalise(in.peer()));
                assertThat(a.peerTrusted()).isFalse();
                assertThat(a.malformedForwarded()).isFalse();
            }
        });
    }

    /** A chain with an untrusted entry in it, entries to write left of it, and how to cut the chain into lines. */
    record LeftOfUntrusted(List<Entry> right, InetAddress untrusted, List<Entry> left, int split, boolean rfc7239) {
    }

    @Test
    void entriesWrittenLeftOfAnUntrustedEntryNeverChangeTheClient() {
        forAll(300, r -> new LeftOfUntrusted(chain(r), untrustedAddress(r), anyEntries(r), between(r, 0, 50), r.nextBoolean()), in -> {
            List<Entry> right = in.right();
            int split = in.split();
            List<Entry> chain = new ArrayList<>(right.subList(0, Math.min(right.size(), ClientAddressResolver.MAX_HOPS - 1)));
            chain.add(Math.min(split % (chain.size() + 1), chain.size()), Entry.of(in.untrusted()));
            ClientAddressResolver resolver = in.rfc7239() ? FORWARDED : XFF;
            String name = in.rfc7239() ? "Forwarded" : "X-Forwarded-For";
            ClientAddress alone = resolver.resolve(peer(), lookup(Map.of(name, lines(chain, in.rfc7239(), split))));
            List<Entry> longer = new ArrayList<>(in.left());
            longer.addAll(chain);
            ClientAddress withLeft = resolver.resolve(peer(), lookup(Map.of(name, lines(longer, in.rfc7239(), split + 1))));
            assertThat(withLeft.address()).isEqualTo(alone.address());
            assertThat(withLeft.malformedForwarded()).isEqualTo(alone.malformedForwarded());
            assertThat(TRUSTED.contains(alone.address()) && !alone.malformedForwarded()).as("the walk stops at or before the untrusted entry")
                    .isFalse();
        });
    }

    /** Headers, unrelated headers to add to them, and the seed of their new order. */
    record Reordered(Map<String, List<String>> headers, Map<String, List<String>> unrelated, long shuffleSeed) {
    }

    @Test
    void duplicatedReorderedOrUnrelatedHeadersNeverTurnARefusalIntoAnAllow() {
        int[] refused = new int[2];
        forAll(250, r -> new Reordered(headerSet(r), unrelatedHeaders(r), anyLong(r)), in -> {
            Map<String, List<String>> headers = in.headers();
            long shuffleSeed = in.shuffleSeed();
            for (ClientAddressResolver resolver : RESOLVERS) {
                Decision before = decide(resolver, headers);
                Map<String, List<String>> changed = new LinkedHashMap<>();
                List<String> names = new ArrayList<>(headers.keySet());
                names.addAll(in.unrelated().keySet());
                Collections.shuffle(names, new Random(shuffleSeed));
                for (String n : names) {
                    List<String> values = headers.containsKey(n) ? headers.get(n) : in.unrelated().get(n);
                    List<String> doubled = new ArrayList<>(values);
                    doubled.addAll(values);
                    changed.merge(shuffleSeed % 2 == 0 ? n.toUpperCase(Locale.ROOT) : n, doubled, (a, b) -> {
                        List<String> all = new ArrayList<>(a);
                        all.addAll(b);
                        return all;
                    });
                }
                Decision after = decide(resolver, changed);
                refused[before instanceof Decision.Refuse ? 0 : 1]++;
                if (before instanceof Decision.Refuse) {
                    assertThat(after).as("after duplicating, reordering and adding headers").isInstanceOf(Decision.Refuse.class);
                }
            }
        });
        // Refusals must be common before the change, or the property could not fail.
        assertCoverage("refused", refused[0], refused[0] + refused[1], p -> p > 5);
    }

    @Test
    void anyHeaderTextResolvesWithoutThrowingToThePeerOrALiteralWrittenInIt() {
        forAll(600, ClientAddressPropertiesTest::headerSet, headers -> {
            for (ClientAddressResolver resolver : RESOLVERS) {
                // Timed up to three times, the best counting: a name lookup or unbounded work is slow every
                // time, a machine busy with other builds only now and then.
                ClientAddress a = null;
                long best = Long.MAX_VALUE;
                for (int run = 0; run < 3 && best >= 500_000_000L; run++) {
                    long start = System.nanoTime();
                    a = resolver.resolve(peer(), lookup(headers));
                    best = Math.min(best, System.nanoTime() - start);
                }
                assertThat(best).as("no name lookup, bounded work").isLessThan(500_000_000L);
                assertThat(a.address()).isNotNull();
                // An address made from a literal carries no host name; one looked up by name would.
                assertThat(a.address().toString()).startsWith("/");
                if (!a.address().equals(peer())) {
                    assertThat(writtenLiterals(headers)).contains(a.address());
                }
                assertThat(a.address().getAddress().length == 16 && isMapped(a.address().getAddress())).as("IPv4-mapped is IPv4").isFalse();
            }
        });
    }

    /** A client address and a port to write beside it. */
    record ClientAndPort(InetAddress client, int port) {
    }

    @Test
    void everySpellingOfAnAddressIsTheSameClient() {
        forAll(300, r -> new ClientAndPort(untrustedAddress(r), between(r, 0, 65_535)), in -> {
            InetAddress expected = IpLiteral.normalise(in.client());
            for (Entry e : Entry.spellings(in.client(), in.port())) {
                assertThat(XFF.resolve(peer(), lookup(Map.of("X-Forwarded-For", List.of(e.xff())))).address()).as(e.xff())
                        .isEqualTo(expected);
                assertThat(FORWARDED.resolve(peer(), lookup(Map.of("Forwarded", List.of(e.forwarded())))).address()).as(e.forwarded())
                        .isEqualTo(expected);
            }
        });
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

    /** An address outside the trusted networks, IPv4 or IPv6, often in the PK and DE networks of the fixture. */
    static InetAddress untrustedAddress(Random r) {
        while (true) {
            byte[] b = switch (weighted(r, 2, 3, 1, 1)) {
                case 0 -> bytes(r, 4);
                case 1 -> new byte[] {39, (byte) (32 + r.nextInt(32)), (byte) r.nextInt(256), 7};
                case 2 -> new byte[] {85, (byte) 214, (byte) r.nextInt(256), (byte) r.nextInt(256)};
                default -> bytes(r, 16);
            };
            InetAddress a = IpLiteral.normalise(Generated.address(b));
            if (!TRUSTED.contains(a)) {
                return a;
            }
        }
    }

    /** An address in the trusted networks: 10/8, 2001:db8:ffff::/48 or the loopback peer. */
    static InetAddress trustedAddress(Random r) {
        return switch (r.nextInt(3)) {
            case 0 -> Generated.address(new byte[] {10, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256)});
            case 1 -> {
                byte[] a = new byte[16];
                a[0] = 0x20;
                a[1] = 0x01;
                a[2] = 0x0d;
                a[3] = (byte) 0xb8;
                a[4] = (byte) 0xff;
                a[5] = (byte) 0xff;
                System.arraycopy(bytes(r, 10), 0, a, 6, 10);
                yield Generated.address(a);
            }
            default -> peer();
        };
    }

    private static final List<String> JUNK = List.of("unknown", "_hidden", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1",
            "[::1", "::1]", "[1.2.3.4]", "1.2.3.4:99999", "1.2.3.4:", "[::1]:x", "fe80::1%eth0", "[fe80::1%25eth0]:1",
            "0x7f.1", "017.0.0.1", "1.2.3.4 5.6.7.8", "\"1.2.3.4\"", "for=1.2.3.4", "::ffff:999.1.1.1", "%", "[]");

    /** An entry that is not an address: names, junk, the RFC 7239 non-addresses. */
    static Entry junkEntry(Random r) {
        String j = weighted(r, 3, 1) == 0 ? oneOf(r, JUNK) : string(r, 1, 20, chars("0123456789abcdef:.[]%\"_ x=;"));
        return new Entry(j, j.startsWith("for=") ? j : "for=" + j);
    }

    /** A chain of trusted hops and junk (no untrusted address), up to 40 entries. */
    static List<Entry> chain(Random r) {
        return listOf(r, 0, 40, x -> weighted(x, 4, 1) == 0 ? Entry.of(trustedAddress(x)) : junkEntry(x));
    }

    /** Up to 40 entries of every kind: trusted, untrusted, junk. */
    static List<Entry> anyEntries(Random r) {
        return listOf(r, 0, 40, x -> switch (weighted(x, 2, 2, 1)) {
            case 0 -> Entry.of(trustedAddress(x));
            case 1 -> Entry.of(untrustedAddress(x));
            default -> junkEntry(x);
        });
    }

    /** Header text that is not a chain: the resolvers' own characters, anything at all, and very long lists and open quotes. */
    static String rawHeaderText(Random r) {
        return switch (weighted(r, 3, 1, 1, 1)) {
            case 0 -> string(r, 0, 60, chars("0123456789abcdef:.[]%\"_ ,;=\\\tforFOR"));
            case 1 -> string(r, 0, 60, Generated::anyChar);
            case 2 -> "1.1.1.1,".repeat(between(r, 1, 4000));
            default -> "for=\"".repeat(between(r, 1, 200));
        };
    }

    /** Request headers: chains in every header the resolvers read, in several lines, and raw text of every kind. */
    static Map<String, List<String>> headerSet(Random r) {
        List<String> xff = listOf(r, 0, 3, x -> x.nextBoolean()
                ? String.join(", ", anyEntries(x).stream().map(Entry::xff).toList()) : rawHeaderText(x));
        List<String> fwd = listOf(r, 0, 3, x -> x.nextBoolean()
                ? String.join(", ", anyEntries(x).stream().map(Entry::forwarded).toList()) : rawHeaderText(x));
        List<String> single = listOf(r, 0, 2, x -> x.nextBoolean() ? untrustedAddress(x).getHostAddress() : rawHeaderText(x));
        Map<String, List<String>> h = new LinkedHashMap<>();
        if (!xff.isEmpty()) {
            h.put("X-Forwarded-For", xff);
        }
        if (!fwd.isEmpty()) {
            h.put("forwarded", fwd);
        }
        if (!single.isEmpty()) {
            h.put("CF-Connecting-IP", single);
        }
        return h;
    }

    private static final List<String> UNRELATED = List.of("X-Real-IP", "True-Client-IP", "X-Forwarded-Host", "Via", "X-Client-IP",
            "Forwarded-For", "X-Forwarded", "Client-IP", "X-Cluster-Client-IP");

    /** Up to four headers that the resolvers must not read, each with one or two addresses. */
    static Map<String, List<String>> unrelatedHeaders(Random r) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        int n = size(r, 0, 4);
        for (int i = 0; i < n; i++) {
            h.put(oneOf(r, UNRELATED), listOf(r, 1, 2, x -> untrustedAddress(x).getHostAddress()));
        }
        return h;
    }
}
