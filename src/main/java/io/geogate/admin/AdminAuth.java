package io.geogate.admin;

import io.geogate.proxy.Problem;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Guards everything under {@code /admin} on the control plane, before any resource or 404: without
 * {@code Authorization: Bearer <token>} matching the configured token, the answer is 401.
 */
@ApplicationScoped
public class AdminAuth {

    private static final String BEARER = "bearer ";

    @Inject
    AdminToken token;

    void install(@Observes Router router) {
        // A worker thread: checking the token may read the token file, which must not block the event loop.
        router.routeWithRegex("/admin(/.*)?").order(-1000).blockingHandler(ctx -> {
            String header = ctx.request().getHeader("Authorization");
            String presented = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    ? header.substring(BEARER.length()).strip() : null;
            if (token.matches(presented)) {
                ctx.next();
                return;
            }
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"geogate-admin\"");
            Problem.send(ctx.response(), Problem.of(401, "Unauthorized", "a valid admin bearer token is required"));
        }, false);
    }
}
