package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.address.IpLiteral;
import io.geogate.config.GeogateConfig;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.evaluation.Evaluation;
import io.geogate.evaluation.Evaluator;
import io.geogate.live.Draining;
import io.geogate.live.LiveExchanges;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.DecisionRecorder;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The data plane's request handler: resolve the client and its account, evaluate, then refuse or
 * proxy. Reads the snapshot once; nothing here blocks.
 */
final class GatewayHandler implements Handler<HttpServerRequest> {

    private final SnapshotManager snapshots;
    private final Clock clock;
    private final Upstreams upstreams;
    private final Evaluator evaluator;
    private final DecisionRecorder recorder;
    private final LiveExchanges exchanges;
    private final GeogateConfig.Limits limits;
    private final Draining draining;
    private final long upstreamTimeoutMillis;

    GatewayHandler(SnapshotManager snapshots, Clock clock, Upstreams upstreams, Evaluator evaluator, DecisionRecorder recorder,
                   LiveExchanges exchanges, GeogateConfig.Limits limits, Draining draining, long upstreamTimeoutMillis) {
        this.upstreamTimeoutMillis = upstreamTimeoutMillis;
        this.limits = limits;
        this.draining = draining;
        this.snapshots = snapshots;
        this.clock = clock;
        this.upstreams = upstreams;
        this.evaluator = evaluator;
        this.recorder = recorder;
        this.exchanges = exchanges;
    }

    @Override
    public void handle(HttpServerRequest request) {
        HeaderDeadline.headArrived(request);
        if (draining.isRefused(request.connection())) {
            request.connection().close();
            return;
        }
        // The body waits until the decision is known: the proxy resumes it, a refusal discards it.
        request.pause();
        if (!withinLimits(request)) {
            return;
        }
        Snapshot snapshot = snapshots.current();
        Instant now = clock.instant();
        Optional<InetAddress> peer = peerOf(request);
        if (peer.isEmpty()) {
            unavailable(request, "client-address-unavailable", "the client's address could not be read");
            return;
        }
        ClientAddress client = snapshot.addresses().resolve(peer.get(), request.headers()::getAll);
        Context context = Vertx.currentContext();
        evaluator.evaluate(snapshot, client,
                        snapshot.identities().resolve(request.headers()::getAll, client.peerTrusted(), snapshot.accounts()), now)
                .onComplete(ar -> {
                    Evaluation evaluation = ar.succeeded() ? ar.result()
                            : new Evaluation.Unavailable(client, "evaluation-failed", "the request could not be evaluated");
                    if (evaluation instanceof Evaluation.Decided d) {
                        // An account looked up in Redis completes on Redis's event loop: back to the request's own.
                        if (Vertx.currentContext() == context) {
                            admit(request, d, context);
                        } else {
                            context.runOnContext(v -> admit(request, d, context));
                        }
                    } else {
                        recorder.record(evaluation, now);
                        Evaluation.Unavailable u = (Evaluation.Unavailable) evaluation;
                        unavailable(request, u.reason(), u.detail());
                    }
                });
    }

    /**
     * Registers the exchange as live first and decides after, with the snapshot and the instant of now: a
     * cutoff or a policy change that came while the facts were being established (a Redis lookup, say)
     * is seen either by this decision or, once registered, by the sweep. No admission escapes both.
     */
    private void admit(HttpServerRequest request, Evaluation.Decided established, Context context) {
        if (request.response().closed()) {
            // The client went away while its facts were being established: nothing to answer, nothing to hold.
            return;
        }
        ProxiedExchange exchange = ProxiedExchange.track(request, established.client(), established.facts(), context, exchanges);
        Snapshot snapshot = snapshots.current();
        Instant now = clock.instant();
        Decision decision;
        try {
            decision = Decider.decide(established.facts(), snapshot.policy().policy(), now);
        } catch (RuntimeException e) {
            exchange.abandon();
            unavailable(request, "evaluation-failed", "the request could not be evaluated");
            return;
        }
        Evaluation.Decided d = new Evaluation.Decided(established.client(), established.facts(), decision,
                snapshot.policy().version());
        recorder.record(d, now);
        if (decision instanceof Decision.Refuse refuse && refuse.enforced()) {
            exchange.abandon();
            refuse(request, refuse, d.client());
            return;
        }
        forward(request, snapshot, d, exchange, context);
    }

