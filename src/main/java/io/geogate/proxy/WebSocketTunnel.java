package io.geogate.proxy;

import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.live.LiveExchange;
import io.geogate.live.LiveExchanges;
import io.geogate.policy.Datacenter;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;

import java.util.Map;

/**
 * A WebSocket passed through to its datacenter as a byte tunnel, after the same decision as any request.
 *
 * <p>Written here rather than left to vertx-http-proxy's own upgrade path because that path keeps its
 * sockets to itself: the cutoff needs to end a live session with close code 1008, which means writing
 * a close frame at a frame boundary of the server-to-client stream and then closing both sockets.
 */
final class WebSocketTunnel implements LiveExchange {

    private static final int POLICY_VIOLATION = 1008;
    private static final int GOING_AWAY = 1001;

    private final NetSocket client;
    private final NetSocket upstream;
    private final Facts facts;
    private final Context context;
    private final WebSocketFrames toClient = new WebSocketFrames();
    private boolean ended;

    private WebSocketTunnel(NetSocket client, NetSocket upstream, Facts facts, Context context) {
        this.client = client;
        this.upstream = upstream;
        this.facts = facts;
        this.context = context;
    }

    /** Opens the upstream WebSocket for {@code request} and, once it has switched protocols, the tunnel. */
    static void open(HttpServerRequest request, HttpClient http, Datacenter dc, SocketAddress server, long timeoutMillis,
                     Facts facts, Context context, LiveExchanges registry) {
        RequestOptions options = new RequestOptions().setServer(server).setHost(dc.upstream().getHost()).setPort(dc.port())
                .setMethod(HttpMethod.GET).setURI(request.uri()).setTimeout(timeoutMillis);
        http.request(options).onComplete(created -> {
            if (created.failed()) {
                fail(request, 502, "Bad Gateway", "datacenter " + dc.name() + " could not be reached: " + created.cause().getMessage(), dc);
                return;
            }
            var origin = created.result();
            if (!dc.tls() && request.authority() != null) {
                origin.authority(request.authority());
            }
            for (Map.Entry<String, String> h : request.headers()) {
                if (!h.getKey().equalsIgnoreCase("Host")) {
                    origin.headers().add(h.getKey(), h.getValue());
                }
            }
            // Some browsers send "Connection: keep-alive, Upgrade"; the upstream must see a plain upgrade.
            origin.headers().set(HttpHeaders.CONNECTION, HttpHeaders.UPGRADE);
            origin.connect().onComplete(answered -> {
                if (answered.failed()) {
                    fail(request, 502, "Bad Gateway", "datacenter " + dc.name() + " did not accept the WebSocket: "
                            + answered.cause().getMessage(), dc);
                    return;
                }
                HttpClientResponse response = answered.result();
                if (response.statusCode() != 101) {
                    relayRefusal(request, response);
                    return;
                }
                request.response().setStatusCode(101);
                request.response().headers().addAll(response.headers());
                NetSocket upstream = response.netSocket();
                request.toNetSocket().onComplete(switched -> {
                    if (switched.failed()) {
                        upstream.close();
                        return;
                    }
                    WebSocketTunnel tunnel = new WebSocketTunnel(switched.result(), upstream, facts, context);
                    registry.add(tunnel);
                    tunnel.relay(() -> registry.remove(tunnel));
                });
            });
            request.resume();
        });
    }

    private void relay(Runnable onClose) {
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
        client.closeHandler(v -> {
            upstream.close();
            onClose.run();
        });
        upstream.closeHandler(v -> {
            if (!ended) {
                client.close();
            }
            onClose.run();
        });
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
    public void refuse(Decision.Refuse refusal) {
        end(WebSocketFrames.closeFrame(POLICY_VIOLATION, "refused: " + refusal.reason().word()));
    }

    @Override
    public void goAway() {
        end(WebSocketFrames.closeFrame(GOING_AWAY, "gateway shutting down"));
    }

    private void end(Buffer closeFrame) {
        context.runOnContext(v -> {
            if (ended) {
                return;
            }
            ended = true;
            upstream.handler(null);
            upstream.close();
            client.handler(null);
            // Mid-frame, a close frame would corrupt the stream: the connection is then simply closed.
            if (toClient.atBoundary()) {
                client.write(closeFrame);
            }
            client.end();
        });
    }

    private static void relayRefusal(HttpServerRequest request, HttpClientResponse response) {
        response.body().onComplete(body -> {
            request.response().setStatusCode(response.statusCode());
            response.headers().forEach(h -> {
                if (!h.getKey().equalsIgnoreCase("Transfer-Encoding") && !h.getKey().equalsIgnoreCase("Connection")) {
                    request.response().headers().add(h.getKey(), h.getValue());
                }
            });
            request.response().end(body.succeeded() ? body.result() : Buffer.buffer());
        });
    }

    private static void fail(HttpServerRequest request, int status, String title, String detail, Datacenter dc) {
        request.resume();
        JsonObject body = Problem.of(status, title, detail).put("datacenter", dc.name());
        Problem.send(request.response(), body);
    }
}
