package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.address.IpLiteral;
import io.geogate.config.GeogateConfig;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.decision.Reason;
import io.geogate.evaluation.Evaluation;
import io.geogate.evaluation.Evaluator;
import io.geogate.live.Draining;
import io.geogate.live.LiveExchanges;
import io.geogate.policy.Restriction;
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
import io.vertx.core.json.JsonObject;
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

    GatewayHandler(SnapshotManager snapshots, Clock clock, Upstreams upstreams, Evaluator evaluator, DecisionRecorder recorder,
                   LiveExchanges exchanges, GeogateConfig.Limits limits, Draining draining) {
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
        evaluator.evaluate(snapshot, client,
                        snapshot.identities().resolve(request.headers()::getAll, client.peerTrusted(), snapshot.accounts()), now)
                .onComplete(ar -> {
                    Evaluation evaluation = ar.succeeded() ? ar.result()
                            : new Evaluation.Unavailable(client, "evaluation-failed", "the request could not be evaluated");
                    recorder.record(evaluation, now);
                    if (evaluation instanceof Evaluation.Decided d) {
                        decided(request, snapshot, d);
                    } else {
                        Evaluation.Unavailable u = (Evaluation.Unavailable) evaluation;
                        unavailable(request, u.reason(), u.detail());
                    }
                });
    }

    private void decided(HttpServerRequest request, Snapshot snapshot, Evaluation.Decided d) {
        if (d.decision() instanceof Decision.Refuse refuse && refuse.enforced()) {
            refuse(request, refuse, d.client());
        } else {
            forward(request, snapshot, d.client(), d.facts(), d.decision());
        }
    }

    private void forward(HttpServerRequest request, Snapshot snapshot, ClientAddress client, Facts facts, Decision decision) {
        MultiMap headers = request.headers();
        headers.remove(GatewayHeaders.GEO_COUNTRY).remove(GatewayHeaders.ACCOUNT_HOME).remove(GatewayHeaders.DECISION);
        if (!client.peerTrusted()) {
            headers.remove(snapshot.identities().header());
        }
        facts.country().ifPresent(c -> headers.set(GatewayHeaders.GEO_COUNTRY, c.value()));
        facts.home().ifPresent(h -> headers.set(GatewayHeaders.ACCOUNT_HOME, h.value()));
        headers.set(GatewayHeaders.DECISION, decisionHeader(decision));
        GatewayHeaders.appendForwardedFor(headers, client.peer());
        if (decision instanceof Decision.Notice notice) {
            Restriction r = notice.notice();
            request.response().putHeader("Sunset", GatewayHeaders.httpDate(r.cutoff()));
            r.blockedBy().ifPresent(uri -> request.response().putHeader("Link", "<" + uri + ">; rel=\"sunset\""));
        }
        Context context = Vertx.currentContext();
        if (isWebSocketUpgrade(request)) {
            upstreams.webSocket(request, decision.datacenter(), facts, context, exchanges);
            return;
        }
        ProxiedExchange.track(request, client, facts, context, exchanges);
        upstreams.proxyFor(decision.datacenter()).handle(request);
    }

    private static boolean isWebSocketUpgrade(HttpServerRequest request) {
        String upgrade = request.getHeader("Upgrade");
        String connection = request.getHeader("Connection");
        return request.version() == HttpVersion.HTTP_1_1 && request.method() == HttpMethod.GET
                && upgrade != null && upgrade.equalsIgnoreCase("websocket")
                && connection != null && connection.toLowerCase(java.util.Locale.ROOT).contains("upgrade");
    }

    /** The word the upstream sees: {@code allow}, {@code visitor}, {@code notice} or {@code would-refuse}. */
    static String decisionHeader(Decision decision) {
        if (decision instanceof Decision.Allow allow) {
            return allow.reason() == Reason.VISITOR ? "visitor" : "allow";
        }
        return decision.outcome();
    }

    /** Answers 451 with the refusal as problem+json. */
    static void refuse(HttpServerRequest request, Decision.Refuse refuse, ClientAddress client) {
        JsonObject body = Problem.of(451, "Unavailable For Legal Reasons", detail(refuse))
                .put("reason", refuse.reason().word())
                .put("country", refuse.restriction().map(r -> r.country().value()).orElse(null))
                .put("cutoff", refuse.restriction().map(r -> r.cutoff().toString()).orElse(null));
        if (client.malformedForwarded()) {
            body.put("address", ClientAddress.MALFORMED_FORWARDED);
        }
        refuse.restriction().flatMap(Restriction::blockedBy)
                .ifPresent(uri -> request.response().putHeader("Link", "<" + uri + ">; rel=\"blocked-by\""));
        discardBody(request);
        Problem.send(request.response(), body);
    }

    static String detail(Decision.Refuse refuse) {
        Optional<Restriction> r = refuse.restriction();
        if (r.isPresent() && r.get().reason().isPresent()) {
            return r.get().reason().get();
        }
        return switch (refuse.reason()) {
            case HOME_IN_RESTRICTED_COUNTRY -> "The service is no longer available to accounts homed in "
                    + r.map(x -> x.country().value()).orElse("this country") + ".";
            case ANONYMOUS_IN_RESTRICTED_COUNTRY -> "The service is no longer available in "
                    + r.map(x -> x.country().value()).orElse("this country") + " without an account.";
            default -> "The service is not available to clients whose country is unknown.";
        };
    }

    /** Header count and declared body size, checked before anything else; answers 431 or 413 itself. */
    private boolean withinLimits(HttpServerRequest request) {
        if (request.headers().size() > limits.maxHeaderCount()) {
            reject(request, 431, "Request Header Fields Too Large", "more than " + limits.maxHeaderCount() + " header fields");
            return false;
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

    /** A client error the gateway answers itself; the connection is closed, as the request may be half-read. */
    static void reject(HttpServerRequest request, int status, String title, String detail) {
        discardBody(request);
        request.response().putHeader("Connection", "close");
        Problem.send(request.response(), Problem.of(status, title, detail));
    }

    private static void unavailable(HttpServerRequest request, String reason, String detail) {
        discardBody(request);
        request.response().putHeader("Retry-After", "5");
        Problem.send(request.response(), Problem.of(503, "Service Unavailable", detail).put("reason", reason));
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
