package io.geogate.authz;

import io.geogate.address.IpLiteral;
import io.geogate.proxy.Problem;
import io.geogate.proxy.ProblemAnswer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * HTTP forward-auth: Traefik's ForwardAuth, Envoy's HTTP ext_authz and nginx's auth_request ask
 * here with the client's headers (X-Forwarded-For among them). The answer is 200 with the headers
 * to set on the upstream request, or the client's own answer.
 *
 * <p>nginx's auth_request passes only 2xx, 401 and 403, and drops the body: a check whose path is
 * {@code /nginx} or under {@code /nginx/} gets a refusal as 403 with {@code X-Geogate-Status} (451,
 * or 503) and the problem body in {@code X-Geogate-Problem}, which the documented nginx
 * configuration turns back into the client's answer.
 */
final class ForwardAuthHandler implements Handler<HttpServerRequest> {

    static final String STATUS = "X-Geogate-Status";
    static final String PROBLEM = "X-Geogate-Problem";
    /** Envoy's HTTP ext_authz removes the request headers this lists. */
    static final String ENVOY_REMOVE = "x-envoy-auth-headers-to-remove";

    private final AuthzCheck check;
    private final int maxHeaderCount;

    ForwardAuthHandler(AuthzCheck check, int maxHeaderCount) {
        this.check = check;
        this.maxHeaderCount = maxHeaderCount;
    }

    @Override
    public void handle(HttpServerRequest request) {
        // The decision never depends on a body: let whatever an ingress sends flow into nothing.
        request.handler(chunk -> { });
        HttpServerResponse response = request.response();
        if (request.headers().size() > maxHeaderCount) {
            Problem.send(response, Problem.of(431, "Request Header Fields Too Large", "more than " + maxHeaderCount + " header fields"));
            return;
        }
        Optional<InetAddress> peer = peerOf(request);
        if (peer.isEmpty()) {
            answer(request, ProblemAnswer.unavailable("client-address-unavailable", "the client's address could not be read"));
            return;
        }
        check.check(peer.get(), request.headers()::getAll).onSuccess(decision -> {
            if (decision instanceof AuthzDecision.Answer a) {
                answer(request, a.answer());
                return;
            }
            AuthzDecision.Admit admit = (AuthzDecision.Admit) decision;
            response.setStatusCode(200);
            admit.upstream().forEach(h -> response.putHeader(h.name(), h.value()));
            admit.response().forEach(h -> response.putHeader(h.name(), h.value()));
            if (!admit.removed().isEmpty()) {
                response.putHeader(ENVOY_REMOVE, String.join(",", admit.removed()));
            }
            response.end();
        });
    }

    private static void answer(HttpServerRequest request, ProblemAnswer answer) {
        if (!forNginx(request.path())) {
            answer.send(request.response());
            return;
        }
        HttpServerResponse response = request.response();
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(403).putHeader(STATUS, Integer.toString(answer.status()))
                .putHeader(PROBLEM, asciiJson(answer.body().toString(StandardCharsets.UTF_8)));
        answer.headers().forEach(h -> response.putHeader(h.name(), h.value()));
        response.end(answer.body());
    }

    private static boolean forNginx(String path) {
        return path != null && (path.equals("/nginx") || path.startsWith("/nginx/"));
    }

    /**
     * The JSON text with every character outside printable ASCII written as a {@code \\uXXXX} escape:
     * the same JSON value, safe in a header field. Compact JSON has no raw control characters.
     */
    static String asciiJson(String json) {
        StringBuilder out = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(json.length() + 16).append(json, 0, i);
            }
            out.append(String.format("\\u%04x", (int) c));
        }
        return out == null ? json : out.toString();
    }

    private static Optional<InetAddress> peerOf(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null || remote.hostAddress() == null) {
            return Optional.empty();
        }
        return IpLiteral.parse(remote.hostAddress());
    }
}
