package io.geogate.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyRequest;
import io.vertx.httpproxy.ProxyResponse;

import java.util.concurrent.TimeoutException;

/**
 * Turns an upstream that fails into problem+json: 502 when it cannot be reached or breaks the
 * exchange, 504 when its response headers take longer than the upstream timeout, 503 when its
 * connection pool and wait queue are full, 413 when {@link BodyLimit} cut the request body. The timer covers
 * only the wait for headers: a long streamed response body is not cut by it.
 */
final class UpstreamFailures implements ProxyInterceptor {

    /** Context attachment holding the request to the origin, so a timeout can reset it. */
    static final String ORIGIN_REQUEST = "geogate.origin-request";

    private final Vertx vertx;
    private final long timeoutMillis;
    private final String datacenter;
    private final UpstreamObserver observer;

    UpstreamFailures(Vertx vertx, long timeoutMillis, String datacenter, UpstreamObserver observer) {
        this.vertx = vertx;
        this.timeoutMillis = timeoutMillis;
        this.datacenter = datacenter;
        this.observer = observer;
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
        Promise<ProxyResponse> outcome = Promise.promise();
        long start = System.nanoTime();
        long timer = vertx.setTimer(timeoutMillis, id -> {
            if (outcome.tryComplete(problem(context, 504, "Gateway Timeout",
                    "datacenter " + datacenter + " did not answer within " + timeoutMillis + " ms"))) {
                observer.exchanged(datacenter, "timeout", System.nanoTime() - start);
                resetOrigin(context);
            }
        });
        context.sendRequest().onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                if (outcome.tryComplete(ar.result())) {
                    observer.exchanged(datacenter, ar.result().getStatusCode() / 100 + "xx", System.nanoTime() - start);
                } else {
                    // Answered too late: drained, not reset; its connection may already serve another request.
                    ar.result().release();
                }
            } else if (Boolean.TRUE.equals(context.get(BodyLimit.EXCEEDED, Boolean.class))) {
                outcome.tryComplete(problem(context, 413, "Content Too Large", "the request body is larger than allowed")
                        .putHeader("Connection", "close"));
            } else if (ar.cause() instanceof ConnectionPoolTooBusyException) {
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

    /**
     * The upstream's answer, unless the gateway has answered the client already (a request refused while
     * in flight): then it is dropped.
     */
    @Override
    public Future<Void> handleProxyResponse(ProxyContext context) {
        if (context.request().proxiedRequest().response().ended()) {
            // Drained, not reset: a reset would close the pooled connection under whatever request uses it next.
            context.response().release();
            return Future.succeededFuture();
        }
        return context.sendResponse();
    }

    private static void resetOrigin(ProxyContext context) {
        HttpClientRequest origin = context.get(ORIGIN_REQUEST, HttpClientRequest.class);
        if (origin != null) {
            origin.reset(0, new TimeoutException("upstream timeout"));
        }
    }

    private ProxyResponse problem(ProxyContext context, int status, String title, String detail) {
        JsonObject body = Problem.of(status, title, detail).put("datacenter", datacenter);
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
                .setBody(Body.body(body.toBuffer()));
    }
}
