package io.geogate.geo;

import com.maxmind.db.Metadata;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The MMDB decoder builds these reflectively; a GraalVM native image must be told to keep their
 * constructors.
 */
@RegisterForReflection(targets = {CountryRecord.class, CountryRecord.Country.class, Metadata.class})
final class NativeReflection {
    private NativeReflection() {
    }
}
