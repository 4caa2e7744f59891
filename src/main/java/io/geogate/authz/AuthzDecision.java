package io.geogate.authz;

import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.proxy.GatewayHeaders;
import io.geogate.proxy.ProblemAnswer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a decision service tells the ingress: let the request through with these headers, or answer
 * the client with this problem. Built from an {@link Evaluation} the same way for gRPC and HTTP.
 */
public sealed interface AuthzDecision {

    /**
     * Let the request through to its datacenter.
     *
     * @param upstream set on the request (the ingress overwrites a client's copies)
     * @param removed  names the ingress must strip from the request: set headers the decision has no
     *                 value for, and the account header when the peer is not trusted
     * @param response added to the client's response (a notice's {@code Sunset} and {@code Link})
     */
    record Admit(List<GatewayHeaders.Header> upstream, List<String> removed, List<GatewayHeaders.Header> response)
            implements AuthzDecision {
        public Admit {
            upstream = List.copyOf(upstream);
            removed = List.copyOf(removed);
            response = List.copyOf(response);
        }
    }

    /** Answer the client in the datacenter's place: a 451 refusal, or a 503 when a fact could not be established. */
    record Answer(ProblemAnswer answer) implements AuthzDecision {
        public Answer {
            Objects.requireNonNull(answer, "answer");
        }
    }

    /**
     * @param accountHeader the configured account header, stripped when the peer is not trusted, as the data plane does
     */
    static AuthzDecision of(Evaluation evaluation, String accountHeader) {
        if (evaluation instanceof Evaluation.Unavailable u) {
            return new Answer(ProblemAnswer.unavailable(u.reason(), u.detail()));
        }
        Evaluation.Decided d = (Evaluation.Decided) evaluation;
        Decision decision = d.decision();
        if (decision instanceof Decision.Refuse refuse && refuse.enforced()) {
            return new Answer(ProblemAnswer.refusal(refuse, d.client()));
        }
        List<GatewayHeaders.Header> upstream = new ArrayList<>(GatewayHeaders.upstream(d.facts(), decision));
        upstream.add(new GatewayHeaders.Header(GatewayHeaders.DATACENTER, decision.datacenter().name()));
        List<String> removed = new ArrayList<>(3);
        for (String name : GatewayHeaders.UPSTREAM) {
            if (upstream.stream().noneMatch(h -> h.name().equals(name))) {
                removed.add(name);
            }
        }
        if (!d.client().peerTrusted()) {
            removed.add(accountHeader);
        }
        return new Admit(upstream, removed, GatewayHeaders.notice(decision));
    }
}
