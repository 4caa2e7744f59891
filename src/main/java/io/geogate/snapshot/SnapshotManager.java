package io.geogate.snapshot;

import io.geogate.account.AccountDirectory;
import io.geogate.account.AccountFile;
import io.geogate.account.AccountFileException;
import io.geogate.account.AccountResolver;
import io.geogate.account.FileDirectory;
import io.geogate.account.NoDirectory;
import io.geogate.account.RedisDirectory;
import io.geogate.account.UnavailableDirectory;
import io.geogate.address.ClientAddressResolver;
import io.geogate.address.TrustedProxies;
import io.geogate.config.GeogateConfig;
import io.geogate.geo.GeoDatabase;
import io.geogate.geo.GeoDatabaseException;
import io.geogate.policy.InvalidPolicyException;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyError;
import io.geogate.policy.PolicyJson;
import io.geogate.policy.PolicyParser;
import io.geogate.token.InvalidTokenKeysException;
import io.geogate.token.TokenKeys;
import io.geogate.token.TokenVerifier;
import io.geogate.token.VerificationPool;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import jakarta.enterprise.inject.Instance;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * Builds snapshots off the hot path and publishes them through one {@link AtomicReference}.
 *
 * <p>A reload builds the new input beside the old one; only if it is valid does a new snapshot
 * replace the old. A refused input is logged and remembered, and the previous one stays in force.
 * Writers are serialised; readers never wait.
 */
@Startup
@ApplicationScoped
public class SnapshotManager {

    private static final Logger LOG = Logger.getLogger(SnapshotManager.class);

    @Inject
    GeogateConfig config;

    @Inject
    Clock clock;

    @Inject
    Vertx vertx;

    @Inject
    Instance<Redis> redis;

    /** Token signatures checked at once on worker threads; past this, requests needing one answer 503. */
    private static final int MAX_TOKEN_CHECKS_IN_FLIGHT = 256;

    private final AtomicReference<Snapshot> current = new AtomicReference<>();
    private final Map<Component, FileStamp> stamps = new EnumMap<>(Component.class);
    // Read by readiness checks and the admin API while a reload may hold the lock for seconds.
    private final Map<Component, Refusal> refusals = new ConcurrentHashMap<>();
    /** Inputs the watcher reloaded since the admin API last reported (guarded by this). */
    private final Map<Component, ReloadReport.Result> unreported = new EnumMap<>(Component.class);
    private final List<BiConsumer<Snapshot, Snapshot>> listeners = new CopyOnWriteArrayList<>();
    private final List<BiConsumer<Component, ReloadReport.Outcome>> reloadListeners = new CopyOnWriteArrayList<>();

