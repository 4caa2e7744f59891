package io.geogate.authz;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.evaluation.Evaluator;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.DecisionRecorder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One check, taken as the data plane takes a request: the client from the peer and (for a trusted
 * peer) its forwarding headers, the identity, the evaluation, then the decision again with the
 * snapshot and instant of the moment the facts are known. Recorded like a data-plane decision.
 */
final class AuthzCheck {

    private final SnapshotManager snapshots;
    private final Clock clock;
    private final Evaluator evaluator;
    private final DecisionRecorder recorder;
    /** Checks begun and not yet answered: shutdown waits for them. */
    private final AtomicInteger inFlight = new AtomicInteger();

    AuthzCheck(SnapshotManager snapshots, Clock clock, Evaluator evaluator, DecisionRecorder recorder) {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
        this.recorder = Objects.requireNonNull(recorder, "recorder");
    }

    /**
     * Completes on the caller's context (an account looked up in Redis would otherwise complete on Redis's);
     * never fails: anything that goes wrong is a 503 answer.
     *
     * @param headers all values of a request header by name, case-insensitive
     */
    Future<AuthzDecision> check(InetAddress peer, Function<String, List<String>> headers) {
        Snapshot snapshot = snapshots.current();
        ClientAddress client = snapshot.addresses().resolve(peer, headers);
        String accountHeader = snapshot.identities().header();
        Context context = Vertx.currentContext();
        Promise<AuthzDecision> answer = Promise.promise();
        inFlight.incrementAndGet();
        evaluator.evaluate(snapshot, client,
                        snapshot.identities().resolve(headers, client.peerTrusted(), snapshot.accounts()), clock.instant())
                .onComplete(ar -> {
                    Instant now = clock.instant();
                    Evaluation evaluation = ar.succeeded() ? decideAt(ar.result(), now)
                            : new Evaluation.Unavailable(client, "evaluation-failed", "the request could not be evaluated");
                    recorder.record(evaluation, now);
                    AuthzDecision decision = AuthzDecision.of(evaluation, accountHeader);
                    if (context == null || Vertx.currentContext() == context) {
                        answered(answer, decision);
                    } else {
                        context.runOnContext(v -> answered(answer, decision));
                    }
                });
        return answer.future();
    }

    /** Completing runs the caller's handler, which writes the answer: only then is the Check no longer in flight. */
    private void answered(Promise<AuthzDecision> answer, AuthzDecision decision) {
        answer.complete(decision);
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    /** As the data plane's admission: the facts stand, the policy and the instant are those of {@code now}. */
    private Evaluation decideAt(Evaluation established, Instant now) {
        if (!(established instanceof Evaluation.Decided d)) {
            return established;
        }
        Snapshot snapshot = snapshots.current();
        try {
            Decision decision = Decider.decide(d.facts(), snapshot.policy().policy(), now);
            return new Evaluation.Decided(d.client(), d.facts(), decision, snapshot.policy().version());
        } catch (RuntimeException e) {
            return new Evaluation.Unavailable(d.client(), "evaluation-failed", "the request could not be evaluated");
        }
    }
}
