package io.geogate.live;

import io.vertx.core.http.HttpConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shutdown state of the data plane: draining (readiness DOWN, still accepting), then refusing new
 * connections. A connection accepted while refusing is closed at once; it is also remembered, because
 * its first request may already have been decoded before the close takes effect, and must not be served.
 */
@ApplicationScoped
public class Draining {

    private volatile boolean draining;
    private volatile boolean refusing;
    private final Set<HttpConnection> refused = ConcurrentHashMap.newKeySet();

    public void start() {
        draining = true;
    }

    public boolean isDraining() {
        return draining;
    }

    /** From now on, new connections are refused. */
    public void refuseNewConnections() {
        refusing = true;
    }

    /** Called for every new connection: closes it if new connections are refused. */
    public void accepted(HttpConnection connection) {
        if (refusing) {
            refused.add(connection);
            connection.close();
        }
    }

    /** Whether a request arrived on a connection that was refused. */
    public boolean isRefused(HttpConnection connection) {
        return refusing && refused.contains(connection);
    }
}
