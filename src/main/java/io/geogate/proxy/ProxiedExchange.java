package io.geogate.proxy;

import io.geogate.decision.Facts;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;

/**
 * A request being proxied, from admission until its response ends or its connection closes: plain
 * requests, streamed responses (server-sent events, long polls) and HTTP/2 streams alike. Ending it
 * resets the response: an HTTP/2 stream gets {@code RST_STREAM}, an HTTP/1.1 exchange its connection
 * closed, which also makes vertx-http-proxy reset the request to the upstream.
 */
final class ProxiedExchange implements LiveExchange {

    /** {@code RST_STREAM} code CANCEL (RFC 9113). */
    private static final long CANCEL = 8;

    private final HttpServerRequest request;
    private final Facts facts;
    private final Context context;

    private ProxiedExchange(HttpServerRequest request, Facts facts, Context context) {
        this.request = request;
        this.facts = facts;
        this.context = context;
    }

    /** Registers the request until its response ends or its connection goes. */
    static void track(HttpServerRequest request, Facts facts, Context context, LiveExchanges registry) {
        ProxiedExchange exchange = new ProxiedExchange(request, facts, context);
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

    @Override
    public void end(Ending why) {
        context.runOnContext(v -> {
            if (!request.response().ended()) {
                request.response().reset(CANCEL);
            }
        });
    }
}
