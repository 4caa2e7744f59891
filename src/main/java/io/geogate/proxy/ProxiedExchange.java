package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A request being proxied, from admission until its response ends or its connection closes: plain
 * requests, streamed responses (server-sent events, long polls) and HTTP/2 streams alike.
 *
 * <p>Exactly one party writes the client's response, decided once on the request's event loop: the
 * datacenter's answer (once {@link #claimResponse} has succeeded) or the gateway's 451 (once
 * {@link #refuse} found the response unclaimed). A refusal after the datacenter's answer has started
 * resets it instead: an HTTP/2 stream gets {@code RST_STREAM}, an HTTP/1.1 exchange its connection
 * closed. So a client gets the whole upstream response, a 451, or a reset; never two heads, never a
 * head followed by nothing.
 */
final class ProxiedExchange implements LiveExchange {

    /** {@code RST_STREAM} code CANCEL (RFC 9113). */
    private static final long CANCEL = 8;

    /** How long a short response already being written may take to finish once refused. */
    private static final long FINISH_WITHIN_MILLIS = 900;

    private enum State { WAITING, RESPONDING, HANDED_OVER, ENDED }

    private final HttpServerRequest request;
    private final ClientAddress client;
    private final Facts facts;
    private final Context context;
    private final LiveExchanges registry;
    private final AtomicBoolean wouldRefuseAudited = new AtomicBoolean();
    /** Confined to the request's event loop, like {@link #state}. */
    private Runnable onEnd = () -> { };
    /** Confined to the request's event loop. */
    private State state = State.WAITING;
    /** The WebSocket tunnel this exchange became, once handed over. */
    private LiveExchange successor;
    /** Written on the event loop, read by the shutdown thread. */
    private volatile boolean longLived;

    private ProxiedExchange(HttpServerRequest request, ClientAddress client, Facts facts, Context context,
                            LiveExchanges registry) {
        this.request = request;
        this.client = client;
        this.facts = facts;
        this.context = context;
        this.registry = registry;
    }

    /** Registers the request, on its event loop, until its response ends or its connection goes. */
    static ProxiedExchange track(HttpServerRequest request, ClientAddress client, Facts facts, Context context,
                                 LiveExchanges registry) {
        ProxiedExchange exchange = new ProxiedExchange(request, client, facts, context, registry);
        registry.add(request, exchange);
        request.response().endHandler(v -> exchange.ended());
        request.response().closeHandler(v -> exchange.ended());
        return exchange;
    }

    /** Runs {@code action} once the exchange is over, however it ends (at once if it is over already). */
    void whenEnded(Runnable action) {
        if (state == State.ENDED) {
            action.run();
        } else {
            onEnd = action;
        }
    }

    /** Whether its admission was audited as a would-refuse (report-only), so that no sweep audits it again. */
    void auditedAtAdmission(boolean audited) {
        wouldRefuseAudited.set(audited);
    }

    /** The datacenter's answer could not be sent whole: the library has reset the response. */
    void sendFailed() {
        if (!request.response().closed() && !request.response().ended()) {
            reset();
        } else {
            ended();
        }
    }

    /**
     * The exchange turned out to be a WebSocket upgrade: {@code successor} (already registered in its place)
     * takes over; a refusal that reaches this one from a sweep that saw it first is passed on.
     */
    void handOver(LiveExchange successor) {
        this.successor = successor;
        state = State.HANDED_OVER;
    }

    /** Forgets an exchange that will not be proxied after all (refused at admission). */
    void abandon() {
        ended();
    }

    /** The exchange registered for {@code request}, if it is a proxied one. */
    static ProxiedExchange of(LiveExchanges registry, HttpServerRequest request) {
        return registry.get(request).filter(ProxiedExchange.class::isInstance).map(ProxiedExchange.class::cast).orElse(null);
    }

    /**
     * Called on the event loop when an answer for the client is ready to be sent (the datacenter's, or the
     * gateway's 502/504): true if it may be sent, false if the gateway has answered 451 already.
     */
    boolean claimResponse(String contentType) {
        if (state != State.WAITING) {
            return false;
        }
        state = State.RESPONDING;
        longLived = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        return true;
    }

    @Override
    public ClientAddress client() {
        return client;
    }

    @Override
    public Facts facts() {
        return facts;
    }

    @Override
    public boolean longLived() {
        return longLived;
    }

    @Override
    public boolean firstWouldRefuse() {
        return wouldRefuseAudited.compareAndSet(false, true);
    }

    /**
     * Not yet answered: answered 451 now (the datacenter's answer, when it comes, is dropped). An event
     * stream already flowing: reset now. Any other response already flowing: reset if it has not
     * finished within 900 ms.
     */
    @Override
    public void refuse(Decision.Refuse refusal) {
        context.runOnContext(v -> {
                switch (state) {
                case HANDED_OVER -> successor.refuse(refusal);
                case WAITING -> {
                    if (request.response().headWritten()) {
                        // Something else answered without claiming the response: it can only be cut.
                        reset();
                        return;
                    }
                    // Nothing of a notice or of the datacenter may leak into the gateway's own answer.
                    request.response().headers().clear();
                    GatewayHandler.closeAfter(request);
                    GatewayHandler.refuse(request, refusal, client);
                    ended();
                }
                case RESPONDING -> {
                    if (longLived) {
                        reset();
                    } else {
                        // A short answer already on its way may finish, within the second the contract allows.
                        context.owner().setTimer(FINISH_WITHIN_MILLIS, id -> {
                            if (state == State.RESPONDING) {
                                reset();
                            }
                        });
                    }
                }
                default -> {
                }
            }
        });
    }

    @Override
    public void goAway() {
        context.runOnContext(v -> {
            if (state == State.WAITING || state == State.RESPONDING) {
                reset();
            }
        });
    }

    /**
     * Resets the response and forgets the exchange: a reset the gateway makes itself fires neither the
     * response's end handler nor its close handler.
     */
    private void reset() {
        if (request.version() == HttpVersion.HTTP_2) {
            request.response().reset(CANCEL);
        } else {
            // Closed outright: whatever state the library's pipe left the response in, the client sees the end.
            request.connection().close();
        }
        ended();
    }

    private void ended() {
        if (state != State.ENDED && state != State.HANDED_OVER) {
            state = State.ENDED;
            registry.remove(request, this);
            onEnd.run();
        }
    }
}
