package io.geogate.live;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;

/**
 * A request geogate admitted that is still going: a request in flight, a streamed response, an HTTP/2
 * stream, a WebSocket (waiting for its datacenter's answer, or tunnelled). It keeps the facts it was
 * admitted under, so that it can be decided again when a cutoff passes or the policy changes.
 */
public interface LiveExchange {

    /** The client it was admitted for. */
    ClientAddress client();

    Facts facts();

    /** Whether it is expected to last (a WebSocket, a server-sent-event stream) rather than finish soon. */
    boolean longLived();

    /**
     * Ends the exchange because it would now be refused, on its own event loop; no byte of it crosses
     * the gateway afterwards. A request whose response has not started is answered 451; a WebSocket
     * gets close code 1008; a started stream is reset.
     */
    void refuse(Decision.Refuse refusal);

    /** Ends the exchange because the gateway is stopping: a WebSocket gets close code 1001 (going away). */
    void goAway();

    /**
     * True the first time it is asked and false after: report-only mode audits a would-refuse once per
     * exchange, however many sweeps find it.
     */
    boolean firstWouldRefuse();
}