    private void forward(HttpServerRequest request, Snapshot snapshot, Evaluation.Decided d, ProxiedExchange exchange,
                         Context context) {
        ClientAddress client = d.client();
        Facts facts = d.facts();
        Decision decision = d.decision();
        MultiMap headers = request.headers();
        GatewayHeaders.UPSTREAM.forEach(headers::remove);
        if (!client.peerTrusted()) {
            headers.remove(snapshot.identities().header());
        }
        GatewayHeaders.upstream(facts, decision).forEach(h -> headers.set(h.name(), h.value()));
        GatewayHeaders.appendForwardedFor(headers, client.peer());
        GatewayHeaders.notice(decision).forEach(h -> request.response().putHeader(h.name(), h.value()));
        boolean audited = decision instanceof Decision.Refuse;
        Upstreams.Upstream upstream = upstreams.lease(decision.datacenter());
        if (isWebSocketUpgrade(request)) {
            // The tunnel takes the registration over from here, while the datacenter's answer to the upgrade is pending.
            exchange.handOver(WebSocketTunnel.open(request, upstream, upstreamTimeoutMillis, client, facts, context, exchanges,
                    audited, upstream::release));
            return;
        }
        exchange.whenEnded(upstream::release);
        exchange.auditedAtAdmission(audited);
        upstream.proxy().handle(request);
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        String upgrade = request.getHeader("Upgrade");
        String connection = request.getHeader("Connection");
        return request.version() == HttpVersion.HTTP_1_1 && request.method() == HttpMethod.GET
                && upgrade != null && upgrade.equalsIgnoreCase("websocket")
                && connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade");
    }

    /** Answers 451 with the refusal as problem+json. */
    static void refuse(HttpServerRequest request, Decision.Refuse refuse, ClientAddress client) {
        discardBody(request);
        ProblemAnswer.refusal(refuse, client).send(request.response());
    }

    /** Header count and declared body size, checked before anything else; answers 431 or 413 itself. */
    private boolean withinLimits(HttpServerRequest request) {
        if (request.headers().size() > limits.maxHeaderCount()) {
            reject(request, 431, "Request Header Fields Too Large", "more than " + limits.maxHeaderCount() + " header fields");
            return false;
        }
        for (java.util.Map.Entry<String, String> header : request.headers()) {
            if (hasControl(header.getValue())) {
                // A bare CR or LF, or a NUL, could end a header line early in a datacenter's parser.
                reject(request, 400, "Bad Request", "a header value holds a control character");
                return false;
            }
        }
        String length = request.getHeader("Content-Length");
        if (length != null && limits.maxBody().isPresent()) {
            try {
                if (Long.parseLong(length.strip()) > limits.maxBody().get()) {
                    reject(request, 413, "Content Too Large", "the request body is larger than " + limits.maxBody().get() + " bytes");
                    return false;
                }
            } catch (NumberFormatException e) {
                reject(request, 400, "Bad Request", "Content-Length is not a number");
                return false;
            }
        }
        return true;
    }

    /**
     * Asks for the connection to be closed after this response, on HTTP/1.x; on HTTP/2 a {@code Connection}
     * header would make the response malformed (RFC 9113 section 8.2.2), and the stream ends anyway.
     */
    static void closeAfter(HttpServerRequest request) {
        if (request.version() != HttpVersion.HTTP_2) {
            request.response().putHeader("Connection", "close");
        }
    }

    private static boolean hasControl(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** A client error the gateway answers itself; the connection is closed, as the request may be half-read. */
    static void reject(HttpServerRequest request, int status, String title, String detail) {
        discardBody(request);
        closeAfter(request);
        Problem.send(request.response(), Problem.of(status, title, detail));
    }

    private static void unavailable(HttpServerRequest request, String reason, String detail) {
        discardBody(request);
        ProblemAnswer.unavailable(reason, detail).send(request.response());
    }

    /** Lets the rest of a request body flow into nothing; a body already read needs nothing. */
    private static void discardBody(HttpServerRequest request) {
        if (!request.isEnded()) {
            request.resume();
        }
    }

    private static Optional<InetAddress> peerOf(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null || remote.hostAddress() == null) {
            return Optional.empty();
        }
        return IpLiteral.parse(remote.hostAddress());
    }
}
