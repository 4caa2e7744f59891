package io.geogate.admin;

import io.geogate.proxy.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.Set;

/**
 * Guards the whole control plane before any route, resource or 404: every request needs the admin
 * bearer token, except the health and metrics endpoints named exactly in {@link #PUBLIC}.
 *
 * <p>Default deny, so that no spelling of a path can reach the admin API without the token: the
 * public set is matched against the raw path byte for byte, and any other spelling of a public path
 * (a matrix parameter, an encoded character, a doubled slash, a dot segment, another case, a trailing
 * slash) simply needs the token too. {@link AdminTokenFilter} checks again on the admin resources
 * themselves, after the framework's own routing.
 */
@ApplicationScoped
public class AdminAuth {

    /** The control-plane paths that need no token: health and metrics, as the contract names them. */
    static final Set<String> PUBLIC = Set.of("/q/health", "/q/health/live", "/q/health/ready", "/q/health/started",
            "/q/metrics");

    @Inject
    AdminToken token;

    void install(@Observes Router router) {
        router.route().order(-1000).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        String method = ctx.request().method().name();
        boolean readOnly = method.equals("GET") || method.equals("HEAD");
        if (readOnly && PUBLIC.contains(ctx.request().path())) {
            ctx.next();
            return;
        }
        if (token.matches(ctx.request().headers().getAll("Authorization"))) {
            ctx.next();
            return;
        }
        unauthorized(ctx);
    }

    static void unauthorized(RoutingContext ctx) {
        ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"geogate-admin\"");
        Problem.send(ctx.response(), Problem.of(401, "Unauthorized", "a valid admin bearer token is required"));
    }
}
