package io.geogate.proxy;

import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.decision.Reason;
import io.geogate.policy.Restriction;
import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** The headers geogate adds, strips or formats. */
public final class GatewayHeaders {

    public static final String GEO_COUNTRY = "X-Geo-Country";
    public static final String ACCOUNT_HOME = "X-Account-Home";
    public static final String DECISION = "X-Geogate-Decision";
    public static final String FORWARDED_FOR = "X-Forwarded-For";
    /** The datacenter the decision names, for an ingress that routes on it (decision service only). */
    public static final String DATACENTER = "X-Geogate-Datacenter";

    /** The request headers geogate sets for the datacenter: a client's own copies never reach it. */
    public static final List<String> UPSTREAM = List.of(GEO_COUNTRY, ACCOUNT_HOME, DECISION);

    /** One header line. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private GatewayHeaders() {
    }

    /** The {@link #UPSTREAM} headers an admitted request carries: country and home when known, and the decision word. */
    public static List<Header> upstream(Facts facts, Decision decision) {
        List<Header> headers = new ArrayList<>(3);
        facts.country().ifPresent(c -> headers.add(new Header(GEO_COUNTRY, c.value())));
        facts.home().ifPresent(h -> headers.add(new Header(ACCOUNT_HOME, h.value())));
        headers.add(new Header(DECISION, decision(decision)));
        return headers;
    }

    /** For a notice, the response's {@code Sunset} and, when the restriction names a page, {@code Link rel="sunset"}. */
    public static List<Header> notice(Decision decision) {
        if (!(decision instanceof Decision.Notice notice)) {
            return List.of();
        }
        Restriction r = notice.notice();
        List<Header> headers = new ArrayList<>(2);
        headers.add(new Header("Sunset", httpDate(r.cutoff())));
        r.blockedBy().ifPresent(uri -> headers.add(new Header("Link", "<" + uri + ">; rel=\"sunset\"")));
        return headers;
    }

    /** The word the upstream sees: {@code allow}, {@code visitor}, {@code notice} or {@code would-refuse}. */
    public static String decision(Decision decision) {
        if (decision instanceof Decision.Allow allow) {
            return allow.reason() == Reason.VISITOR ? "visitor" : "allow";
        }
        return decision.outcome();
    }

    /** An IMF-fixdate (RFC 9110), as {@code Sunset} requires. */
    public static String httpDate(Instant instant) {
        return HTTP_DATE.format(instant);
    }

    /** Appends {@code peer} to the request's X-Forwarded-For, folding all its instances into one. */
    public static void appendForwardedFor(MultiMap headers, InetAddress peer) {
        List<String> prior = headers.getAll(FORWARDED_FOR);
        String peerText = NetUtil.toAddressString(peer);
        if (prior.isEmpty()) {
            headers.set(FORWARDED_FOR, peerText);
            return;
        }
        StringBuilder chain = new StringBuilder();
        for (String value : prior) {
            if (!value.isBlank()) {
                chain.append(value.strip()).append(", ");
            }
        }
        headers.set(FORWARDED_FOR, chain.append(peerText).toString());
    }
}
