package io.geogate.proxy;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;
import io.vertx.httpproxy.Body;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyInterceptor;
import io.vertx.httpproxy.ProxyResponse;

/**
 * Cuts a request body of unknown length (chunked) when it crosses {@code geogate.limits.max-body}: the
 * stream to the upstream fails, the upstream request is reset, and {@link UpstreamFailures} answers 413.
 * Bodies with a {@code Content-Length} over the limit never get this far: they are refused up front.
 */
final class BodyLimit implements ProxyInterceptor {

    /** Context attachment set when the body crossed the limit. */
    static final String EXCEEDED = "geogate.body-too-large";

    private final long maxBody;

    BodyLimit(long maxBody) {
        this.maxBody = maxBody;
    }

    @Override
    public Future<ProxyResponse> handleProxyRequest(ProxyContext context) {
        Body body = context.request().getBody();
        if (body != null && body.length() < 0) {
            context.request().setBody(Body.body(new Limited(body.stream(), maxBody, () -> context.set(EXCEEDED, Boolean.TRUE)), -1));
        }
        return context.sendRequest();
    }

    /** Passes bytes through until there are more than the limit, then fails the stream. */
    private static final class Limited implements ReadStream<Buffer> {
        private final ReadStream<Buffer> source;
        private final long max;
        private final Runnable onExceeded;
        private Handler<Throwable> exceptionHandler;
        private long seen;

        Limited(ReadStream<Buffer> source, long max, Runnable onExceeded) {
            this.source = source;
            this.max = max;
            this.onExceeded = onExceeded;
        }

        @Override
        public ReadStream<Buffer> handler(Handler<Buffer> handler) {
            if (handler == null) {
                source.handler(null);
                return this;
            }
            source.handler(chunk -> {
                seen += chunk.length();
                if (seen > max) {
                    source.handler(null);
                    onExceeded.run();
                    if (exceptionHandler != null) {
                        exceptionHandler.handle(new IllegalStateException("request body larger than " + max + " bytes"));
                    }
                    return;
                }
                handler.handle(chunk);
            });
            return this;
        }

        @Override
        public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
            this.exceptionHandler = handler;
            source.exceptionHandler(handler);
            return this;
        }

        @Override
        public ReadStream<Buffer> pause() {
            source.pause();
            return this;
        }

        @Override
        public ReadStream<Buffer> resume() {
            source.resume();
            return this;
        }

        @Override
        public ReadStream<Buffer> fetch(long amount) {
            source.fetch(amount);
            return this;
        }

        @Override
        public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
            source.endHandler(endHandler);
            return this;
        }
    }
}
