package io.geogate.proxy;

import io.netty.channel.Channel;
import io.netty.handler.traffic.GlobalTrafficShapingHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.SslChannelProvider;

import java.util.function.BiConsumer;

/**
 * The HTTP server of the data plane and of the decision service: Vert.x's own ({@code vertx.createHttpServer} makes the same object), with
 * every channel counted and given the request-header deadline as it is accepted, before its first byte
 * is read. Vert.x offers no public hook that early: its connection handler runs only once the first
 * request head is complete when h2c is enabled, and never learns that an upgraded connection (a
 * WebSocket tunnel) closed.
 */
public final class DataPlaneServer extends HttpServerImpl {

    private final long headerMillis;
    private final ConnectionGate gate;

    public DataPlaneServer(Vertx vertx, HttpServerOptions options, long headerMillis, ConnectionGate gate) {
        super((VertxInternal) vertx, options);
        this.headerMillis = headerMillis;
        this.gate = gate;
    }

    @Override
    protected BiConsumer<Channel, SslChannelProvider> childHandler(ContextInternal context, SocketAddress address,
                                                                   GlobalTrafficShapingHandler trafficShaping) {
        BiConsumer<Channel, SslChannelProvider> configure = super.childHandler(context, address, trafficShaping);
        return (channel, ssl) -> {
            if (!gate.admit(channel)) {
                channel.close();
                return;
            }
            HeaderDeadline.install(channel, headerMillis);
            configure.accept(channel, ssl);
        };
    }
}
