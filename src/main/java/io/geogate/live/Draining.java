package io.geogate.live;

import io.vertx.core.http.HttpConnection;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Shutdown state of the data plane: draining (readiness DOWN, still accepting), then refusing new
 * connections; and the connections refused at any time (while shutting down, or past
 * {@code geogate.limits.max-connections}). A refused connection is closed at once; it is also remembered
 * until it is gone, because its first request may already have been decoded, and must not be served.
 */
@ApplicationScoped
public class Draining {

    private volatile boolean draining;
    private volatile long drainingSince;
    private volatile boolean refusing;
    private volatile long refusingSince;
    private final Set<HttpConnection> refused = ConcurrentHashMap.newKeySet();

    /** Readiness fails from now on; a second call keeps the first instant. */
    public synchronized void start() {
        if (!draining) {
            drainingSince = System.nanoTime();
            draining = true;
        }
    }

    /** How long ago {@link #start()} was first called, in nanoseconds; 0 if it was not. */
    public long drainingForNanos() {
        return draining ? System.nanoTime() - drainingSince : 0;
    }

    public boolean isDraining() {
        return draining;
    }

    /** From now on, new connections are refused; a second call keeps the first instant. */
    public synchronized void refuseNewConnections() {
        if (!refusing) {
            refusingSince = System.nanoTime();
            refusing = true;
        }
    }

    /**
     * The {@link System#nanoTime()} by which work in flight must be done: {@code timeout} after new connections
     * began to be refused (now, if they are not yet). One deadline for every port, so that the data plane's
     * and the decision service's waits do not add up.
     */
    public long inFlightDeadline(java.time.Duration timeout) {
        refuseNewConnections();
        return refusingSince + timeout.toNanos();
    }

    /** Called for every new connection: closes it if new connections are refused. */
    public void accepted(HttpConnection connection) {
        if (refusing) {
            refuse(connection);
        }
    }

    /**
     * Closes {@code connection} and remembers it until it is gone: its first request may already have been
     * decoded, and must not be served.
     */
    public void refuse(HttpConnection connection) {
        refused.add(connection);
        connection.close();
    }

    /** Forgets a connection that has closed. */
    public void closed(HttpConnection connection) {
        refused.remove(connection);
    }

    /** Whether a request arrived on a connection that was refused. */
    public boolean isRefused(HttpConnection connection) {
        return !refused.isEmpty() && refused.contains(connection);
    }
}