    @PostConstruct
    void start() {
        Path policyPath = Path.of(config.policy().path());
        PolicyInForce policy;
        try {
            stamps.put(Component.POLICY, FileStamp.of(policyPath));
            policy = loadPolicy(policyPath);
        } catch (InvalidPolicyException e) {
            throw new IllegalStateException("geogate.policy.file=" + policyPath + " is invalid:\n  "
                    + e.errors().stream().map(PolicyError::toString).collect(Collectors.joining("\n  ")));
        } catch (IOException e) {
            throw new IllegalStateException("geogate.policy.file=" + policyPath + " cannot be read: " + e, e);
        }

        TrustedProxies trusted;
        try {
            trusted = TrustedProxies.parse(config.trustedProxies());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("geogate.trusted-proxies: " + e.getMessage(), e);
        }
        ClientAddressResolver addresses = new ClientAddressResolver(trusted, config.forwardedHeader(), config.clientIpHeader());
        AccountResolver identities;
        tokenKeyPath().ifPresent(p -> stamps.put(Component.JWT_KEYS, FileStamp.of(p)));
        try {
            identities = new AccountResolver(config.accounts().header(), tokenVerifier(loadTokenKeys()),
                    new VerificationPool(vertx, MAX_TOKEN_CHECKS_IN_FLIGHT));
        } catch (InvalidTokenKeysException e) {
            throw new IllegalStateException("geogate.accounts.jwt.public-key: " + e.getMessage(), e);
        }

        Optional<GeoDatabase> geo = Optional.empty();
        Path geoPath = Path.of(config.geo().database());
        stamps.put(Component.GEO_DATABASE, FileStamp.of(geoPath));
        try {
            geo = Optional.of(GeoDatabase.open(geoPath, config.geo().fileMode(), clock.instant()));
        } catch (GeoDatabaseException e) {
            LOG.errorf("geogate.geo.database: %s; readiness is DOWN and the data plane answers 503 until a usable "
                    + "database appears", e.getMessage());
            refuse(Component.GEO_DATABASE, geoPath.toString(), e.getMessage());
        }

        AccountDirectory accounts;
        Optional<Path> accountsPath = accountsPath();
        if (accountsPath.isEmpty() && config.accounts().directory() == GeogateConfig.DirectoryKind.FILE) {
            config.accounts().file().filter(f -> !f.isBlank()).ifPresent(f -> LOG.warnf(
                    "geogate.accounts.file is not set and its default %s does not exist: no account directory, so an "
                    + "account's home comes only from a verified token. Name the file, or set the key empty to say "
                    + "there is none", Path.of(f).toAbsolutePath()));
        }
        accountsPath.ifPresent(p -> stamps.put(Component.ACCOUNTS, FileStamp.of(p)));
        try {
            accounts = config.accounts().directory() == GeogateConfig.DirectoryKind.REDIS
                    ? redisDirectory()
                    : loadAccounts(accountsPath);
        } catch (IOException | AccountFileException e) {
            LOG.errorf("geogate.accounts.file: %s; accounts are unresolvable (geogate.accounts.unavailable=%s applies)",
                    e.getMessage(), config.accounts().unavailable().name().toLowerCase());
            String source = accountsPath.map(p -> "file:" + p).orElse("none");
            refuse(Component.ACCOUNTS, source, e.getMessage());
            accounts = new UnavailableDirectory(source);
        }
        current.set(new Snapshot(policy, geo, accounts, addresses, identities));
        LOG.infof("geogate inputs: policy %s (%s), geo database %s, accounts %s", policy.version(), policy.source(),
                geo.map(g -> g.path() + " (" + g.type() + ", built " + g.buildTime() + ")").orElse("NONE"),
                accounts.source());
    }

    /** The snapshot in force: read it once per request. */
    public Snapshot current() {
        return current.get();
    }

    /** The last refused new input of each component, for operators. */
    public Map<Component, Refusal> refusals() {
        return Map.copyOf(refusals);
    }

    /** Called with the old and the new snapshot at every publication, on the thread that published it. */
    public void onPublish(BiConsumer<Snapshot, Snapshot> listener) {
        listeners.add(listener);
    }

    /** Called with the outcome of every input reload, whatever triggered it. */
    public void onReload(BiConsumer<Component, ReloadReport.Outcome> listener) {
        reloadListeners.add(listener);
    }

    /**
     * Re-reads those of the given inputs whose files changed on disk since they were last read.
     * With {@code report} (the admin API's reload), every input is listed: one whose unchanged file
     * was refused when last read is listed as still refused, and one the watcher reloaded since the last
     * report is listed as changed; without (the watcher's polling), unchanged inputs are passed over in silence.
     * Metrics count what each call itself did.
     */
    public synchronized ReloadReport reload(Set<Component> components, boolean report) {
        Map<Component, ReloadReport.Result> results = new EnumMap<>(Component.class);
        for (Component component : components) {
            Optional<Path> path = pathOf(component);
            ReloadReport.Result result;
            if (path.isEmpty()) {
                result = new ReloadReport.Result(ReloadReport.Outcome.UNCHANGED, "not configured");
            } else {
                FileStamp stamp = FileStamp.of(path.get());
                if (stamp.equals(stamps.get(component))) {
                    Refusal standing = refusals.get(component);
                    if (report && standing != null) {
                        // Already read and refused (by the watcher, say): still refused, not counted again.
                        unreported.remove(component);
                        results.put(component, new ReloadReport.Result(ReloadReport.Outcome.REFUSED, standing.error()));
                        continue;
                    }
                    result = new ReloadReport.Result(ReloadReport.Outcome.UNCHANGED, "file unchanged since " + component.word()
                            + " was last read");
                } else {
                    stamps.put(component, stamp);
                    result = reloadOne(component, path.get());
                }
            }
            if (report || result.outcome() != ReloadReport.Outcome.UNCHANGED) {
                reloadListeners.forEach(l -> l.accept(component, result.outcome()));
                results.put(component, report ? sinceLastReport(component, result) : result);
            }
            if (!report && result.outcome() == ReloadReport.Outcome.CHANGED) {
                unreported.put(component, result);
            } else if (result.outcome() == ReloadReport.Outcome.REFUSED) {
                unreported.remove(component);
            }
        }
        return new ReloadReport(results);
    }

