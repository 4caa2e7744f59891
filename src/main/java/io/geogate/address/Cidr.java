package io.geogate.address;

import java.net.InetAddress;
import java.util.Arrays;

/** An IPv4 or IPv6 network, e.g. {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
        network = IpLiteral.normalise(network);
    }

    /**
     * Parses {@code address/prefix}; a bare address is a single host.
     *
     * @throws IllegalArgumentException with a message that names the bad text
     */
    public static Cidr parse(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = IpLiteral.parse(addressText)
                .orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP address or CIDR"));
        int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no numeric prefix length");
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + bits);
            }
        }
        return new Cidr(address, prefix);
    }

    /** Whether {@code address} (already normalised) lies inside this network. */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        if (a.length != n.length) {
            return false;
        }
        int full = prefixLength / 8;
        if (!Arrays.equals(a, 0, full, n, 0, full)) {
            return false;
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (a[full] & mask) == (n[full] & mask);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }
}
