package io.geogate.snapshot;

import io.geogate.account.AccountDirectory;
import io.geogate.account.AccountResolver;
import io.geogate.address.ClientAddressResolver;
import io.geogate.geo.GeoDatabase;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything the data plane reads, immutable and read once per request: a request sees one
 * consistent set of inputs from start to end, whatever reloads happen meanwhile.
 *
 * @param geo empty when no usable database has ever been loaded (the data plane answers 503)
 */
public record Snapshot(PolicyInForce policy, Optional<GeoDatabase> geo, AccountDirectory accounts,
                       ClientAddressResolver addresses, AccountResolver identities) {

    public Snapshot {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(geo, "geo");
        Objects.requireNonNull(accounts, "accounts");
        Objects.requireNonNull(addresses, "addresses");
        Objects.requireNonNull(identities, "identities");
    }

    public Snapshot withPolicy(PolicyInForce p) {
        return new Snapshot(p, geo, accounts, addresses, identities);
    }

    public Snapshot withGeo(GeoDatabase g) {
        return new Snapshot(policy, Optional.of(g), accounts, addresses, identities);
    }

    public Snapshot withIdentities(AccountResolver i) {
        return new Snapshot(policy, geo, accounts, addresses, i);
    }

    public Snapshot withAccounts(AccountDirectory a) {
        return new Snapshot(policy, geo, a, addresses, identities);
    }
}
