package io.geogate.live;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Every exchange in progress on the data plane, by the request that carries it (an HTTP/2 stream is
 * a request of its own). Adding and removing are one concurrent-map operation each; exchanges remove
 * themselves when their response ends or their connection closes, so clients that vanish leave
 * nothing behind.
 */
@ApplicationScoped
public class LiveExchanges {

    private final ConcurrentMap<Object, LiveExchange> live = new ConcurrentHashMap<>();

    /** Registers {@code exchange} under {@code request} (the data plane's own request object). */
    public void add(Object request, LiveExchange exchange) {
        live.put(request, exchange);
    }

    /** Forgets {@code exchange}, if it is still the one registered under {@code request}. */
    public void remove(Object request, LiveExchange exchange) {
        live.remove(request, exchange);
    }

    /** The exchange registered under {@code request}. */
    public Optional<LiveExchange> get(Object request) {
        return Optional.ofNullable(live.get(request));
    }

    /** A copy of the exchanges in progress now. */
    public List<LiveExchange> snapshot() {
        return List.copyOf(live.values());
    }

    public int size() {
        return live.size();
    }

    /** Exchanges expected to finish on their own: requests in flight, not tunnels or event streams. */
    public long shortLived() {
        return live.values().stream().filter(e -> !e.longLived()).count();
    }
}
