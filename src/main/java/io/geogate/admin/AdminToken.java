package io.geogate.admin;

import io.geogate.config.GeogateConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * The admin bearer token, from {@code geogate.admin.token-file} (re-read on a worker thread every
 * {@code geogate.reload.interval}, so a rotated Kubernetes secret takes effect) or
 * {@code geogate.admin.token}. Checking a request never touches the disk. Comparison is constant-time
 * over SHA-256 digests, so neither content nor length leaks through timing.
 */
@ApplicationScoped
public class AdminToken {

    private static final Logger LOG = Logger.getLogger(AdminToken.class);
    private static final String BEARER = "bearer ";

    @Inject
    GeogateConfig config;

    @Inject
    Vertx vertx;

    private volatile Optional<byte[]> expected = Optional.empty();
    private String lastProblem;

    void start(@Observes StartupEvent event) {
        refresh();
        if (config.admin().tokenFile().filter(f -> !f.isBlank()).isPresent()) {
            long every = Math.max(100, config.reload().interval().toMillis());
            vertx.setPeriodic(every, id -> vertx.executeBlocking(() -> {
                refresh();
                return null;
            }, false));
        }
    }

    /**
     * Whether the request's {@code Authorization} values are exactly one {@code Bearer} credential equal to
     * the configured token; always false when none is configured.
     */
    public boolean matches(List<String> authorization) {
        Optional<byte[]> wanted = expected;
        if (wanted.isEmpty() || authorization == null || authorization.size() != 1) {
            return false;
        }
        String header = authorization.get(0);
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] presented = sha256(header.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(presented, wanted.get());
    }

    synchronized void refresh() {
        Optional<String> file = config.admin().tokenFile().filter(f -> !f.isBlank());
        if (file.isEmpty()) {
            expected = config.admin().token().filter(t -> !t.isBlank()).map(t -> sha256(t.strip().getBytes(StandardCharsets.UTF_8)));
            return;
        }
        Path path = Path.of(file.get());
        try {
            String token = Files.readString(path, StandardCharsets.UTF_8).strip();
            expected = token.isEmpty() ? Optional.empty() : Optional.of(sha256(token.getBytes(StandardCharsets.UTF_8)));
            report(token.isEmpty() ? "is empty: every admin call is refused" : null, path);
        } catch (IOException | RuntimeException e) {
            expected = Optional.empty();
            report("cannot be read (" + e.getClass().getSimpleName() + "): every admin call is refused", path);
        }
    }

    /** Logs a problem with the token file once, not at every poll. */
    private void report(String problem, Path path) {
        if (problem != null && !problem.equals(lastProblem)) {
            LOG.errorf("geogate.admin.token-file=%s %s", path, problem);
        }
        lastProblem = problem;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