    /**
     * What the admin API reports for one input: an input the watcher reloaded since the last report counts as
     * changed, so that an operator who replaces a file and then asks for a reload hears that it changed,
     * whichever of the two read it first.
     */
    private ReloadReport.Result sinceLastReport(Component component, ReloadReport.Result result) {
        ReloadReport.Result byWatcher = unreported.remove(component);
        return result.outcome() == ReloadReport.Outcome.UNCHANGED && byWatcher != null ? byWatcher : result;
    }

    private ReloadReport.Result reloadOne(Component component, Path path) {
        Snapshot before = current.get();
        try {
            Snapshot after;
            String detail;
            switch (component) {
                case POLICY -> {
                    PolicyInForce policy = loadPolicy(path);
                    if (policy.version().equals(before.policy().version())) {
                        // The file is valid again (an earlier refusal of it no longer stands), and already in force.
                        refusals.remove(component);
                        return new ReloadReport.Result(ReloadReport.Outcome.UNCHANGED, policy.version());
                    }
                    after = before.withPolicy(policy);
                    detail = policy.version();
                }
                case GEO_DATABASE -> {
                    GeoDatabase geo = GeoDatabase.open(path, config.geo().fileMode(), clock.instant());
                    after = before.withGeo(geo);
                    detail = geo.type() + " built " + geo.buildTime();
                }
                case ACCOUNTS -> {
                    AccountDirectory accounts = loadAccounts(Optional.of(path));
                    after = before.withAccounts(accounts);
                    detail = accounts.size().orElse(0) + " accounts";
                }
                case JWT_KEYS -> {
                    Optional<TokenVerifier> tokens = tokenVerifier(loadTokenKeys());
                    after = before.withIdentities(before.identities().withTokens(tokens));
                    detail = tokens.map(t -> t.keys().source()).orElse("none");
                }
                default -> throw new IllegalStateException("unknown component " + component);
            }
            publish(after);
            refusals.remove(component);
            LOG.infof("reloaded %s from %s: %s", component.word(), path, detail);
            return new ReloadReport.Result(ReloadReport.Outcome.CHANGED, detail);
        } catch (InvalidPolicyException e) {
            String error = e.errors().stream().map(PolicyError::toString).collect(Collectors.joining("; "));
            return refused(component, path, error);
        } catch (GeoDatabaseException | AccountFileException | InvalidTokenKeysException | IOException e) {
            return refused(component, path, e.getMessage());
        }
    }

    /**
     * Validates and installs a policy document given as text (the admin API), after {@code persist}
     * has written it durably. Nothing changes if validation or persistence fails.
     */
    public synchronized PolicyInForce installPolicy(String text, String source, PolicyPersister persist)
            throws InvalidPolicyException, IOException {
        Policy policy = PolicyParser.parse(text);
        PolicyInForce next = new PolicyInForce(policy, PolicyJson.version(policy), source, clock.instant());
        persist.write(text);
        pathOf(Component.POLICY).ifPresent(p -> stamps.put(Component.POLICY, FileStamp.of(p)));
        publish(current.get().withPolicy(next));
        refusals.remove(Component.POLICY);
        // The caller hears of this change in its own answer; a watcher's earlier one is no longer what is in force.
        unreported.remove(Component.POLICY);
        reloadListeners.forEach(l -> l.accept(Component.POLICY, ReloadReport.Outcome.CHANGED));
        return next;
    }

    /** Writes an accepted policy document durably before it goes into force. */
    @FunctionalInterface
    public interface PolicyPersister {
        void write(String text) throws IOException;
    }

    private ReloadReport.Result refused(Component component, Path path, String error) {
        LOG.errorf("refused new %s from %s, the previous one stays in force: %s", component.word(), path, error);
        refuse(component, path.toString(), error);
        return new ReloadReport.Result(ReloadReport.Outcome.REFUSED, error);
    }

