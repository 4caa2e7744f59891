package io.geogate.testing;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.vertx.core.Vertx;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A gRPC client of geogate's Check service built from Envoy's own API classes, asking as Envoy asks. */
public final class EnvoyCheck implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final GrpcClient client = GrpcClient.client(vertx);
    private final int port;

    public EnvoyCheck(int port) {
        this.port = port;
    }

    /**
     * Checks a GET of {@code path} from the downstream peer {@code source} (none when empty), with the request headers
     * as Envoy sends them (lower-case names, {@code :authority}, {@code :method}, {@code :path}).
     */
    public CheckResponse check(String source, String path, Map<String, String> headers) throws Exception {
        Map<String, String> lower = new LinkedHashMap<>();
        lower.put(":authority", "app.example.com");
        lower.put(":method", "GET");
        lower.put(":path", path);
        headers.forEach((k, v) -> lower.put(k.toLowerCase(java.util.Locale.ROOT), v));
        AttributeContext.Builder attributes = AttributeContext.newBuilder();
        if (!source.isEmpty()) {
            attributes.setSource(AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                    SocketAddress.newBuilder().setAddress(source).setPortValue(40_000))));
        }
        CheckRequest request = CheckRequest.newBuilder().setAttributes(attributes
                .setDestination(AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
                        SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(443))))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("GET").setPath(path).setHost("app.example.com").setProtocol("HTTP/1.1")
                        .putAllHeaders(lower))))
                .build();
        return client.request(io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1"), AuthorizationGrpc.getCheckMethod())
                .compose(call -> {
                    call.end(request);
                    return call.response().compose(GrpcClientResponse::last);
                })
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** The headers of a list of options, by lower-case name. */
    public static Map<String, String> byName(List<HeaderValueOption> options) {
        Map<String, String> map = new LinkedHashMap<>();
        options.forEach(o -> map.put(o.getHeader().getKey(), o.getHeader().getValue()));
        return map;
    }

    @Override
    public void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
