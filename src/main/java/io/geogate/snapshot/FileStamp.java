package io.geogate.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What a file looks like on disk, through symlinks: a change of inode (rename, ConfigMap symlink
 * swap), time or size means the file must be read again.
 */
record FileStamp(Object key, FileTime modified, long size) {

    static final FileStamp MISSING = new FileStamp("missing", FileTime.fromMillis(0), -1);

    static FileStamp of(Path path) {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            Object key = a.fileKey() == null ? path.toRealPath().toString() : a.fileKey();
            return new FileStamp(key, a.lastModifiedTime(), a.size());
        } catch (IOException e) {
            return MISSING;
        }
    }
}
