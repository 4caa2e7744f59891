package io.geogate.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * The client's request body on its way to the datacenter, watched: it tells when the last byte has
 * passed (the upstream timeout starts there, so a slow upload is never cut by it), and it fails the
 * stream when more than {@code max} bytes pass (a chunked body over {@code geogate.limits.max-body};
 * bodies with a {@code Content-Length} over it are refused before they get here).
 */
final class RequestBody implements ReadStream<Buffer> {

    private final ReadStream<Buffer> source;
    private final long max;
    private final Runnable onEnd;
    private final Runnable onExceeded;
    private final Runnable beforeFirstBytes;
    private Handler<Throwable> exceptionHandler;
    private long seen;

    /**
     * @param max        most bytes allowed; {@code Long.MAX_VALUE} for no limit
     * @param onEnd      run when the whole body has passed
     * @param onExceeded run when the body crossed {@code max}, before the stream fails
     * @param beforeFirstBytes run once, before the first non-empty chunk is handed on
     */
    RequestBody(ReadStream<Buffer> source, long max, Runnable onEnd, Runnable onExceeded, Runnable beforeFirstBytes) {
        this.source = source;
        this.max = max;
        this.onEnd = onEnd;
        this.onExceeded = onExceeded;
        this.beforeFirstBytes = beforeFirstBytes;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        if (handler == null) {
            source.handler(null);
            return this;
        }
        source.handler(chunk -> {
            if (chunk.length() == 0) {
                // An empty HTTP/2 DATA frame (END_STREAM after the headers) carries nothing to forward.
                return;
            }
            if (seen == 0) {
                try {
                    beforeFirstBytes.run();
                } catch (RuntimeException e) {
                    // The datacenter could not be told how the body is framed: fail the exchange, never send it cut.
                    source.handler(null);
                    source.endHandler(null);
                    if (exceptionHandler != null) {
                        exceptionHandler.handle(e);
                    }
                    return;
                }
            }
            seen += chunk.length();
            if (seen > max) {
                source.handler(null);
                source.endHandler(null);
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
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
        source.endHandler(endHandler == null ? null : v -> {
            onEnd.run();
            endHandler.handle(v);
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
}
