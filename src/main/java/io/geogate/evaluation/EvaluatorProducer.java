package io.geogate.evaluation;

import io.geogate.config.GeogateConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The one {@link Evaluator}, configured once from {@code geogate.accounts.unavailable}. */
@ApplicationScoped
public class EvaluatorProducer {

    @Produces
    @ApplicationScoped
    Evaluator evaluator(GeogateConfig config) {
        return new Evaluator(config.accounts().unavailable());
    }
}
