package io.geogate.evaluation;

import io.geogate.account.Identity;
import io.geogate.address.ClientAddress;
import io.geogate.config.GeogateConfig;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.geo.GeoLookupFailure;
import io.geogate.snapshot.Snapshot;
import io.vertx.core.Future;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Establishes the facts of a request (country from the snapshot's database, home from its identity)
 * and takes the decision. The data plane and {@code /admin/decide} both call this, so the explain
 * endpoint cannot disagree with what clients get.
 */
public final class Evaluator {

    private static final Logger LOG = Logger.getLogger(Evaluator.class);

    private final GeogateConfig.Unavailable whenAccountsUnavailable;

    public Evaluator(GeogateConfig.Unavailable whenAccountsUnavailable) {
        this.whenAccountsUnavailable = Objects.requireNonNull(whenAccountsUnavailable, "whenAccountsUnavailable");
    }

    public Future<Evaluation> evaluate(Snapshot snapshot, ClientAddress client, Future<Identity> identity, Instant now) {
        if (snapshot.geo().isEmpty()) {
            return Future.succeededFuture(new Evaluation.Unavailable(client, "geo-database-unavailable",
                    "no usable geo database is loaded"));
        }
        Optional<CountryCode> country;
        try {
            country = snapshot.geo().get().tryCountry(client.address());
        } catch (GeoLookupFailure e) {
            LOG.error(e.getMessage(), e);
            return Future.succeededFuture(new Evaluation.Unavailable(client, "geo-database-unavailable",
                    "the geo database failed to answer"));
        }
        return identity.transform(ar -> {
            if (ar.failed()) {
                LOG.error("account resolution failed", ar.cause());
                return Future.succeededFuture(new Evaluation.Unavailable(client, "account-directory-unavailable",
                        "the account could not be resolved"));
            }
            return Future.succeededFuture(decide(snapshot, client, country, ar.result(), now));
        });
    }

    private Evaluation decide(Snapshot snapshot, ClientAddress client, Optional<CountryCode> country, Identity identity,
                              Instant now) {
        if (identity instanceof Identity.Unresolved && whenAccountsUnavailable == GeogateConfig.Unavailable.REFUSE) {
            return new Evaluation.Unavailable(client, "account-directory-unavailable", "the account directory cannot answer");
        }
        Optional<Facts.Account> account = identity instanceof Identity.Homed homed
                ? Optional.of(new Facts.Account(homed.id(), homed.home()))
                : Optional.empty();
        Facts facts = new Facts(country, account);
        Decision decision = Decider.decide(facts, snapshot.policy().policy(), now);
        return new Evaluation.Decided(client, facts, decision, snapshot.policy().version());
    }
}
