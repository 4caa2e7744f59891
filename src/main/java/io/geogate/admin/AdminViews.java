package io.geogate.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.geogate.telemetry.NoticeFigures;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON shapes of the admin API. Jackson serialises them reflectively; every one is registered for
 * reflection, because a view returned inside a {@code Response} (or nested in a view, or behind a
 * wildcard type) is invisible to Quarkus's scan of resource return types, and a native executable
 * would then answer 500.
 */
public final class AdminViews {

    private AdminViews() {
    }

    /** {@code GET /admin/config}: the policy in force with its version, and the state of every input. */
    @RegisterForReflection
    public record Config(JsonNode policy, String version, String source, Instant loadedAt, GeoDatabase geoDatabase,
                  Accounts accounts, Map<String, Refused> lastRefused, List<NoticeFigures.NoticeFigure> notices) {
    }

    /** @param available false when no usable database is loaded (the data plane answers 503) */
    @RegisterForReflection
    public record GeoDatabase(boolean available, String path, String type, Instant buildTime, Long ageSeconds,
                       String freshness, Instant loadedAt) {
    }

    @RegisterForReflection
    public record Accounts(String source, Long count, boolean reachable) {
    }

    @RegisterForReflection
    public record Refused(Instant at, String source, String error) {
    }

    /** {@code PUT /admin/policy}: what is in force now. */
    @RegisterForReflection
    public record PolicyChange(String version, String previousVersion, boolean changed, String source, Instant loadedAt) {
    }

    /** {@code POST /admin/reload}: per input, {@code success}, {@code unchanged} or {@code refused}. */
    @RegisterForReflection
    public record Reload(Map<String, ReloadResult> results, List<String> changed, List<String> refused) {
    }

    @RegisterForReflection
    public record ReloadResult(String result, String detail) {
    }

    /** {@code GET /admin/decide}: the decision the data plane would take. */
    @RegisterForReflection
    public record Decide(String outcome, String reason, String ip, String country, String account, String home,
                  String datacenter, Restriction restriction, Instant at, String policyVersion) {
    }

    @RegisterForReflection
    public record Restriction(String country, Instant cutoff, String notice, String anonymous, String blockedBy) {
    }

    /** A problem+json body with the errors of a refused input or request. */
    @RegisterForReflection
    public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    }

    @RegisterForReflection
    public record FieldError(String path, String message) {
    }
}
