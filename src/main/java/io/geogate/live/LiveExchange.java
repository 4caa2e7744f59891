package io.geogate.live;

import io.geogate.decision.Facts;

/**
 * A request geogate admitted that is still going: a request in flight, a streamed response, an HTTP/2
 * stream, a WebSocket tunnel. It keeps the facts it was admitted under, so that it can be decided
 * again when a cutoff passes or the policy changes.
 */
public interface LiveExchange {

    /** Why an exchange is ended by the gateway. */
    enum Ending {
        /** It would now be refused: a WebSocket gets 1008, a stream is ended or reset. */
        REFUSED,
        /** The gateway is shutting down: a WebSocket gets 1001 (going away). */
        GOING_AWAY
    }

    Facts facts();

    /** Whether it is expected to last (a WebSocket, a server-sent-event stream) rather than finish soon. */
    boolean longLived();

    /** Ends the exchange, on its own event loop; no byte of it crosses the gateway afterwards. */
    void end(Ending why);
}
