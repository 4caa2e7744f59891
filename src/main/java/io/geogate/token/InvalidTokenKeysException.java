package io.geogate.token;

/** A token key file that cannot be put into service: unreadable, not a key, or a key too weak. */
public final class InvalidTokenKeysException extends Exception {
    public InvalidTokenKeysException(String message) {
        super(message);
    }

    public InvalidTokenKeysException(String message, Throwable cause) {
        super(message, cause);
    }
}
