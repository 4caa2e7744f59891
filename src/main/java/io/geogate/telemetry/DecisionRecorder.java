package io.geogate.telemetry;

import io.geogate.evaluation.Evaluation;
import io.quarkus.arc.ClientProxy;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;

/** Everything the data plane records about a request it has evaluated: metrics, audit line, notice figures. */
@ApplicationScoped
public class DecisionRecorder {

    @Inject
    GatewayMetrics metrics;

    @Inject
    AuditLog audit;

    @Inject
    NoticeFigures notices;

    /** Called for every request: the beans themselves, not client proxies that look them up on each call. */
    @PostConstruct
    void unwrap() {
        metrics = ClientProxy.unwrap(metrics);
        audit = ClientProxy.unwrap(audit);
        notices = ClientProxy.unwrap(notices);
    }

    public void record(Evaluation evaluation, Instant at) {
        metrics.decided(evaluation);
        if (evaluation instanceof Evaluation.Decided d) {
            audit.decided(d, at);
            notices.decided(d);
        }
    }
}
