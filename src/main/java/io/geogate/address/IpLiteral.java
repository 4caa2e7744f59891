package io.geogate.address;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * Parses IP address literals without ever resolving a name: header text is never looked up in DNS.
 * IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) become the IPv4 address.
 */
public final class IpLiteral {

    private IpLiteral() {
    }

    /** The address written literally in {@code text}, or empty if it is not an IPv4/IPv6 literal. */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || text.indexOf('%') >= 0) {
            return Optional.empty();
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
        if (bytes == null) {
            return Optional.empty();
        }
        return Optional.of(fromBytes(bytes));
    }

    /** Normalises an address: IPv4-mapped IPv6 becomes IPv4. */
    public static InetAddress normalise(InetAddress address) {
        return fromBytes(address.getAddress());
    }

    /**
     * Parses one forwarding-header entry: a literal optionally followed by a port, IPv6 in brackets
     * when it carries a port ({@code 1.2.3.4:5678}, {@code [2001:db8::1]:443}, {@code [2001:db8::1]}).
     */
    public static Optional<InetAddress> parseWithOptionalPort(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            return Optional.empty();
        }
        if (s.charAt(0) == '[') {
            int close = s.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !(rest.charAt(0) == ':' && isPort(rest.substring(1)))) {
                return Optional.empty();
            }
            Optional<InetAddress> inside = parse(s.substring(1, close));
            return inside.filter(a -> s.substring(1, close).indexOf(':') >= 0);
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && colon == s.lastIndexOf(':')) {
            if (!isPort(s.substring(colon + 1))) {
                return Optional.empty();
            }
            String host = s.substring(0, colon);
            return NetUtil.isValidIpV4Address(host) ? parse(host) : Optional.empty();
        }
        return parse(s);
    }

    private static boolean isPort(String digits) {
        if (digits.isEmpty() || digits.length() > 5) {
            return false;
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return false;
            }
        }
        return Integer.parseInt(digits) <= 65535;
    }

    private static InetAddress fromBytes(byte[] bytes) {
        byte[] normalised = bytes;
        if (bytes.length == 16 && isIpv4Mapped(bytes)) {
            normalised = new byte[] {bytes[12], bytes[13], bytes[14], bytes[15]};
        }
        try {
            return InetAddress.getByAddress(normalised);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    private static boolean isIpv4Mapped(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
