package io.geogate.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The JSON shapes of the admin API. */
public final class AdminViews {

    private AdminViews() {
    }

    /** {@code GET /admin/config}: the policy in force with its version, and the state of every input. */
    public record Config(JsonNode policy, String version, String source, Instant loadedAt, GeoDatabase geoDatabase,
                  Accounts accounts, Map<String, Refused> lastRefused, List<?> notices) {
    }

    /** @param available false when no usable database is loaded (the data plane answers 503) */
    public record GeoDatabase(boolean available, String path, String type, Instant buildTime, Long ageSeconds,
                       String freshness, Instant loadedAt) {
    }

    public record Accounts(String source, Long count, boolean reachable) {
    }

    public record Refused(Instant at, String source, String error) {
    }

    /** {@code PUT /admin/policy}: what is in force now. */
    public record PolicyChange(String version, String previousVersion, boolean changed, String source, Instant loadedAt) {
    }

    /** {@code POST /admin/reload}: per input, {@code success}, {@code unchanged} or {@code refused}. */
    public record Reload(Map<String, ReloadResult> results, List<String> changed, List<String> refused) {
    }

    public record ReloadResult(String result, String detail) {
    }

    /** {@code GET /admin/decide}: the decision the data plane would take. */
    public record Decide(String outcome, String reason, String ip, String country, String account, String home,
                  String datacenter, Restriction restriction, Instant at, String policyVersion) {
    }

    public record Restriction(String country, Instant cutoff, String notice, String anonymous, String blockedBy) {
    }

    /** A problem+json body with the errors of a refused input or request. */
    public record Problem(String type, String title, int status, String detail, List<FieldError> errors) {
    }

    public record FieldError(String path, String message) {
    }
}
