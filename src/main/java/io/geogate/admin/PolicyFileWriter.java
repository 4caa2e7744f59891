package io.geogate.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a policy file so that a crash at any point leaves the old file or the new one, never a
 * torn one: a temporary file in the same directory, fsync'd, renamed over the target, then the
 * directory fsync'd so the rename itself is durable.
 */
final class PolicyFileWriter {

    private PolicyFileWriter() {
    }

    static void write(Path target, String text) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = Files.createTempFile(dir, "." + absolute.getFileName() + ".", ".tmp");
        try {
            keepPermissions(absolute, tmp);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** The new file gets the old one's permissions, not the temporary file's owner-only ones. */
    private static void keepPermissions(Path existing, Path tmp) throws IOException {
        if (Files.exists(existing)) {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(existing));
            } catch (UnsupportedOperationException notPosix) {
                // Nothing to keep on a file system without POSIX permissions.
            }
        }
    }
}
