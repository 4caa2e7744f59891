package io.geogate.address;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClientAddressResolverTest {

    private static final TrustedProxies TRUSTED = TrustedProxies.parse(List.of("127.0.0.1/32", "::1/128", "10.0.0.0/8", "2001:db8:ffff::/48"));
    private final ClientAddressResolver xff = new ClientAddressResolver(TRUSTED, ForwardedHeader.X_FORWARDED_FOR, Optional.empty());
    private final ClientAddressResolver forwarded = new ClientAddressResolver(TRUSTED, ForwardedHeader.FORWARDED, Optional.empty());

    private static InetAddress ip(String s) {
        return IpLiteral.parse(s).orElseThrow();
    }

    private static Function<String, List<String>> headers(String... nameValue) {
        Map<String, List<String>> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < nameValue.length; i += 2) {
            map.computeIfAbsent(nameValue[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(nameValue[i + 1]);
        }
        return name -> map.getOrDefault(name, List.of());
    }

    private static String client(ClientAddressResolver r, String peer, String... nameValue) {
        return r.resolve(ip(peer), headers(nameValue)).address().getHostAddress();
    }

    @Test
    void untrustedPeerIsTheClientWhateverItsHeadersSay() {
        ClientAddress a = xff.resolve(ip("203.0.113.9"), headers("X-Forwarded-For", "39.32.0.1"));
        assertThat(a.address()).isEqualTo(ip("203.0.113.9"));
        assertThat(a.peerTrusted()).isFalse();
    }

    @Test
    void trustedPeerWithoutHeaderIsTheClient() {
        assertThat(client(xff, "127.0.0.1")).isEqualTo("127.0.0.1");
    }

    @Test
    void walkGoesRightToLeftSkippingTrustedHops() {
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "1.1.1.1, 39.32.0.1, 10.0.0.5")).isEqualTo("39.32.0.1");
    }

    @Test
    void leftmostSpoofedEntryIsNotBelieved() {
        assertThat(client(xff, "10.1.1.1", "X-Forwarded-For", "39.32.0.1, 85.214.0.1")).isEqualTo("85.214.0.1");
    }

    @Test
    void allInstancesOfTheHeaderAreOneChainInOrder() {
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "39.32.0.1", "X-Forwarded-For", "85.214.0.1, 10.0.0.1"))
                .isEqualTo("85.214.0.1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "39.32.0.1", "X-Forwarded-For", "10.0.0.1"))
                .isEqualTo("39.32.0.1");
    }

    @Test
    void everyEntryTrustedMakesTheLeftmostTheClient() {
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "10.0.0.3, 10.0.0.2, 10.0.0.1")).isEqualTo("10.0.0.3");
    }

    @Test
    void portsAndBracketsAreAccepted() {
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "39.32.0.1:5678")).isEqualTo("39.32.0.1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "[2001:db8::1]:443")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "[2001:db8::1]")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "2001:db8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
    }

    @Test
    void ipv4MappedIpv6IsTheIpv4Address() {
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "::ffff:39.32.0.1")).isEqualTo("39.32.0.1");
        assertThat(xff.resolve(ip("::ffff:127.0.0.1"), headers("X-Forwarded-For", "39.32.0.1")).peerTrusted()).isTrue();
    }

    @Test
    void malformedEntryEndsTheWalkAtTheNearestAddressToItsRight() {
        ClientAddress a = xff.resolve(ip("127.0.0.1"), headers("X-Forwarded-For", "39.32.0.1, not-an-ip, 10.0.0.7"));
        assertThat(a.address()).isEqualTo(ip("10.0.0.7"));
        assertThat(a.malformedForwarded()).isTrue();
        ClientAddress b = xff.resolve(ip("127.0.0.1"), headers("X-Forwarded-For", "39.32.0.1, garbage"));
        assertThat(b.address()).isEqualTo(ip("127.0.0.1"));
        assertThat(b.malformedForwarded()).isTrue();
    }

    @Test
    void headerTextIsNeverLookedUpAsAName() {
        ClientAddress a = xff.resolve(ip("127.0.0.1"), headers("X-Forwarded-For", "localhost"));
        assertThat(a.malformedForwarded()).isTrue();
        assertThat(a.address()).isEqualTo(ip("127.0.0.1"));
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "1.2.3")).isEqualTo("127.0.0.1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "1.2.3.4:99999")).isEqualTo("127.0.0.1");
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", "fe80::1%eth0")).isEqualTo("127.0.0.1");
    }

    @Test
    void emptyElementsAreSkipped() {
        ClientAddress a = xff.resolve(ip("127.0.0.1"), headers("X-Forwarded-For", "39.32.0.1,, ,10.0.0.1"));
        assertThat(a.address()).isEqualTo(ip("39.32.0.1"));
        assertThat(a.malformedForwarded()).isFalse();
    }

    @Test
    void walkExaminesAtMost32EntriesAndTakesThe32ndWhenAllAreTrusted() {
        StringBuilder chain = new StringBuilder("39.32.0.1");
        for (int i = 40; i >= 1; i--) {
            chain.append(", 10.0.0.").append(i);
        }
        // Right to left: 10.0.0.1 is the 1st, 10.0.0.32 the 32nd examined.
        assertThat(client(xff, "127.0.0.1", "X-Forwarded-For", chain.toString())).isEqualTo("10.0.0.32");
    }

    @Test
    void forwardedHeaderIsWalkedTheSameWay() {
        assertThat(client(forwarded, "127.0.0.1", "Forwarded", "for=39.32.0.1;proto=https, for=10.0.0.1")).isEqualTo("39.32.0.1");
        assertThat(client(forwarded, "127.0.0.1", "Forwarded", "for=\"[2001:db8:cafe::17]:4711\"")).isEqualTo("2001:db8:cafe:0:0:0:0:17");
        assertThat(client(forwarded, "127.0.0.1", "Forwarded", "For=\"39.32.0.1:80\";by=10.0.0.1")).isEqualTo("39.32.0.1");
        assertThat(client(forwarded, "127.0.0.1", "Forwarded", "for=85.214.0.1", "Forwarded", "for=39.32.0.1")).isEqualTo("39.32.0.1");
    }

    @Test
    void forwardedUnknownObfuscatedAndMissingForEndTheWalk() {
        for (String value : List.of("for=39.32.0.1, for=unknown", "for=39.32.0.1, for=_hidden", "for=39.32.0.1, by=10.0.0.1",
                "for=39.32.0.1, for=\"unterminated")) {
            ClientAddress a = forwarded.resolve(ip("127.0.0.1"), headers("Forwarded", value));
            assertThat(a.address()).as(value).isEqualTo(ip("127.0.0.1"));
            assertThat(a.malformedForwarded()).as(value).isTrue();
        }
    }

    @Test
    void forwardedModeIgnoresXForwardedFor() {
        assertThat(client(forwarded, "127.0.0.1", "X-Forwarded-For", "39.32.0.1")).isEqualTo("127.0.0.1");
    }

    @Test
    void clientIpHeaderNamesTheClientOnlyFromATrustedPeer() {
        ClientAddressResolver cf = new ClientAddressResolver(TRUSTED, ForwardedHeader.X_FORWARDED_FOR, Optional.of("CF-Connecting-IP"));
        assertThat(client(cf, "127.0.0.1", "CF-Connecting-IP", "39.32.0.1", "X-Forwarded-For", "85.214.0.1")).isEqualTo("39.32.0.1");
        assertThat(client(cf, "203.0.113.9", "CF-Connecting-IP", "39.32.0.1")).isEqualTo("203.0.113.9");
        ClientAddress bad = cf.resolve(ip("127.0.0.1"), headers("CF-Connecting-IP", "nonsense"));
        assertThat(bad.address()).isEqualTo(ip("127.0.0.1"));
        assertThat(bad.malformedForwarded()).isTrue();
    }

    @Test
    void trustedProxiesRejectBadCidrsByName() {
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33"))).hasMessageContaining("10.0.0.0/33");
        assertThatThrownBy(() -> TrustedProxies.parse(List.of("example.com/8"))).hasMessageContaining("example.com/8");
        assertThat(Cidr.parse("2001:db8::/32").contains(ip("2001:db8:1::1"))).isTrue();
        assertThat(Cidr.parse("2001:db8::/32").contains(ip("2001:db9::1"))).isFalse();
        assertThat(Cidr.parse("10.0.0.0/9").contains(ip("10.127.255.255"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/9").contains(ip("10.128.0.0"))).isFalse();
    }

    @Test
    void anUnterminatedQuoteFromTheClientDoesNotSwallowTheEntriesProxiesAppendAfterIt() {
        // The client sends `Forwarded: for="`; a trusted proxy appends its peer to the same line.
        assertThat(client(forwarded, "10.0.0.1", "Forwarded", "for=\", for=39.32.0.1")).isEqualTo("39.32.0.1");
        assertThat(client(forwarded, "10.0.0.1", "Forwarded", "for=\"1.2.3.4, for=\"[2001:db8::1]:4711\"")).isEqualTo("2001:db8:0:0:0:0:0:1");
        assertThat(client(forwarded, "10.0.0.1", "Forwarded", "for=_x;by=\"a, for=39.32.0.1;proto=https")).isEqualTo("39.32.0.1");
        ClientAddress a = forwarded.resolve(ip("10.0.0.1"), headers("Forwarded", "for=\", for=10.0.0.7"));
        assertThat(a.address()).isEqualTo(ip("10.0.0.7"));
        assertThat(a.malformedForwarded()).isTrue();
    }
}
