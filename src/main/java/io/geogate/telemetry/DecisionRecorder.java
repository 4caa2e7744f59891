package io.geogate.telemetry;

import io.geogate.evaluation.Evaluation;
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

    public void record(Evaluation evaluation, Instant at) {
        metrics.decided(evaluation);
        if (evaluation instanceof Evaluation.Decided d) {
            audit.decided(d, at);
            notices.decided(d);
        }
    }
}
