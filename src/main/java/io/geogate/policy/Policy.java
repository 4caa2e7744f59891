package io.geogate.policy;

import io.geogate.country.CountryCode;

import java.util.List;
import java.util.Objects;

/** A validated policy document: built only by {@link PolicyParser}, so every instance is sound. */
public record Policy(List<Datacenter> datacenters, List<Restriction> restrictions, Rule unknownCountry, Mode mode) {

    public Policy {
        datacenters = List.copyOf(datacenters);
        restrictions = List.copyOf(restrictions);
        Objects.requireNonNull(unknownCountry, "unknownCountry");
        Objects.requireNonNull(mode, "mode");
        if (datacenters.stream().filter(Datacenter::isDefault).count() != 1) {
            throw new IllegalArgumentException("exactly one datacenter must be the default");
        }
    }

    public Datacenter defaultDatacenter() {
        for (Datacenter dc : datacenters) {
            if (dc.isDefault()) {
                return dc;
            }
        }
        throw new IllegalStateException("checked in the constructor");
    }

    /** The datacenter that lists {@code home}, or the default one. */
    public Datacenter datacenterFor(CountryCode home) {
        for (Datacenter dc : datacenters) {
            if (dc.homes().contains(home)) {
                return dc;
            }
        }
        return defaultDatacenter();
    }
}
