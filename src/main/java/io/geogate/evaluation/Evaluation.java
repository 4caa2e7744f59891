package io.geogate.evaluation;

import io.geogate.address.ClientAddress;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;

import java.util.Objects;

/** What geogate makes of one request: a decision on known facts, or no decision possible. */
public sealed interface Evaluation {

    ClientAddress client();

    /** The facts were established and the decision taken. */
    record Decided(ClientAddress client, Facts facts, Decision decision, String policyVersion) implements Evaluation {
        public Decided {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(facts, "facts");
            Objects.requireNonNull(decision, "decision");
            Objects.requireNonNull(policyVersion, "policyVersion");
        }
    }

    /**
     * A fact the law depends on could not be established: answered 503, never guessed.
     *
     * @param reason {@code geo-database-unavailable} or {@code account-directory-unavailable}
     */
    record Unavailable(ClientAddress client, String reason, String detail) implements Evaluation {
        public Unavailable {
            Objects.requireNonNull(client, "client");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
