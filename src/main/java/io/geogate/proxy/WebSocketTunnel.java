package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.geogate.policy.Datacenter;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A WebSocket passed through to its datacenter as a byte tunnel, after the same decision as any request.
 *
 * <p>Registered as live from admission, before the datacenter has answered the upgrade: a cutoff or a
 * refusing policy change that comes while the upgrade is pending answers the client 451 and drops the
 * upstream connection. A datacenter that answers anything but 101 has its answer relayed (headers
 * filtered, body bounded) and its connection closed, never returned to the pool in an unknown state.
 *
 * <p>Written here rather than left to vertx-http-proxy's upgrade path or Vert.x's WebSocket client and
 * server, because those either keep their sockets to themselves or would have to re-negotiate
 * subprotocols and extensions on each side: the tunnel relays the upgrade as the two ends negotiated it,
 * and the cutoff ends a live session with close code 1008 written at a frame boundary of the
 * server-to-client stream.
 */
final class WebSocketTunnel implements LiveExchange {

    private static final int POLICY_VIOLATION = 1008;
    private static final int GOING_AWAY = 1001;

    /** Largest refusal body (a datacenter's non-101 answer) relayed to the client. */
    static final int MAX_REFUSAL_BODY = 64 * 1024;

    /** Never forwarded either way: hop-by-hop and framing headers (RFC 9110 section 7.6.1), and Host. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "content-length", "upgrade",
            "host");

    private enum State { PENDING, OPEN, ENDED }

    private final HttpServerRequest request;
    private final ClientAddress clientAddress;
    private final Facts facts;
    private final Context context;
    private final LiveExchanges registry;
    private final AtomicBoolean wouldRefuseAudited;
    private final Runnable onEnd;
    private final WebSocketFrames toClient = new WebSocketFrames();
    /** Confined to the event loop. */
    private State state = State.PENDING;
    private HttpClientRequest origin;
    private NetSocket client;
    private NetSocket upstream;

    private WebSocketTunnel(HttpServerRequest request, ClientAddress clientAddress, Facts facts, Context context,
                            LiveExchanges registry, boolean wouldRefuseAudited, Runnable onEnd) {
        this.request = request;
        this.clientAddress = clientAddress;
        this.facts = facts;
        this.context = context;
        this.registry = registry;
        this.wouldRefuseAudited = new AtomicBoolean(wouldRefuseAudited);
        this.onEnd = onEnd;
    }

    /** Registers the upgrade as live, then asks the datacenter for it and, once it has switched protocols, tunnels. */
    static WebSocketTunnel open(HttpServerRequest request, Upstreams.Upstream u, long timeoutMillis, ClientAddress client,
                                Facts facts, Context context, LiveExchanges registry, boolean wouldRefuseAudited, Runnable onEnd) {
        WebSocketTunnel tunnel = new WebSocketTunnel(request, client, facts, context, registry, wouldRefuseAudited, onEnd);
        registry.add(request, tunnel);
        request.response().closeHandler(v -> tunnel.end(null));
        tunnel.connect(u, timeoutMillis);
        return tunnel;
    }

