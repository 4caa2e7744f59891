package io.geogate.live;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every exchange in progress on the data plane. Adding and removing are one concurrent-set operation
 * each; exchanges remove themselves when their response ends or their connection closes, so clients
 * that vanish leave nothing behind.
 */
@ApplicationScoped
public class LiveExchanges {

    private final Set<LiveExchange> live = ConcurrentHashMap.newKeySet();

    public void add(LiveExchange exchange) {
        live.add(exchange);
    }

    public void remove(LiveExchange exchange) {
        live.remove(exchange);
    }

    /** A copy of the exchanges in progress now. */
    public List<LiveExchange> snapshot() {
        return List.copyOf(live);
    }

    public int size() {
        return live.size();
    }

    /** Exchanges expected to finish on their own: requests in flight, not tunnels or event streams. */
    public long shortLived() {
        return live.stream().filter(e -> !e.longLived()).count();
    }
}
