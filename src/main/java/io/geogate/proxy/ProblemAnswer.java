package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.policy.Restriction;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An answer geogate gives in the client's place, built once here so that the data plane and the
 * decision services send the same status, headers and bytes by construction.
 *
 * @param headers in the order they are sent, {@code Content-Type} and {@code Cache-Control} included
 * @param body    the problem+json bytes; never written to (Vert.x writes a duplicate of a buffer, so one answer
 *                can be sent any number of times)
 */
public record ProblemAnswer(int status, String title, List<GatewayHeaders.Header> headers, Buffer body) {

    public ProblemAnswer {
        Objects.requireNonNull(title, "title");
        headers = List.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /** Most refusals remembered; past it the memory starts over (policies come and go with reloads). */
    private static final int REMEMBERED = 1024;

    /**
     * The refusals answered so far, by the identity of their decision: the decider gives one decision object per
     * outcome of a policy, so a refusal's body and headers are built once, not per request. Copied on write,
     * never changed once published; two threads that miss at once each build the same answer.
     */
    private static volatile Map<Decision.Refuse, ProblemAnswer[]> refusals = new IdentityHashMap<>();

    /** 451 with the refusal as problem+json, and {@code Link rel="blocked-by"} when the restriction names a page. */
    public static ProblemAnswer refusal(Decision.Refuse refuse, ClientAddress client) {
        ProblemAnswer[] answers = refusals.get(refuse);
        if (answers == null) {
            answers = new ProblemAnswer[] {buildRefusal(refuse, false), buildRefusal(refuse, true)};
            Map<Decision.Refuse, ProblemAnswer[]> next = refusals.size() >= REMEMBERED
                    ? new IdentityHashMap<>() : new IdentityHashMap<>(refusals);
            next.put(refuse, answers);
            refusals = next;
        }
        return answers[client.malformedForwarded() ? 1 : 0];
    }

    private static ProblemAnswer buildRefusal(Decision.Refuse refuse, boolean malformedForwarded) {
        JsonObject body = Problem.of(451, "Unavailable For Legal Reasons", detail(refuse))
                .put("reason", refuse.reason().word())
                .put("country", refuse.restriction().map(r -> r.country().value()).orElse(null))
                .put("cutoff", refuse.restriction().map(r -> r.cutoff().toString()).orElse(null));
        if (malformedForwarded) {
            body.put("address", ClientAddress.MALFORMED_FORWARDED);
        }
        List<GatewayHeaders.Header> headers = new ArrayList<>(3);
        refuse.restriction().flatMap(Restriction::blockedBy)
                .ifPresent(uri -> headers.add(new GatewayHeaders.Header("Link", "<" + uri + ">; rel=\"blocked-by\"")));
        return of(body, headers);
    }

    /** 503: a fact the decision needs could not be established; the client may retry shortly. */
    public static ProblemAnswer unavailable(String reason, String detail) {
        List<GatewayHeaders.Header> headers = new ArrayList<>(3);
        headers.add(new GatewayHeaders.Header("Retry-After", "5"));
        return of(Problem.of(503, "Service Unavailable", detail).put("reason", reason), headers);
    }

    private static ProblemAnswer of(JsonObject body, List<GatewayHeaders.Header> headers) {
        headers.add(new GatewayHeaders.Header("Content-Type", Problem.CONTENT_TYPE));
        headers.add(new GatewayHeaders.Header("Cache-Control", "no-store"));
        return new ProblemAnswer(body.getInteger("status"), body.getString("title"), headers, body.toBuffer());
    }

    /** Sends the whole answer, unless the response is already over. */
    public void send(HttpServerResponse response) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).setStatusMessage(title);
        for (GatewayHeaders.Header h : headers) {
            response.putHeader(h.name(), h.value());
        }
        response.end(body);
    }

    /** The refusal's {@code detail}: the restriction's own text, or a sentence naming the reason. */
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
}
