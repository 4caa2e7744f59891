package io.geogate.geo;

/** A database file that cannot be put into service: missing, truncated, corrupt or unreadable. */
public final class GeoDatabaseException extends Exception {
    public GeoDatabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    public GeoDatabaseException(String message) {
        super(message);
    }
}
