package io.geogate.policy;

import io.geogate.country.CountryCode;

import java.net.URI;
import java.util.Objects;
import java.util.Set;

/**
 * Where accounts homed in {@code homes} keep their data.
 *
 * @param upstream  http(s) origin, scheme://host[:port]
 * @param isDefault serves requests with no account and homes no datacenter lists
 */
public record Datacenter(String name, URI upstream, Set<CountryCode> homes, boolean isDefault) {

    public Datacenter {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(upstream, "upstream");
        homes = Set.copyOf(homes);
        if (upstream.getHost() == null || upstream.getPort() == 0 || upstream.getPort() > 65_535) {
            throw new IllegalArgumentException("upstream " + upstream + " needs a host and a port within 1-65535");
        }
    }

    /** The port to connect to, the scheme's default when the URI has none. */
    public int port() {
        if (upstream.getPort() > 0) {
            return upstream.getPort();
        }
        return "https".equalsIgnoreCase(upstream.getScheme()) ? 443 : 80;
    }

    public boolean tls() {
        return "https".equalsIgnoreCase(upstream.getScheme());
    }
}