    private void connect(Upstreams.Upstream u, long timeoutMillis) {
        Datacenter dc = u.datacenter();
        RequestOptions options = new RequestOptions().setServer(u.server()).setHost(dc.upstream().getHost()).setPort(dc.port())
                .setMethod(HttpMethod.GET).setURI(request.uri()).setTimeout(timeoutMillis).setConnectTimeout(timeoutMillis);
        u.client().request(options).onComplete(created -> {
            if (created.failed()) {
                fail(502, "Bad Gateway", "datacenter " + dc.name() + " could not be reached: " + created.cause().getMessage(), dc);
                return;
            }
            origin = created.result();
            if (state != State.PENDING) {
                origin.connection().close();
                return;
            }
            if (!dc.tls() && request.authority() != null) {
                origin.authority(request.authority());
            }
            Set<String> named = connectionTokens(request.headers().getAll(HttpHeaders.CONNECTION));
            for (Map.Entry<String, String> h : request.headers()) {
                if (forwardable(h.getKey(), named)) {
                    origin.headers().add(h.getKey(), h.getValue());
                }
            }
            // Some browsers send "Connection: keep-alive, Upgrade"; the upstream must see a plain upgrade.
            origin.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).set(HttpHeaders.UPGRADE, "websocket");
            origin.connect().onComplete(answered -> {
                if (answered.failed()) {
                    boolean slow = answered.cause() instanceof TimeoutException;
                    fail(slow ? 504 : 502, slow ? "Gateway Timeout" : "Bad Gateway", "datacenter " + dc.name()
                            + (slow ? " did not answer the WebSocket upgrade in time" : " did not accept the WebSocket: "
                            + answered.cause().getMessage()), dc);
                    return;
                }
                HttpClientResponse response = answered.result();
                if (state != State.PENDING) {
                    origin.connection().close();
                } else if (response.statusCode() != 101) {
                    relayRefusal(response, dc);
                } else {
                    switchProtocols(response);
                }
            });
        });
        request.resume();
    }

    private void switchProtocols(HttpClientResponse response) {
        request.response().setStatusCode(101);
        Set<String> named = connectionTokens(response.headers().getAll(HttpHeaders.CONNECTION));
        response.headers().forEach(h -> {
            if (forwardable(h.getKey(), named)) {
                request.response().headers().add(h.getKey(), h.getValue());
            }
        });
        request.response().putHeader(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE).putHeader(HttpHeaders.UPGRADE, "websocket");
        NetSocket up = response.netSocket();
        // Bytes the datacenter sends right after its 101 wait until the client side is ready to take them.
        up.pause();
        request.toNetSocket().onComplete(switched -> {
            if (switched.failed() || state != State.PENDING) {
                up.close();
                end(null);
                return;
            }
            state = State.OPEN;
            client = switched.result();
            upstream = up;
            relay();
        });
    }

    private void relay() {
        upstream.handler(bytes -> {
            toClient.feed(bytes);
            client.write(bytes);
            if (client.writeQueueFull()) {
                upstream.pause();
                client.drainHandler(v -> upstream.resume());
            }
        });
        client.handler(bytes -> {
            upstream.write(bytes);
            if (upstream.writeQueueFull()) {
                client.pause();
                upstream.drainHandler(v -> client.resume());
            }
        });
        client.closeHandler(v -> end(null));
        upstream.closeHandler(v -> end(null));
        upstream.resume();
    }

    @Override
    public ClientAddress client() {
        return clientAddress;
    }

    @Override
    public Facts facts() {
        return facts;
    }

    @Override
    public boolean longLived() {
        return true;
    }

    @Override
    public boolean firstWouldRefuse() {
        return wouldRefuseAudited.compareAndSet(false, true);
    }

    @Override
    public void refuse(Decision.Refuse refusal) {
        context.runOnContext(v -> {
            if (state == State.PENDING) {
                request.response().headers().clear();
                GatewayHandler.closeAfter(request);
                GatewayHandler.refuse(request, refusal, clientAddress);
            }
            end(WebSocketFrames.closeFrame(POLICY_VIOLATION, "refused: " + refusal.reason().word()));
        });
    }

    @Override
    public void goAway() {
        context.runOnContext(v -> {
            if (state == State.PENDING) {
                request.connection().close();
            }
            end(WebSocketFrames.closeFrame(GOING_AWAY, "gateway shutting down"));
        });
    }

    /**
     * Ends the exchange once, on the event loop: drops the upstream side, closes an open tunnel with
     * {@code closeFrame} if one is given and the stream is at a frame boundary (mid-frame, a close frame
     * would corrupt the stream, so the connection is then simply closed), and forgets the exchange.
     */
    private void end(Buffer closeFrame) {
        if (state == State.ENDED) {
            return;
        }
        State was = state;
        state = State.ENDED;
        if (was == State.OPEN) {
            upstream.handler(null);
            upstream.close();
            client.handler(null);
            if (closeFrame != null && toClient.atBoundary()) {
                client.write(closeFrame);
            }
            client.end();
        } else if (origin != null) {
            origin.connection().close();
        }
        registry.remove(request, this);
        onEnd.run();
    }

    /** Relays a datacenter's refusal of the upgrade, up to {@link #MAX_REFUSAL_BODY}; its connection is closed after. */
    private void relayRefusal(HttpClientResponse response, Datacenter dc) {
        Buffer body = Buffer.buffer();
        response.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_REFUSAL_BODY) {
                response.handler(null);
                response.endHandler(null);
                fail(502, "Bad Gateway", "datacenter " + dc.name() + " refused the WebSocket with a body over "
                        + MAX_REFUSAL_BODY + " bytes", dc);
                return;
            }
            body.appendBuffer(chunk);
        });
        response.exceptionHandler(e -> fail(502, "Bad Gateway", "datacenter " + dc.name() + " broke its refusal: "
                + e.getMessage(), dc));
        response.endHandler(v -> {
            if (state != State.PENDING) {
                return;
            }
            request.response().setStatusCode(response.statusCode());
            Set<String> named = connectionTokens(response.headers().getAll(HttpHeaders.CONNECTION));
            response.headers().forEach(h -> {
                if (forwardable(h.getKey(), named)) {
                    request.response().headers().add(h.getKey(), h.getValue());
                }
            });
            request.response().end(body);
            end(null);
        });
    }

    private void fail(int status, String title, String detail, Datacenter dc) {
        if (state != State.PENDING) {
            return;
        }
        JsonObject body = Problem.of(status, title, detail).put("datacenter", dc.name());
        Problem.send(request.response(), body);
        end(null);
    }

    /** The header names a {@code Connection} header lists: hop-by-hop for this hop only. */
    private static Set<String> connectionTokens(java.util.List<String> values) {
        Set<String> names = new java.util.HashSet<>();
        for (String value : values) {
            for (String token : value.split(",")) {
                names.add(token.strip().toLowerCase(Locale.ROOT));
            }
        }
        return names;
    }

    private static boolean forwardable(String name, Set<String> namedByConnection) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !HOP_BY_HOP.contains(lower) && !lower.startsWith("proxy-") && !namedByConnection.contains(lower);
    }
}
