package io.geogate.proxy;

/** Told how each exchange with a datacenter went, up to its response headers. */
@FunctionalInterface
public interface UpstreamObserver {

    /** @param outcome the status class ({@code 2xx} …), {@code unreachable} or {@code timeout} */
    void exchanged(String datacenter, String outcome, long nanos);
}
