package io.geogate.token;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks token signatures off the event loop, on Vert.x worker threads, with a bound on the checks
 * in flight. Past the bound the check fails instead of queueing without end: the request is then
 * answered 503 rather than judged without its token, since a token that is not judged could carry an
 * account homed in a restricted country.
 */
public final class VerificationPool {

    private final Vertx vertx;
    private final int maxInFlight;
    private final AtomicInteger inFlight = new AtomicInteger();

    public VerificationPool(Vertx vertx, int maxInFlight) {
        this.vertx = vertx;
        this.maxInFlight = maxInFlight;
    }

    /** The verdict on {@code token}: at once when known, otherwise from a worker thread. */
    public Future<Optional<VerifiedToken>> verify(TokenVerifier verifier, String token) {
        Optional<Optional<VerifiedToken>> known = verifier.known(token);
        if (known.isPresent()) {
            return Future.succeededFuture(known.get());
        }
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            return Future.failedFuture(new IllegalStateException("more than " + maxInFlight
                    + " token signatures are being checked; try again"));
        }
        return vertx.<Optional<VerifiedToken>>executeBlocking(() -> verifier.verify(token), false)
                .onComplete(ar -> inFlight.decrementAndGet());
    }
}
