package io.geogate.admin;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * The second lock on the operator API: bound by name to {@link AdminResource}, so it runs for every
 * request the framework routes to an admin method, whatever spelling of the path got it there. It
 * holds even if {@link AdminAuth} were ever bypassed or misconfigured.
 */
@Provider
@AdminOnly
public class AdminTokenFilter implements ContainerRequestFilter {

    @Inject
    AdminToken token;

    @Override
    public void filter(ContainerRequestContext request) {
        if (!token.matches(request.getHeaders().get("Authorization"))) {
            request.abortWith(Response.status(401).type("application/problem+json")
                    .header("WWW-Authenticate", "Bearer realm=\"geogate-admin\"")
                    .header("Cache-Control", "no-store")
                    .entity(new AdminViews.Problem("about:blank", "Unauthorized", 401,
                            "a valid admin bearer token is required", java.util.List.of()))
                    .build());
        }
    }
}
