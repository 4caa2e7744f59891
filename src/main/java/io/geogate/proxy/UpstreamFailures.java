package io.geogate.proxy;

import io.geogate.live.LiveExchanges;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The gateway's side of every proxied exchange with a datacenter.
 * <ul>
 * <li>Failures become problem+json: 502 when the datacenter cannot be reached or breaks the exchange,
 * 504 when its response headers take longer than the upstream timeout, 503 when its connection pool
 * and wait queue are full, 413 when a chunked body crossed {@code geogate.limits.max-body}.</li>
 * <li>The upstream timeout starts when the request body has been sent, as Envoy's route timeout does:
 * a slow upload is never cut by it (the idle timeout covers a stalled client), and a long streamed
 * response body is not either.</li>
 * <li>An answer reaches the client only if its {@link ProxiedExchange} lets it claim the response; once
 * the gateway has answered 451 (a request refused in flight), the datacenter's answer is drained.</li>
 * </ul>
 */
final class UpstreamFailures implements ProxyInterceptor {

    /** Context attachment holding the request to the origin, so a timeout can reset it. */
    static final String ORIGIN_REQUEST = "geogate.origin-request";

    private final Vertx vertx;
    private final long timeoutMillis;
    private final String datacenter;
    private final UpstreamObserver observer;
    private final LiveExchanges registry;
    private final long maxBody;

    UpstreamFailures(Vertx vertx, long timeoutMillis, String datacenter, UpstreamObserver observer, LiveExchanges registry,
                     Optional<Long> maxBody) {
        this.vertx = vertx;
        this.timeoutMillis = timeoutMillis;
        this.datacenter = datacenter;
        this.observer = observer;
        this.registry = registry;
        this.maxBody = maxBody.orElse(Long.MAX_VALUE);
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
        Promise<ProxyResponse> outcome = Promise.promise();
        long start = System.nanoTime();
        long[] timer = {-1};
        boolean[] exceeded = {false};
        Body body = context.request().getBody();
        context.request().setBody(Body.body(new RequestBody(body.stream(), maxBody,
                () -> timer[0] = outcome.future().isComplete() ? -1 : vertx.setTimer(timeoutMillis, id -> {
                    if (outcome.tryComplete(problem(context, 504, "Gateway Timeout",
                            "datacenter " + datacenter + " did not answer within " + timeoutMillis + " ms"))) {
                        observer.exchanged(datacenter, "timeout", System.nanoTime() - start);
                        resetOrigin(context);
                    }
                }),
                () -> exceeded[0] = true, () -> chunkedWithoutLength(context)), body.length()));
        context.sendRequest().onComplete(ar -> {
            if (timer[0] >= 0) {
                vertx.cancelTimer(timer[0]);
            }
            if (ar.succeeded()) {
                if (outcome.tryComplete(ar.result())) {
                    observer.exchanged(datacenter, ar.result().getStatusCode() / 100 + "xx", System.nanoTime() - start);
                } else {
                    // Answered too late: drained, not reset; its connection may already serve another request.
                    ar.result().release();
                }
            } else if (exceeded[0]) {
                outcome.tryComplete(problem(context, 413, "Content Too Large", "the request body is larger than allowed")
                        .putHeader("Connection", "close"));
            } else if (ar.cause() instanceof ConnectionPoolTooBusyException || waitedForAConnection(ar.cause())) {
                outcome.tryComplete(problem(context, 503, "Service Unavailable",
                        "every connection to datacenter " + datacenter + " is busy and too many requests are waiting"));
                observer.exchanged(datacenter, "busy", System.nanoTime() - start);
            } else if (outcome.tryComplete(problem(context, 502, "Bad Gateway",
                    "datacenter " + datacenter + " could not be reached: " + ar.cause().getMessage()))) {
                observer.exchanged(datacenter, "unreachable", System.nanoTime() - start);
            }
        });
        return outcome.future();
    }

    /** The answer goes to the client only if the exchange still owns its response; otherwise it is drained. */
    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
        HttpServerRequest client = context.request().proxiedRequest();
        ProxiedExchange exchange = ProxiedExchange.of(registry, client);
        boolean mine = exchange != null
                ? exchange.claimResponse(context.response().headers().get("Content-Type"))
                : !client.response().ended() && !client.response().closed();
        if (!mine) {
            // Drained, not reset: a reset would close the pooled connection under whatever request uses it next.
            context.response().release();
            return Future.succeededFuture();
        }
        // A send that fails (the datacenter broke off mid-body) has the library reset the client's response,
        // which fires none of the response's handlers: the exchange is told here.
        return context.sendResponse().onFailure(e -> {
            if (exchange != null) {
                exchange.sendFailed();
            }
        });
    }

    /** Vert.x's failure when no pooled connection came free within the request's connect timeout. */
    private static boolean waitedForAConnection(Throwable cause) {
        return cause instanceof java.util.concurrent.TimeoutException || (cause.getMessage() != null
                && cause.getMessage().contains("getting a connection"));
    }

    /**
     * An HTTP/2 request body has no Content-Length to copy and no chunked coding to say so, and the proxy then
     * sends the datacenter neither: its first write would fail. A body that turns out to have bytes goes chunked.
     */
    private static void chunkedWithoutLength(ProxyContext context) {
        HttpClientRequest origin = context.get(ORIGIN_REQUEST, HttpClientRequest.class);
        if (origin != null && !origin.isChunked() && !origin.headers().contains(HttpHeaders.CONTENT_LENGTH)) {
            origin.setChunked(true);
        }
    }

    private static void resetOrigin(ProxyContext context) {
        HttpClientRequest origin = context.get(ORIGIN_REQUEST, HttpClientRequest.class);
        if (origin != null) {
            origin.reset(0, new TimeoutException("upstream timeout"));
        }
    }

    private ProxyResponse problem(ProxyContext context, int status, String title, String detail) {
        Buffer body = Problem.of(status, title, detail).put("datacenter", datacenter).toBuffer();
        ProxyRequest request = context.request();
        HttpServerRequest client = request.proxiedRequest();
        if (!client.response().headWritten()) {
            // A notice's Sunset belongs to the datacenter's answer, not to the gateway's failure.
            client.response().headers().remove("Sunset").remove("Link");
        }
        if (!client.isEnded()) {
            request.release();
        }
        return request.response()
                .setStatusCode(status)
                .putHeader("Content-Type", Problem.CONTENT_TYPE)
                .putHeader("Cache-Control", "no-store")
                .setBody(Body.body(body));
    }
}
