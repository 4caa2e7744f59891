package io.geogate.proxy;

import io.geogate.config.GeogateConfig;
import io.geogate.decision.Facts;
import io.geogate.live.LiveExchanges;
import io.geogate.policy.Datacenter;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.httpproxy.HttpProxy;
import io.vertx.httpproxy.ProxyContext;
import io.vertx.httpproxy.ProxyOptions;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One vertx-http-proxy instance per datacenter, each with its own pooled keep-alive client. Made on
 * first use and kept across policy reloads for as long as the datacenter's name and upstream stay.
 */
final class Upstreams {

    private final Vertx vertx;
    private final GeogateConfig.Upstream config;
    private final UpstreamObserver observer;
    private final Optional<Long> maxBody;
    private final ConcurrentMap<String, Upstream> byDatacenter = new ConcurrentHashMap<>();

    Upstreams(Vertx vertx, GeogateConfig.Upstream config, Optional<Long> maxBody, UpstreamObserver observer) {
        this.vertx = vertx;
        this.config = config;
        this.maxBody = maxBody;
        this.observer = observer;
    }

    private record Upstream(HttpClient client, HttpProxy proxy, SocketAddress server) {
    }

    private Upstream upstream(Datacenter datacenter) {
        return byDatacenter.computeIfAbsent(datacenter.name() + " " + datacenter.upstream(), k -> create(datacenter));
    }

    HttpProxy proxyFor(Datacenter datacenter) {
        return upstream(datacenter).proxy();
    }

    /** Tunnels a WebSocket upgrade to {@code datacenter}, registering the tunnel while it lives. */
    void webSocket(HttpServerRequest request, Datacenter datacenter, Facts facts, Context context, LiveExchanges registry) {
        Upstream u = upstream(datacenter);
        WebSocketTunnel.open(request, u.client(), datacenter, u.server(), config.timeout().toMillis(), facts, context, registry);
    }

    private Upstream create(Datacenter dc) {
        int connectMillis = (int) Math.min(config.connectTimeout().toMillis(), config.timeout().toMillis());
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout(connectMillis)
                .setSsl(dc.tls())
                .setVerifyHost(true)
                .setForceSni(dc.tls());
        config.trustCertificates().filter(paths -> !paths.isEmpty()).ifPresent(paths -> {
            PemTrustOptions trust = new PemTrustOptions();
            paths.forEach(trust::addCertPath);
            options.setTrustOptions(trust);
        });
        HttpClient client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections())
                .setMaxWaitQueueSize(config.maxWaiting()));
        SocketAddress server = SocketAddress.inetSocketAddress(dc.port(), dc.upstream().getHost());
        // WebSocket upgrades never reach the library: WebSocketTunnel handles them so that they can be cut.
        HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
                .origin(context -> originRequest(context, dc, server))
                .addInterceptor(new UpstreamFailures(vertx, config.timeout().toMillis(), dc.name(), observer));
        maxBody.ifPresent(max -> proxy.addInterceptor(new BodyLimit(max)));
        return new Upstream(client, proxy, server);
    }

    /**
     * A plain-HTTP upstream sees the client's Host, as a sidecar's application expects; a TLS upstream
     * is addressed by its own name so that its certificate verifies.
     */
    private static Future<HttpClientRequest> originRequest(ProxyContext context, Datacenter dc, SocketAddress server) {
        HostAndPort clientAuthority = context.request().proxiedRequest().authority();
        RequestOptions options = new RequestOptions().setServer(server).setHost(dc.upstream().getHost()).setPort(dc.port());
        return context.client().request(options).onSuccess(origin -> {
            if (!dc.tls() && clientAuthority != null) {
                origin.authority(clientAuthority);
            }
            context.set(UpstreamFailures.ORIGIN_REQUEST, origin);
        });
    }
}
