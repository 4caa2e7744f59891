package io.geogate.proxy;

import io.geogate.config.GeogateConfig;
import io.geogate.live.LiveExchanges;
import io.geogate.policy.Datacenter;
import io.geogate.policy.Policy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;

/**
 * One vertx-http-proxy instance per datacenter, each with its own pooled keep-alive client, made on
 * first use. An exchange leases its datacenter's upstream and releases it when it ends. When a policy
 * drops or re-points a datacenter, its upstream is retired and its client closed once its last
 * exchange has ended, so renaming datacenters never leaks connection pools.
 */
final class Upstreams {

    private final Vertx vertx;
    private final GeogateConfig.Upstream config;
    private final UpstreamObserver observer;
    private final Optional<Long> maxBody;
    private final LiveExchanges registry;
    private final Optional<PemTrustOptions> trust;
    private final ConcurrentMap<String, Upstream> byDatacenter = new ConcurrentHashMap<>();
    private volatile Set<String> inPolicy = Set.of();

    /** Reads the trusted CA files now, on the calling (start-up) thread: never on an event loop. */
    Upstreams(Vertx vertx, GeogateConfig.Upstream config, Optional<Long> maxBody, UpstreamObserver observer,
              LiveExchanges registry, Policy policy) {
        this.vertx = vertx;
        this.config = config;
        this.maxBody = maxBody;
        this.observer = observer;
        this.registry = registry;
        this.trust = readTrust(config.trustCertificates().orElse(List.of()));
        retainOnly(policy);
    }

    private static Optional<PemTrustOptions> readTrust(List<String> paths) {
        if (paths.isEmpty()) {
            return Optional.empty();
        }
        PemTrustOptions trust = new PemTrustOptions();
        for (String path : paths) {
            try {
                trust.addCertValue(Buffer.buffer(Files.readAllBytes(Path.of(path))));
            } catch (IOException e) {
                throw new IllegalStateException("geogate.upstream.trust-certificates: " + path + " cannot be read: " + e, e);
            }
        }
        return Optional.of(trust);
    }

    /** A datacenter's client and proxy, shared by its exchanges. */
    final class Upstream {
        private final String key;
        private final Datacenter datacenter;
        private final HttpClient client;
        private final HttpProxy proxy;
        private final SocketAddress server;
        private int users;
        private boolean retired;
        private boolean closed;

        private Upstream(String key, Datacenter datacenter, HttpClient client, HttpProxy proxy, SocketAddress server) {
            this.key = key;
            this.datacenter = datacenter;
            this.client = client;
            this.proxy = proxy;
            this.server = server;
        }

        HttpProxy proxy() {
            return proxy;
        }

        HttpClient client() {
            return client;
        }

        SocketAddress server() {
            return server;
        }

        Datacenter datacenter() {
            return datacenter;
        }

        private synchronized boolean tryAcquire() {
            if (closed) {
                return false;
            }
            users++;
            return true;
        }

        /** Ends one exchange's lease; a retired upstream closes with its last one. */
        void release() {
            if (!inPolicy.contains(key)) {
                // Made for a snapshot the policy has since left behind: retire it now that it is in use no more.
                byDatacenter.remove(key, this);
                retired();
            }
            closeIfDone(false);
        }

        private void retired() {
            synchronized (this) {
                retired = true;
            }
            closeIfDone(true);
        }

        private void closeIfDone(boolean retiring) {
            boolean close;
            synchronized (this) {
                if (!retiring) {
                    users--;
                }
                close = retired && users == 0 && !closed;
                closed |= close;
            }
            if (close) {
                client.close();
            }
        }
    }

    /** Leases {@code datacenter}'s upstream for one exchange: {@link Upstream#release()} it when the exchange ends. */
    Upstream lease(Datacenter datacenter) {
        String key = key(datacenter);
        while (true) {
            Upstream u = byDatacenter.computeIfAbsent(key, k -> create(k, datacenter));
            if (u.tryAcquire()) {
                return u;
            }
            byDatacenter.remove(key, u);
        }
    }

    /** Retires the upstreams of datacenters {@code policy} no longer has (or has under another upstream). */
    void retainOnly(Policy policy) {
        Set<String> keep = policy.datacenters().stream().map(Upstreams::key).collect(Collectors.toUnmodifiableSet());
        inPolicy = keep;
        byDatacenter.values().removeIf(u -> {
            if (keep.contains(u.key)) {
                return false;
            }
            u.retired();
            return true;
        });
    }

    /** How many datacenter clients are open, for tests and operators. */
    int open() {
        return byDatacenter.size();
    }

    private static String key(Datacenter datacenter) {
        return datacenter.name() + " " + datacenter.upstream();
    }

    private Upstream create(String key, Datacenter dc) {
        int connectMillis = (int) Math.min(config.connectTimeout().toMillis(), config.timeout().toMillis());
        HttpClientOptions options = new HttpClientOptions()
                .setKeepAlive(true)
                .setConnectTimeout(connectMillis)
                .setSsl(dc.tls())
                .setVerifyHost(true)
                .setForceSni(dc.tls());
        trust.ifPresent(t -> options.setTrustOptions(t.copy()));
        HttpClient client = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(config.maxConnections())
                .setMaxWaitQueueSize(config.maxWaiting()));
        SocketAddress server = SocketAddress.inetSocketAddress(dc.port(), dc.upstream().getHost());
        // WebSocket upgrades never reach the library: WebSocketTunnel handles them so that they can be cut.
        HttpProxy proxy = HttpProxy.reverseProxy(new ProxyOptions().setSupportWebSocket(false), client)
                .origin(context -> originRequest(context, dc, server, config.timeout().toMillis()))
                .addInterceptor(new UpstreamFailures(vertx, config.timeout().toMillis(), dc.name(), observer, registry, maxBody));
        return new Upstream(key, dc, client, proxy, server);
    }

    /**
     * A plain-HTTP upstream sees the client's Host, as a sidecar's application expects; a TLS upstream
     * is addressed by its own name so that its certificate verifies. Getting a connection (from the pool, or
     * a new one) may take up to the upstream timeout.
     */
    private static Future<HttpClientRequest> originRequest(ProxyContext context, Datacenter dc, SocketAddress server,
                                                           long waitMillis) {
        HostAndPort clientAuthority = context.request().proxiedRequest().authority();
        // The wait for a pooled connection is bounded too: a full pool answers 503, it never holds a request.
        RequestOptions options = new RequestOptions().setServer(server).setHost(dc.upstream().getHost()).setPort(dc.port())
                .setConnectTimeout(waitMillis);
        return context.client().request(options).onSuccess(origin -> {
            if (!dc.tls() && clientAuthority != null) {
                origin.authority(clientAuthority);
            }
            context.set(UpstreamFailures.ORIGIN_REQUEST, origin);
        });
    }
}
