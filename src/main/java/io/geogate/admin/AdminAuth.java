package io.geogate.admin;

import io.vertx.core.json.JsonObject;
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
        router.routeWithRegex("/admin(/.*)?").order(-1000).handler(ctx -> {
            String header = ctx.request().getHeader("Authorization");
            String presented = header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())
                    ? header.substring(BEARER.length()).strip() : null;
            if (token.matches(presented)) {
                ctx.next();
                return;
            }
            ctx.response().setStatusCode(401)
                    .putHeader("WWW-Authenticate", "Bearer realm=\"geogate-admin\"")
                    .putHeader("Content-Type", "application/problem+json")
                    .putHeader("Cache-Control", "no-store")
                    .end(new JsonObject().put("type", "about:blank").put("title", "Unauthorized").put("status", 401)
                            .put("detail", "a valid admin bearer token is required").encode());
        });
    }
}
