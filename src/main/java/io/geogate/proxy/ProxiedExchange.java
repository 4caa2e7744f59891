package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request being proxied, from admission until its response ends or its connection closes: plain
 * requests, streamed responses (server-sent events, long polls) and HTTP/2 streams alike. Ending a
 * started response resets it: an HTTP/2 stream gets {@code RST_STREAM}, an HTTP/1.1 exchange its
 * connection closed, which also makes vertx-http-proxy reset the request to the upstream.
 */
final class ProxiedExchange implements LiveExchange {

    /** {@code RST_STREAM} code CANCEL (RFC 9113). */
    private static final long CANCEL = 8;

    /** How long a short response already being written may take to finish once refused. */
    private static final long FINISH_WITHIN_MILLIS = 900;

    private final HttpServerRequest request;
    private final ClientAddress client;
    private final Facts facts;
    private final Context context;
    private final LiveExchanges registry;

    private ProxiedExchange(HttpServerRequest request, ClientAddress client, Facts facts, Context context,
                            LiveExchanges registry) {
        this.request = request;
        this.client = client;
        this.facts = facts;
        this.context = context;
        this.registry = registry;
    }

    /** Registers the request until its response ends or its connection goes. */
    static void track(HttpServerRequest request, ClientAddress client, Facts facts, Context context, LiveExchanges registry) {
        ProxiedExchange exchange = new ProxiedExchange(request, client, facts, context, registry);
        registry.add(exchange);
        request.response().endHandler(v -> registry.remove(exchange));
        request.response().closeHandler(v -> registry.remove(exchange));
    }

    @Override
    public Facts facts() {
        return facts;
    }

    @Override
    public boolean longLived() {
        String type = request.response().headers().get("Content-Type");
        return type != null && type.toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream");
    }

    /**
     * Not yet answered: answered 451 now (the upstream's answer, when it comes, is dropped by
     * {@link UpstreamFailures}). An event stream already flowing: reset now. Any other response
     * already flowing: reset if it has not finished within 900 ms.
     */
    @Override
    public void refuse(Decision.Refuse refusal) {
        context.runOnContext(v -> {
            if (request.response().ended()) {
                return;
            }
            if (request.response().headWritten()) {
                if (longLived()) {
                    reset();
                } else {
                    // A short answer already on its way may finish, within the second the contract allows.
                    context.owner().setTimer(FINISH_WITHIN_MILLIS, id -> {
                        if (!request.response().ended()) {
                            reset();
                        }
                    });
                }
            } else {
                request.response().headers().remove("Sunset").remove("Link");
                request.response().putHeader("Connection", "close");
                GatewayHandler.refuse(request, refusal, client);
            }
        });
    }

    @Override
    public void goAway() {
        context.runOnContext(v -> {
            if (!request.response().ended()) {
                reset();
            }
        });
    }

    /**
     * Resets the response and forgets the exchange: a reset the gateway makes itself fires neither the
     * response's end handler nor its close handler, so they would never remove it.
     */
    private void reset() {
        request.response().reset(CANCEL);
        registry.remove(this);
    }
}
