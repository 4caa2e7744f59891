package io.geogate.geo;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import io.geogate.address.IpLiteral;
import io.geogate.country.CountryCode;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An MMDB country database, validated when opened.
 *
 * <p>Never closed explicitly: a reload publishes a new instance and this one is left to the
 * garbage collector, because {@link Reader#close()} under a racing lookup would fail that lookup.
 *
 * <p>Nothing the reader throws escapes as anything but {@link GeoDatabaseException} (from
 * {@link #open}) or {@link GeoLookupFailure} (from {@link #tryCountry}): a corrupt file fails with
 * runtime exceptions of every kind, and a mapped file truncated under the reader fails with an
 * {@link InternalError} (SIGBUS). Only errors the JVM cannot survive (out of memory and the like)
 * pass through.
 */
public final class GeoDatabase {

    /**
     * How the file is held.
     */
    public enum FileMode {
        /**
         * Read into the heap once, in one pass over one open file: immune to the file being
         * rewritten in place afterwards; costs the file's size in heap.
         */
        MEMORY,
        /**
         * Memory-mapped: sidecars on a node share the page cache, but the file must only ever be
         * replaced by rename. Rewritten in place, lookups read whatever is there now (503s, or
         * wrong answers until the watcher re-reads it).
         */
        MAPPED
    }

    /** Addresses sampled when a file is opened; a corrupt tree or data section fails one of them. */
    private static final String[] PROBES = {
        "1.1.1.1", "8.8.8.8", "39.32.0.1", "81.2.69.160", "89.160.20.112", "175.16.199.1", "202.196.224.1",
        "216.160.83.56", "5.1.1.1", "100.100.100.100", "130.0.0.1", "192.0.2.1", "223.255.255.255",
        "2001:218::1", "2001:4860::1", "2a00::1", "2c0f::1", "2400::1"
    };

    private final Reader reader;
    private final Path path;
    private final FileMode mode;
    /** MAPPED only: the mapped file, kept open to notice it shrinking before a lookup touches a missing page. */
    private final FileChannel mappedFile;
    private final long mappedSize;
    private final Metadata metadata;
    // Used in hot paths and health checks: read once, so that a strange value fails the open, not a request.
    private final int ipVersion;
    private final String type;
    private final Instant buildTime;
    private final Instant loadedAt;

    private GeoDatabase(Reader reader, Path path, FileMode mode, FileChannel mappedFile, long mappedSize, Instant loadedAt)
            throws GeoDatabaseException {
        this.reader = reader;
        this.path = path;
        this.mode = mode;
        this.mappedFile = mappedFile;
        this.mappedSize = mappedSize;
        this.metadata = reader.getMetadata();
        this.loadedAt = loadedAt;
        if (metadata.binaryFormatMajorVersion() != 2) {
            throw new GeoDatabaseException("geo database " + path + " has unsupported binary format "
                    + metadata.binaryFormatMajorVersion());
        }
        if (metadata.ipVersion() != 4 && metadata.ipVersion() != 6) {
            throw new GeoDatabaseException("geo database " + path + " has ip_version " + metadata.ipVersion() + ", not 4 or 6");
        }
        int recordSize = metadata.recordSize();
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new GeoDatabaseException("geo database " + path + " has record_size " + recordSize + ", not 24, 28 or 32");
        }
        if (metadata.nodeCount() <= 0) {
            throw new GeoDatabaseException("geo database " + path + " has node_count " + metadata.nodeCount());
        }
        this.ipVersion = metadata.ipVersion();
        this.type = metadata.databaseType() == null ? "unknown" : metadata.databaseType();
        if (metadata.buildEpoch() == null || metadata.buildEpoch().signum() < 0
                || metadata.buildEpoch().compareTo(BigInteger.valueOf(MAX_BUILD_EPOCH)) > 0) {
            throw new GeoDatabaseException("geo database " + path + " has build_epoch " + metadata.buildEpoch()
                    + ", not a time between 1970 and 9999");
        }
        this.buildTime = Instant.ofEpochSecond(metadata.buildEpoch().longValue());
    }

    /** The end of year 9999, in epoch seconds: later build times are nonsense. */
    private static final long MAX_BUILD_EPOCH = 253_402_300_799L;

    /** Opens and validates {@code path} {@linkplain FileMode#MEMORY in memory}. */
    public static GeoDatabase open(Path path, Instant now) throws GeoDatabaseException {
        return open(path, FileMode.MEMORY, now);
    }

    /**
     * Opens and validates {@code path}: the file must exist, carry MMDB metadata with sound values,
     * stay unchanged while it is read, and answer probe lookups without a decoding error.
     */
    public static GeoDatabase open(Path path, FileMode mode, Instant now) throws GeoDatabaseException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(now, "now");
        if (!Files.isRegularFile(path)) {
            throw new GeoDatabaseException("geo database " + path + " does not exist or is not a regular file");
        }
        Reader reader;
        FileChannel mappedFile = null;
        List<Object> before;
        try {
            before = stamp(path);
            // MEMORY: one open of the file, which the reader reads in one pass, exactly the size the open
            // descriptor had (a file that grows meanwhile is not followed; one that shrinks fails the read).
            // MAPPED: the reader maps the file; a second descriptor on it stays open to check its size.
            // Either way the stamp taken around the reading refuses a file rewritten meanwhile.
            // A cache per reader: CHMCache keys are offsets into one file and must never be shared.
            if (mode == FileMode.MAPPED) {
                mappedFile = FileChannel.open(path, StandardOpenOption.READ);
            }
            reader = new Reader(path.toFile(), mode == FileMode.MEMORY ? Reader.FileMode.MEMORY : Reader.FileMode.MEMORY_MAPPED,
                    new CHMCache());
            if (!before.equals(stamp(path))) {
                throw new GeoDatabaseException("geo database " + path + " changed while it was being read; "
                        + "it is read again when it changes next");
            }
        } catch (Throwable e) {
            closeQuietly(mappedFile);
            if (e instanceof GeoDatabaseException refused) {
                throw refused;
            }
            rethrowIfFatal(e);
            throw new GeoDatabaseException("geo database " + path + " is not a readable MMDB file: " + e, e);
        }
        GeoDatabase database;
        try {
            database = new GeoDatabase(reader, path, mode, mappedFile, (Long) before.get(1), now);
        } catch (Throwable e) {
            closeQuietly(mappedFile);
            if (e instanceof GeoDatabaseException refused) {
                throw refused;
            }
            rethrowIfFatal(e);
            throw new GeoDatabaseException("geo database " + path + " has unreadable metadata: " + e, e);
        }
        database.validate();
        return database;
    }

    /** What says a file is the one that was opened: its identity, size and modification time. */
    private static List<Object> stamp(Path path) throws IOException {
        BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
        return Arrays.asList(a.fileKey(), a.size(), a.lastModifiedTime());
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was read through it
            }
        }
    }

    /**
     * Errors the JVM cannot recover from pass through; everything else a reader throws, including
     * {@link InternalError} (a fault on a mapped file) and {@link StackOverflowError} (a corrupt
     * data section), is a failure of the file.
     */
    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError fatal && !(t instanceof InternalError) && !(t instanceof StackOverflowError)) {
            throw fatal;
        }
    }

    private void validate() throws GeoDatabaseException {
        for (String probe : PROBES) {
            InetAddress address = IpLiteral.parse(probe).orElseThrow();
            if (address instanceof Inet6Address && ipVersion == 4) {
                continue;
            }
            try {
                reader.get(address, CountryRecord.class);
            } catch (Throwable e) {
                closeQuietly(mappedFile);
                rethrowIfFatal(e);
                throw new GeoDatabaseException("geo database " + path + " is corrupt (lookup of " + probe
                        + " failed: " + e + ")", e);
            }
        }
    }

    /**
     * The country of {@code address}; empty for private and reserved networks and for addresses the
     * file does not know. This is the hot-path form: a miss is normal, not exceptional.
     *
     * @throws GeoLookupFailure if the file fails to decode, whatever the reader threw (never a guess)
     */
    public Optional<CountryCode> tryCountry(InetAddress address) {
        if (isPrivate(address)) {
            return Optional.empty();
        }
        if (address instanceof Inet6Address && ipVersion == 4) {
            return Optional.empty();
        }
        CountryRecord record;
        try {
            checkMappedSize();
            record = reader.get(address, CountryRecord.class);
        } catch (Throwable e) {
            rethrowIfFatal(e);
            throw new GeoLookupFailure("lookup of " + address.getHostAddress() + " in " + path + " (" + mode.name()
                    .toLowerCase(Locale.ROOT) + ") failed: " + e, e);
        }
        return record == null ? Optional.empty() : CountryCode.tryLenient(record.isoCode());
    }

    /**
     * A mapped file cut shorter in place would fault (SIGBUS) on the pages it lost, and the JVM raises
     * that {@link InternalError} in compiled code asynchronously, possibly after the lookup returned: so
     * its size is checked (one {@code fstat}) before each lookup, and a shrunk file fails cleanly.
     */
    private void checkMappedSize() throws IOException {
        if (mappedFile != null && mappedFile.size() < mappedSize) {
            throw new IOException("the mapped file shrank from " + mappedSize + " to " + mappedFile.size()
                    + " bytes: it was rewritten in place (replace it by rename, or use geogate.geo.file-mode=memory)");
        }
    }

    /** Loopback, unspecified, link-local, RFC 1918, CGNAT, unique-local and multicast addresses. */
    static boolean isPrivate(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240;
        }
        return (b[0] & 0xfe) == 0xfc;
    }

    public Path path() {
        return path;
    }

    /** How the file is held. */
    public FileMode mode() {
        return mode;
    }

    /** The file's own {@code database_type}, e.g. {@code GeoLite2-Country}; {@code unknown} when it has none. */
    public String type() {
        return type;
    }

    public Instant buildTime() {
        return buildTime;
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public Duration age(Instant now) {
        Duration age = Duration.between(buildTime(), now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    public boolean isStale(Instant now, Duration maxAge) {
        return age(now).compareTo(maxAge) > 0;
    }
}
