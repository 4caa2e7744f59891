package io.geogate.address;

import java.net.InetAddress;
import java.util.List;

/** The networks whose forwarding headers are believed. */
public record TrustedProxies(List<Cidr> networks) {

    public TrustedProxies {
        networks = List.copyOf(networks);
    }

    /** Parses a list of CIDR strings; throws with the bad entry named. */
    public static TrustedProxies parse(List<String> entries) {
        return new TrustedProxies(entries.stream().filter(e -> !e.isBlank()).map(Cidr::parse).toList());
    }

    public boolean contains(InetAddress address) {
        for (Cidr cidr : networks) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
