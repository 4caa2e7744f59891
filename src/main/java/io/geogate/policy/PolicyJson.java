package io.geogate.policy;

import io.geogate.country.CountryCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;

/**
 * The canonical form of a policy: every default spelled out, datacenters by name, homes and
 * restrictions by country, cutoffs as UTC instants. Two documents that mean the same thing have the
 * same canonical form, hence the same {@link #version}.
 */
public final class PolicyJson {

    private PolicyJson() {
    }

    public static JsonObject canonical(Policy policy) {
        JsonArray datacenters = new JsonArray();
        policy.datacenters().stream().sorted(Comparator.comparing(Datacenter::name)).forEach(dc -> datacenters.add(
                new JsonObject()
                        .put("name", dc.name())
                        .put("upstream", dc.upstream().toString())
                        .put("homes", new JsonArray(dc.homes().stream().map(CountryCode::value).sorted().toList()))
                        .put("default", dc.isDefault())));
        JsonArray restrictions = new JsonArray();
        policy.restrictions().stream().sorted(Comparator.comparing(r -> r.country().value())).forEach(r ->
                restrictions.add(new JsonObject()
                        .put("country", r.country().value())
                        .put("cutoff", r.cutoff().toString())
                        .put("notice", duration(r.notice()))
                        .put("anonymous", r.anonymous().word())
                        .put("blocked-by", r.blockedBy().map(Object::toString).orElse(null))
                        .put("reason", r.reason().orElse(null))));
        return new JsonObject()
                .put("datacenters", datacenters)
                .put("restrictions", restrictions)
                .put("unknown-country", policy.unknownCountry().word())
                .put("mode", policy.mode().word());
    }

    /** A duration as written in policies: whole days as {@code P30D}, anything else as {@code PT36H}. */
    public static String duration(Duration d) {
        return !d.isZero() && d.toSeconds() % 86_400 == 0 && d.getNano() == 0 ? "P" + d.toDays() + "D" : d.toString();
    }

    /** The sha256, in hex, of the canonical form's compact JSON encoding. */
    public static String version(Policy policy) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(canonical(policy).encode().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
