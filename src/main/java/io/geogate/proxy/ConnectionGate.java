package io.geogate.proxy;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code geogate.limits.max-connections}: counts a server's client channels from accept to close,
 * whatever they become (HTTP/1.x, HTTP/2, a WebSocket tunnel), and turns away those past the limit.
 * The data plane has one; the decision service has its own, so that neither can starve the other.
 */
public final class ConnectionGate {

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;

    public ConnectionGate(int max, Counter refused) {
        this.max = max;
        this.refused = refused;
    }

    /** Counts {@code channel} until it closes; false (and not counted) when the limit is reached. */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            refused.increment();
            return false;
        }
        channel.closeFuture().addListener(f -> open.decrementAndGet());
        return true;
    }

    /** Client channels open now. */
    public int open() {
        return open.get();
    }
}
