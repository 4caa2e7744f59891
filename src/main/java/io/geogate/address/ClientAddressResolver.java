package io.geogate.address;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the real client behind trusted proxies. The only place forwarding headers are read:
 * the decision, the upstream headers, logs and metrics all use what this returns.
 *
 * <p>Only a trusted peer's headers are believed. The chain is walked right to left, skipping
 * trusted hops; the first untrusted address is the client. An entry that is not an address stops
 * the walk and the nearest address to its right stands.
 */
public final class ClientAddressResolver {

    /** At most this many chain entries are examined, so a long header costs a bounded amount. */
    public static final int MAX_HOPS = 32;

    private static final String XFF = "X-Forwarded-For";
    private static final String FORWARDED = "Forwarded";

    private final TrustedProxies trusted;
    private final ForwardedHeader mode;
    private final Optional<String> clientIpHeader;

    public ClientAddressResolver(TrustedProxies trusted, ForwardedHeader mode, Optional<String> clientIpHeader) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.clientIpHeader = clientIpHeader.filter(h -> !h.isBlank());
    }

    /**
     * @param peer    the TCP peer
     * @param headers all values of a request header by name (case-insensitive), in order
     */
    public ClientAddress resolve(InetAddress peer, Function<String, List<String>> headers) {
        InetAddress normalisedPeer = IpLiteral.normalise(peer);
        if (!trusted.contains(normalisedPeer)) {
            return new ClientAddress(normalisedPeer, normalisedPeer, false, false);
        }
        if (clientIpHeader.isPresent()) {
            return fromSingleHeader(normalisedPeer, headers.apply(clientIpHeader.get()));
        }
        List<String> entries = mode == ForwardedHeader.FORWARDED
                ? forwardedEntries(headers.apply(FORWARDED))
                : xffEntries(headers.apply(XFF));
        return walk(normalisedPeer, entries);
    }

    private ClientAddress fromSingleHeader(InetAddress peer, List<String> values) {
        if (values == null || values.isEmpty()) {
            return new ClientAddress(peer, peer, true, false);
        }
        Optional<InetAddress> named = IpLiteral.parseWithOptionalPort(values.get(0));
        return named.map(a -> new ClientAddress(a, peer, true, false))
                .orElseGet(() -> new ClientAddress(peer, peer, true, true));
    }

    private ClientAddress walk(InetAddress peer, List<String> entries) {
        InetAddress candidate = peer;
        int examined = 0;
        for (int i = entries.size() - 1; i >= 0 && examined < MAX_HOPS; i--, examined++) {
            Optional<InetAddress> hop = entries.get(i) == null ? Optional.empty() : IpLiteral.parseWithOptionalPort(entries.get(i));
            if (hop.isEmpty()) {
                return new ClientAddress(candidate, peer, true, true);
            }
            candidate = hop.get();
            if (!trusted.contains(candidate)) {
                break;
            }
        }
        return new ClientAddress(candidate, peer, true, false);
    }

    /** Comma-separated entries of every X-Forwarded-For line, empty elements dropped. */
    static List<String> xffEntries(List<String> values) {
        List<String> entries = new ArrayList<>();
        if (values == null) {
            return entries;
        }
        for (String value : values) {
            int start = 0;
            while (start <= value.length()) {
                int comma = value.indexOf(',', start);
                int end = comma < 0 ? value.length() : comma;
                String entry = value.substring(start, end).trim();
                if (!entry.isEmpty()) {
                    entries.add(entry);
                }
                start = end + 1;
            }
        }
        return entries;
    }

    /**
     * The {@code for=} value of each RFC 7239 element, unquoted; {@code null} stands for an element
     * without a usable {@code for=}, which ends the walk like a malformed entry.
     */
    static List<String> forwardedEntries(List<String> values) {
        List<String> entries = new ArrayList<>();
        if (values == null) {
            return entries;
        }
        for (String value : values) {
            for (String element : splitOutsideQuotes(value, ',')) {
                if (element.isBlank()) {
                    continue;
                }
                entries.add(forValue(element));
            }
        }
        return entries;
    }

    private static String forValue(String element) {
        for (String pair : splitOutsideQuotes(element, ';')) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                continue;
            }
            if (pair.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                String v = unquote(pair.substring(eq + 1).trim());
                // "unknown" and obfuscated "_ident" name no address.
                if (v == null || v.equalsIgnoreCase("unknown") || v.startsWith("_")) {
                    return null;
                }
                return v;
            }
        }
        return null;
    }

    private static String unquote(String v) {
        if (v.length() < 2 || v.charAt(0) != '"') {
            return v.indexOf('"') >= 0 ? null : v;
        }
        if (v.charAt(v.length() - 1) != '"') {
            return null;
        }
        StringBuilder out = new StringBuilder(v.length());
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() - 1) {
                c = v.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * Splits at {@code separator} outside quoted-strings, scanning from the right, as the walk trusts:
     * proxies append their well-formed elements at the end of a line, so those are split before any
     * character a client wrote is seen, and a quote the client left open (say {@code for="}, with a
     * proxy's {@code , for=<peer>} appended to the same line) can only spoil the client's own element.
     * A quote preceded by an odd number of backslashes is escaped.
     */
    private static List<String> splitOutsideQuotes(String s, char separator) {
        List<String> parts = new ArrayList<>();
        boolean quoted = false;
        int end = s.length();
        for (int i = s.length() - 1; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == '"' && !escaped(s, i)) {
                quoted = !quoted;
            } else if (c == separator && !quoted) {
                parts.add(s.substring(i + 1, end).trim());
                end = i;
            }
        }
        parts.add(s.substring(0, end).trim());
        Collections.reverse(parts);
        return parts;
    }

    private static boolean escaped(String s, int quote) {
        int backslashes = 0;
        for (int i = quote - 1; i >= 0 && s.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }
}
