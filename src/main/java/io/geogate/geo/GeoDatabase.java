package io.geogate.geo;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Metadata;
import com.maxmind.db.Reader;
import io.geogate.country.CountryCode;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A memory-mapped MMDB country database, validated when opened.
 *
 * <p>Never closed explicitly: a reload publishes a new instance and this one is left to the
 * garbage collector, because {@link Reader#close()} under a racing lookup would fail that lookup.
 * geoipupdate replaces files by rename, so the mapping keeps reading the old inode.
 */
public final class GeoDatabase {

    /** Addresses sampled when a file is opened; a corrupt tree or data section fails one of them. */
    private static final String[] PROBES = {
        "1.1.1.1", "8.8.8.8", "39.32.0.1", "81.2.69.160", "89.160.20.112", "175.16.199.1", "202.196.224.1",
        "216.160.83.56", "5.1.1.1", "100.100.100.100", "130.0.0.1", "192.0.2.1", "223.255.255.255",
        "2001:218::1", "2001:4860::1", "2a00::1", "2c0f::1", "2400::1"
    };

    private final Reader reader;
    private final Path path;
    private final Metadata metadata;
    private final Instant loadedAt;

    private GeoDatabase(Reader reader, Path path, Instant loadedAt) {
        this.reader = reader;
        this.path = path;
        this.metadata = reader.getMetadata();
        this.loadedAt = loadedAt;
    }

    /**
     * Opens and validates {@code path}: the file must exist, carry MMDB metadata, and answer probe
     * lookups without a decoding error.
     */
    public static GeoDatabase open(Path path, Instant now) throws GeoDatabaseException {
        Objects.requireNonNull(path, "path");
        if (!Files.isRegularFile(path)) {
            throw new GeoDatabaseException("geo database " + path + " does not exist or is not a regular file");
        }
        Reader reader;
        try {
            // A cache per reader: CHMCache keys are offsets into one file and must never be shared.
            reader = new Reader(path.toFile(), Reader.FileMode.MEMORY_MAPPED, new CHMCache());
        } catch (IOException | RuntimeException e) {
            throw new GeoDatabaseException("geo database " + path + " is not a readable MMDB file: " + e.getMessage(), e);
        }
        GeoDatabase database = new GeoDatabase(reader, path, now);
        database.validate();
        return database;
    }

    private void validate() throws GeoDatabaseException {
        if (metadata.binaryFormatMajorVersion() != 2) {
            throw new GeoDatabaseException("geo database " + path + " has unsupported binary format "
                    + metadata.binaryFormatMajorVersion());
        }
        for (String probe : PROBES) {
            try {
                InetAddress address = InetAddress.getByName(probe);
                if (address instanceof Inet6Address && metadata.ipVersion() == 4) {
                    continue;
                }
                reader.get(address, CountryRecord.class);
            } catch (IOException | RuntimeException e) {
                throw new GeoDatabaseException("geo database " + path + " is corrupt (lookup of " + probe
                        + " failed: " + e.getMessage() + ")", e);
            }
        }
    }

    /**
     * The country of {@code address}; empty for private and reserved networks and for addresses the
     * file does not know. This is the hot-path form: a miss is normal, not exceptional.
     *
     * @throws GeoLookupFailure if the file fails to decode (never a guess)
     */
    public Optional<CountryCode> tryCountry(InetAddress address) {
        if (isPrivate(address)) {
            return Optional.empty();
        }
        if (address instanceof Inet6Address && metadata.ipVersion() == 4) {
            return Optional.empty();
        }
        CountryRecord record;
        try {
            record = reader.get(address, CountryRecord.class);
        } catch (IOException | RuntimeException e) {
            throw new GeoLookupFailure("lookup of " + address.getHostAddress() + " in " + path + " failed", e);
        }
        return record == null ? Optional.empty() : CountryCode.tryLenient(record.isoCode());
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

    /** The file's own {@code database_type}, e.g. {@code GeoLite2-Country}. */
    public String type() {
        return metadata.databaseType();
    }

    public Instant buildTime() {
        return metadata.buildTime();
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
