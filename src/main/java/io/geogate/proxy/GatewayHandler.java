package io.geogate.proxy;

import io.geogate.account.Identity;
import io.geogate.address.ClientAddress;
import io.geogate.address.IpLiteral;
import io.geogate.config.GeogateConfig;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.decision.Reason;
import io.geogate.geo.GeoLookupFailure;
import io.geogate.policy.Restriction;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import org.jboss.logging.Logger;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

/**
 * The data plane's request handler: resolve the client, its country and its account, decide, then
 * refuse or proxy. Reads the snapshot once; nothing here blocks.
 */
final class GatewayHandler implements Handler<HttpServerRequest> {

    private static final Logger LOG = Logger.getLogger(GatewayHandler.class);

    private final SnapshotManager snapshots;
    private final Clock clock;
    private final Upstreams upstreams;
    private final GeogateConfig.Unavailable whenAccountsUnavailable;

    GatewayHandler(SnapshotManager snapshots, Clock clock, Upstreams upstreams, GeogateConfig.Unavailable whenAccountsUnavailable) {
        this.snapshots = snapshots;
        this.clock = clock;
        this.upstreams = upstreams;
        this.whenAccountsUnavailable = whenAccountsUnavailable;
    }

    @Override
    public void handle(HttpServerRequest request) {
        // The body waits until the decision is known: the proxy resumes it, a refusal discards it.
        request.pause();
        Snapshot snapshot = snapshots.current();
        Instant now = clock.instant();
        Optional<InetAddress> peer = peerOf(request);
        if (peer.isEmpty()) {
            refuseUnavailable(request, "client-address-unavailable", "the client's address could not be read");
            return;
        }
        ClientAddress client = snapshot.addresses().resolve(peer.get(), request.headers()::getAll);
        if (snapshot.geo().isEmpty()) {
            refuseUnavailable(request, "geo-database-unavailable", "no usable geo database is loaded");
            return;
        }
        Optional<CountryCode> country;
        try {
            country = snapshot.geo().get().tryCountry(client.address());
        } catch (GeoLookupFailure e) {
            LOG.error(e.getMessage(), e);
            refuseUnavailable(request, "geo-database-unavailable", "the geo database failed to answer");
            return;
        }
        snapshot.identities().resolve(request.headers()::getAll, client.peerTrusted(), snapshot.accounts())
                .onComplete(ar -> {
                    if (ar.failed()) {
                        LOG.error("account resolution failed", ar.cause());
                        refuseUnavailable(request, "account-directory-unavailable", "the account could not be resolved");
                        return;
                    }
                    decided(request, snapshot, client, country, ar.result(), now);
                });
    }

    private void decided(HttpServerRequest request, Snapshot snapshot, ClientAddress client,
                         Optional<CountryCode> country, Identity identity, Instant now) {
        if (identity instanceof Identity.Unresolved && whenAccountsUnavailable == GeogateConfig.Unavailable.REFUSE) {
            refuseUnavailable(request, "account-directory-unavailable", "the account directory cannot answer");
            return;
        }
        Optional<Facts.Account> account = identity instanceof Identity.Homed homed
                ? Optional.of(new Facts.Account(homed.id(), homed.home()))
                : Optional.empty();
        Facts facts = new Facts(country, account);
        Decision decision = Decider.decide(facts, snapshot.policy().policy(), now);
        if (decision instanceof Decision.Refuse refuse && refuse.enforced()) {
            refuse(request, refuse, client);
            return;
        }
        forward(request, snapshot, client, facts, decision);
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
        upstreams.proxyFor(decision.datacenter()).handle(request);
    }

    /** The word the upstream sees: {@code allow}, {@code visitor}, {@code notice} or {@code would-refuse}. */
    static String decisionHeader(Decision decision) {
        if (decision instanceof Decision.Allow allow) {
            return allow.reason() == Reason.VISITOR ? "visitor" : "allow";
        }
        return decision.outcome();
    }

    private static void refuse(HttpServerRequest request, Decision.Refuse refuse, ClientAddress client) {
        JsonObject body = Problem.of(451, "Unavailable For Legal Reasons", detail(refuse))
                .put("reason", refuse.reason().word())
                .put("country", refuse.restriction().map(r -> r.country().value()).orElse(null))
                .put("cutoff", refuse.restriction().map(r -> r.cutoff().toString()).orElse(null));
        if (client.malformedForwarded()) {
            body.put("address", ClientAddress.MALFORMED_FORWARDED);
        }
        refuse.restriction().flatMap(Restriction::blockedBy)
                .ifPresent(uri -> request.response().putHeader("Link", "<" + uri + ">; rel=\"blocked-by\""));
        request.resume();
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

    private static void refuseUnavailable(HttpServerRequest request, String reason, String detail) {
        request.resume();
        request.response().putHeader("Retry-After", "5");
        Problem.send(request.response(), Problem.of(503, "Service Unavailable", detail).put("reason", reason));
    }

    private static Optional<InetAddress> peerOf(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        if (remote == null || remote.hostAddress() == null) {
            return Optional.empty();
        }
        return IpLiteral.parse(remote.hostAddress());
    }
}
