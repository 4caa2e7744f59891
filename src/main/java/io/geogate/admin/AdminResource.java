package io.geogate.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.geogate.account.AccountId;
import io.geogate.account.AccountResolver;
import io.geogate.account.Identity;
import io.geogate.address.ClientAddress;
import io.geogate.address.IpLiteral;
import io.geogate.config.GeogateConfig;
import io.geogate.decision.Decision;
import io.geogate.evaluation.Evaluation;
import io.geogate.evaluation.Evaluator;
import io.geogate.policy.InvalidPolicyException;
import io.geogate.policy.PolicyJson;
import io.geogate.snapshot.Component;
import io.geogate.snapshot.PolicyInForce;
import io.geogate.snapshot.ReloadReport;
import io.geogate.snapshot.Snapshot;
import io.geogate.snapshot.SnapshotManager;
import io.geogate.telemetry.NoticeFigures;
import io.vertx.core.Future;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The operator API on the control plane. {@link AdminAuth} has checked the bearer token before any of this runs, and
 * {@link AdminTokenFilter} checks it again on every method here.
 */
@AdminOnly
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    private static final Logger LOG = Logger.getLogger(AdminResource.class);
    private static final String PROBLEM = "application/problem+json";

    @Inject
    SnapshotManager snapshots;

    @Inject
    GeogateConfig config;

    @Inject
    Evaluator evaluator;

    @Inject
    NoticeFigures notices;

    @Inject
    Clock clock;

    @Inject
    ObjectMapper json;

    @GET
    @Path("config")
    public AdminViews.Config config() throws JsonProcessingException {
        Snapshot s = snapshots.current();
        Instant now = clock.instant();
        PolicyInForce p = s.policy();
        AdminViews.GeoDatabase geo = s.geo()
                .map(g -> new AdminViews.GeoDatabase(true, g.path().toString(), g.type(), g.buildTime(), g.age(now).toSeconds(),
                        g.isStale(now, config.geo().maxAge()) ? "stale" : "fresh", g.loadedAt()))
                .orElseGet(() -> new AdminViews.GeoDatabase(false, config.geo().database(), null, null, null, null, null));
        AdminViews.Accounts accounts = new AdminViews.Accounts(s.accounts().source(),
                s.accounts().size().isPresent() ? s.accounts().size().getAsLong() : null, s.accounts().reachable());
        Map<String, AdminViews.Refused> refused = new LinkedHashMap<>();
        for (Component c : Component.values()) {
            refused.put(c.word(), Optional.ofNullable(snapshots.refusals().get(c))
                    .map(r -> new AdminViews.Refused(r.at(), r.source(), r.error())).orElse(null));
        }
        return new AdminViews.Config(json.readTree(PolicyJson.canonical(p.policy()).encode()), p.version(), p.source(),
                p.loadedAt(), geo, accounts, refused, notices.figures());
    }

    @PUT
    @Path("policy")
    @Consumes(MediaType.WILDCARD)
    public Response putPolicy(String document) {
        if (document == null || document.isBlank()) {
            return problem(400, "Invalid policy", "the request body must be a policy document (YAML or JSON)",
                    List.of(new AdminViews.FieldError("$", "the document is empty")));
        }
        java.nio.file.Path file = snapshots.pathOf(Component.POLICY).orElseThrow();
        String previous = snapshots.current().policy().version();
        try {
            PolicyInForce next = snapshots.installPolicy(document, "admin:file:" + file, text -> PolicyFileWriter.write(file, text));
            LOG.infof("policy %s installed through the admin API (previous %s), written to %s", next.version(), previous, file);
            return Response.ok(new AdminViews.PolicyChange(next.version(), previous, !next.version().equals(previous),
                    next.source(), next.loadedAt())).build();
        } catch (InvalidPolicyException e) {
            return problem(400, "Invalid policy", e.errors().size() + " error(s); the policy in force is unchanged",
                    e.errors().stream().map(err -> new AdminViews.FieldError(err.path(), err.message())).toList());
        } catch (AccessDeniedException e) {
            return problem(409, "Policy file not writable", "geogate.policy.file=" + file + " cannot be written (" + e
                    + "); if it is a ConfigMap, change the ConfigMap. The policy in force is unchanged", List.of());
        } catch (FileSystemException e) {
            return problem(e.getMessage() != null && e.getMessage().contains("Read-only") ? 409 : 500,
                    "Policy file not writable", "geogate.policy.file=" + file + ": " + e.getMessage()
                            + "; the policy in force is unchanged", List.of());
        } catch (IOException e) {
            LOG.error("writing the policy file failed", e);
            return problem(500, "Policy not persisted", "geogate.policy.file=" + file + ": " + e.getMessage()
                    + "; the policy in force is unchanged", List.of());
        }
    }

    @POST
    @Path("reload")
    public AdminViews.Reload reload() {
        ReloadReport report = snapshots.reload(EnumSet.allOf(Component.class), true);
        Map<String, AdminViews.ReloadResult> results = new LinkedHashMap<>();
        report.results().forEach((c, r) -> results.put(c.word(), new AdminViews.ReloadResult(word(r.outcome()), r.detail())));
        return new AdminViews.Reload(results,
                results.entrySet().stream().filter(e -> e.getValue().result().equals("success")).map(Map.Entry::getKey).toList(),
                results.entrySet().stream().filter(e -> e.getValue().result().equals("refused")).map(Map.Entry::getKey).toList());
    }

    private static String word(ReloadReport.Outcome o) {
        return o == ReloadReport.Outcome.CHANGED ? "success" : o.name().toLowerCase(Locale.ROOT);
    }

    @GET
    @Path("decide")
    public CompletionStage<Response> decide(@QueryParam("ip") String ip, @QueryParam("account") String account,
                                            @QueryParam("at") String at) {
        List<AdminViews.FieldError> errors = new java.util.ArrayList<>();
        Optional<InetAddress> address = ip == null || ip.isBlank() ? Optional.empty() : IpLiteral.parseWithOptionalPort(ip);
        if (address.isEmpty()) {
            errors.add(new AdminViews.FieldError("ip", ip == null || ip.isBlank() ? "is required" : "'" + ip + "' is not an IP address"));
        }
        boolean hasAccount = account != null && !account.isBlank();
        if (hasAccount && !AccountId.isValid(account.strip())) {
            errors.add(new AdminViews.FieldError("account", "must be 1.." + AccountId.MAX_LENGTH + " visible characters"));
        }
        Instant instant = clock.instant();
        if (at != null && !at.isBlank()) {
            try {
                instant = Instant.parse(at.strip());
            } catch (DateTimeParseException e) {
                errors.add(new AdminViews.FieldError("at", "'" + at + "' is not an ISO-8601 instant (e.g. 2015-12-30T00:00:00Z)"));
            }
        }
        if (!errors.isEmpty()) {
            return Future.succeededFuture(problem(400, "Invalid decide request", "see errors", errors)).toCompletionStage();
        }
        Snapshot s = snapshots.current();
        InetAddress client = address.get();
        Future<Identity> identity = hasAccount
                ? AccountResolver.byDirectory(new AccountId(account.strip()), s.accounts())
                : Future.succeededFuture(Identity.NO_ACCOUNT);
        Instant when = instant;
        return evaluator.evaluate(s, new ClientAddress(client, client, false, false), identity, when)
                .map(e -> toResponse(e, hasAccount ? account.strip() : null, when)).toCompletionStage();
    }

    private Response toResponse(Evaluation evaluation, String account, Instant at) {
        if (evaluation instanceof Evaluation.Unavailable u) {
            return problem(503, "Service Unavailable", u.detail() + " (" + u.reason() + ")", List.of());
        }
        Evaluation.Decided d = (Evaluation.Decided) evaluation;
        Decision decision = d.decision();
        return Response.ok(new AdminViews.Decide(decision.outcome(), decision.reason().word(),
                d.client().address().getHostAddress(),
                d.facts().country().map(Object::toString).orElse(null), account,
                d.facts().home().map(Object::toString).orElse(null), decision.datacenter().name(),
                decision.restriction().map(r -> new AdminViews.Restriction(r.country().value(), r.cutoff(),
                        PolicyJson.duration(r.notice()), r.anonymous().word(), r.blockedBy().map(Object::toString).orElse(null)))
                        .orElse(null),
                at, d.policyVersion())).build();
    }

    private static Response problem(int status, String title, String detail, List<AdminViews.FieldError> errors) {
        return Response.status(status).type(PROBLEM).header("Cache-Control", "no-store")
                .entity(new AdminViews.Problem("about:blank", title, status, detail, errors)).build();
    }
}
