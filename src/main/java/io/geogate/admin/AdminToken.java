package io.geogate.admin;

import io.geogate.config.GeogateConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * The admin bearer token, from {@code geogate.admin.token-file} (re-read when the file changes, so a
 * rotated Kubernetes secret takes effect) or {@code geogate.admin.token}. Comparison is constant-time
 * over SHA-256 digests, so neither content nor length leaks through timing.
 */
@ApplicationScoped
public class AdminToken {

    private static final Logger LOG = Logger.getLogger(AdminToken.class);

    @Inject
    GeogateConfig config;

    private FileTime fileStamp;
    private Optional<byte[]> fromFile = Optional.empty();

    /** Whether {@code presented} is the configured token; always false when none is configured. */
    public boolean matches(String presented) {
        Optional<byte[]> expected = expected();
        return presented != null && expected.isPresent()
                && MessageDigest.isEqual(sha256(presented.getBytes(StandardCharsets.UTF_8)), expected.get());
    }

    private synchronized Optional<byte[]> expected() {
        Optional<String> file = config.admin().tokenFile().filter(f -> !f.isBlank());
        if (file.isPresent()) {
            Path path = Path.of(file.get());
            try {
                FileTime stamp = Files.getLastModifiedTime(path);
                if (!stamp.equals(fileStamp)) {
                    String token = Files.readString(path, StandardCharsets.UTF_8).strip();
                    fromFile = token.isEmpty() ? Optional.empty() : Optional.of(sha256(token.getBytes(StandardCharsets.UTF_8)));
                    fileStamp = stamp;
                }
            } catch (IOException e) {
                LOG.errorf("geogate.admin.token-file=%s cannot be read (%s): every admin call is refused", path, e.getMessage());
                fileStamp = null;
                fromFile = Optional.empty();
            }
            return fromFile;
        }
        return config.admin().token().filter(t -> !t.isBlank()).map(t -> sha256(t.strip().getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
