package io.geogate.address;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The client address geogate acts on, with how it was found.
 *
 * @param address            the client, normalised (IPv4-mapped IPv6 is IPv4)
 * @param peer               the TCP peer the request came from
 * @param peerTrusted        whether the peer is a trusted proxy (its headers were believed)
 * @param malformedForwarded whether the walk stopped at an entry that is not an address
 */
public record ClientAddress(InetAddress address, InetAddress peer, boolean peerTrusted, boolean malformedForwarded) {

    /** The word logs, metrics and the decide endpoint use for a walk stopped by a bad entry. */
    public static final String MALFORMED_FORWARDED = "malformed-forwarded";

    public ClientAddress {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(peer, "peer");
    }
}
