package io.geogate.proxy;

import io.netty.util.NetUtil;
import io.vertx.core.MultiMap;

import java.net.InetAddress;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The headers geogate adds, strips or formats. */
public final class GatewayHeaders {

    public static final String GEO_COUNTRY = "X-Geo-Country";
    public static final String ACCOUNT_HOME = "X-Account-Home";
    public static final String DECISION = "X-Geogate-Decision";
    public static final String FORWARDED_FOR = "X-Forwarded-For";

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private GatewayHeaders() {
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
