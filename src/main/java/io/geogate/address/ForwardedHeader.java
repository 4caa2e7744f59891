package io.geogate.address;

/** Which header carries the chain of addresses a request passed through. */
public enum ForwardedHeader {
    /** {@code X-Forwarded-For: client, proxy1, proxy2}. */
    X_FORWARDED_FOR,
    /** RFC 7239 {@code Forwarded: for=client, for=proxy1}. */
    FORWARDED
}
