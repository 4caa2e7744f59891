package io.geogate.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.concurrent.TimeUnit;

/**
 * {@code geogate.limits.request-header-timeout}, like nginx's {@code client_header_timeout} and Envoy's
 * {@code request_headers_timeout}: a request head must be complete within the deadline, counted from
 * the accept for a connection's first request and from its first byte for the next ones. Otherwise the
 * connection is closed. The idle timeout alone cannot do this, since every trickled byte resets it.
 *
 * <p>A handler at the head of every accepted channel's pipeline (installed by {@link DataPlaneServer}
 * before Vert.x configures it, since with h2c enabled Vert.x only hands a connection over once its first
 * head is complete) sees raw bytes arrive while the connection is idle and starts the clock; the data
 * plane and the decision service stop it when a head has arrived ({@link #headArrived}), which marks the
 * connection idle again when the response has been written. An HTTP/2 connection stops being watched at its first
 * request: it carries its own limits (concurrent streams, reset flood).
 */
public final class HeaderDeadline extends ChannelInboundHandlerAdapter {

    private static final AttributeKey<HeaderDeadline> KEY = AttributeKey.valueOf("geogate.header-deadline");

    private final long millis;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> deadline;
    /** No request in progress: the next byte begins a new head. */
    private boolean idle;

    private HeaderDeadline(long millis) {
        this.millis = millis;
    }

    /** Puts the deadline at the head of a newly accepted channel's pipeline; the clock starts now. */
    static void install(Channel channel, long millis) {
        HeaderDeadline watch = new HeaderDeadline(millis);
        channel.attr(KEY).set(watch);
        channel.pipeline().addFirst("geogate-header-deadline", watch);
    }

    /** A complete head arrived for {@code request}: its connection's clock stops. */
    public static void headArrived(HttpServerRequest request) {
        HeaderDeadline watch = of(request);
        if (watch == null) {
            return;
        }
        watch.stop();
        // A pipelined head may have arrived while the previous response was still going out.
        watch.idle = false;
        if (request.version() == HttpVersion.HTTP_2) {
            watch.forget();
        } else {
            request.response().bodyEndHandler(v -> watch.idle = true);
        }
    }

    private static HeaderDeadline of(HttpServerRequest request) {
        return request.connection() instanceof ConnectionBase base ? base.channel().attr(KEY).get() : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        start();
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) throws Exception {
        if (idle && msg instanceof ByteBuf bytes && bytes.isReadable()) {
            idle = false;
            start();
        }
        super.channelRead(context, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) throws Exception {
        stop();
        super.channelInactive(context);
    }

    private void start() {
        if (deadline == null && ctx != null) {
            ChannelHandlerContext c = ctx;
            deadline = c.executor().schedule(() -> {
                c.channel().close();
            }, millis, TimeUnit.MILLISECONDS);
        }
    }

    private void stop() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void forget() {
        if (ctx != null && ctx.pipeline().get(HeaderDeadline.class) != null) {
            ctx.pipeline().remove(this);
        }
        ctx = null;
    }
}
