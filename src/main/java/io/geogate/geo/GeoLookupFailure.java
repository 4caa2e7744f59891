package io.geogate.geo;

/**
 * A lookup that failed inside a database that had passed validation. Callers must not treat it as
 * "no country": the data plane answers 503 instead of guessing.
 */
public final class GeoLookupFailure extends RuntimeException {
    public GeoLookupFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