    private void refuse(Component component, String source, String error) {
        refusals.put(component, new Refusal(component, source, clock.instant(), error));
    }

    /**
     * Puts {@code next} in force, then tells the listeners. The snapshot is in force from the swap on,
     * whole: a listener that fails is logged and cannot undo it, stop the other listeners, or fail the
     * reload or admin call that published it (which has already persisted its input).
     */
    private void publish(Snapshot next) {
        Snapshot before = current.getAndSet(next);
        for (BiConsumer<Snapshot, Snapshot> listener : listeners) {
            try {
                listener.accept(before, next);
            } catch (RuntimeException e) {
                LOG.errorf(e, "a listener failed on publishing policy %s; the snapshot is in force regardless",
                        next.policy().version());
            }
        }
    }

    private PolicyInForce loadPolicy(Path path) throws IOException, InvalidPolicyException {
        String text = Files.readString(path, StandardCharsets.UTF_8);
        Policy policy = PolicyParser.parse(text);
        Instant now = clock.instant();
        return new PolicyInForce(policy, PolicyJson.version(policy), "file:" + path, now);
    }

    private AccountDirectory loadAccounts(Optional<Path> path) throws IOException, AccountFileException {
        if (path.isEmpty()) {
            return new NoDirectory();
        }
        return new FileDirectory(path.get(), AccountFile.load(path.get()));
    }

    private Optional<Path> accountsPath() {
        if (config.accounts().directory() != GeogateConfig.DirectoryKind.FILE) {
            return Optional.empty();
        }
        Optional<Path> path = config.accounts().file().filter(f -> !f.isBlank()).map(Path::of);
        // The default path is the repository's example; where it surely does not exist and nobody named a file,
        // there is no directory (until it appears). A file someone named, or one that exists but cannot be
        // read (a dangling link, a directory without permission), is loaded or refused: that fails closed.
        if (path.isPresent() && !accountsFileNamed() && Files.notExists(path.get(), LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return path;
    }

    /** Whether {@code geogate.accounts.file} was set by a configuration source (defaults have negative ordinals). */
    private static boolean accountsFileNamed() {
        return ConfigProvider.getConfig().getConfigValue("geogate.accounts.file").getSourceOrdinal() > 0;
    }

    private AccountDirectory redisDirectory() {
        GeogateConfig.Accounts a = config.accounts();
        return new RedisDirectory(redis.get(), vertx, a.redis().url(), a.redis().timeout(), a.cache().ttl(), a.cache().maxSize());
    }

    private Optional<TokenKeys> loadTokenKeys() throws InvalidTokenKeysException {
        Optional<String> spec = config.accounts().jwt().publicKey().filter(k -> !k.isBlank());
        if (spec.isEmpty()) {
            return Optional.empty();
        }
        if (config.accounts().jwt().issuer().filter(i -> !i.isBlank()).isEmpty()) {
            throw new InvalidTokenKeysException("geogate.accounts.jwt.issuer must be set when a public key is");
        }
        return Optional.of(TokenKeys.load(spec.get()));
    }

    private Optional<TokenVerifier> tokenVerifier(Optional<TokenKeys> keys) {
        GeogateConfig.Jwt jwt = config.accounts().jwt();
        return keys.map(k -> new TokenVerifier(k, jwt.issuer().orElseThrow(), jwt.audience().filter(x -> !x.isBlank()),
                jwt.homeClaim(), jwt.clockSkew(), clock));
    }

    /** The token key file, when the key is configured as a file rather than inline PEM text. */
    private Optional<Path> tokenKeyPath() {
        return config.accounts().jwt().publicKey().filter(k -> !k.isBlank() && !k.strip().startsWith("-----BEGIN")).map(Path::of);
    }

    /** The file behind a component; empty when it has none configured. */
    public Optional<Path> pathOf(Component component) {
        return switch (component) {
            case POLICY -> Optional.of(Path.of(config.policy().path()));
            case GEO_DATABASE -> Optional.of(Path.of(config.geo().database()));
            case ACCOUNTS -> accountsPath();
            case JWT_KEYS -> tokenKeyPath();
        };
    }
}
