package io.geogate.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes MaxMind DB files for test fixtures, following the MaxMind DB format specification 2.0:
 * a binary search tree of {@code record_size}-bit records, 16 zero bytes, a data section of typed
 * fields, then {@code \xAB\xCD\xEFMaxMind.com} and the metadata map. No Java writer is published,
 * so tests build the databases they read.
 *
 * <p>Networks are inserted as CIDRs; a more specific network inserted after a wider one splits it.
 * IPv4 networks in an IPv6 tree live under {@code ::/96}, where readers look for IPv4 addresses.
 */
public final class MmdbWriter {

    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
        'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    /** A value written as uint16, where the specification asks for one (metadata). */
    public record Uint16(int value) {
    }

    private static final class Node {
        Node[] children;
        Object data;
    }

    private final int ipVersion;
    private final int recordSize;
    private final String databaseType;
    private long buildEpoch = System.currentTimeMillis() / 1000;
    private final Node root = new Node();

    public MmdbWriter(int ipVersion, int recordSize, String databaseType) {
        if (ipVersion != 4 && ipVersion != 6) {
            throw new IllegalArgumentException("ip_version is 4 or 6");
        }
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new IllegalArgumentException("record_size is 24, 28 or 32");
        }
        this.ipVersion = ipVersion;
        this.recordSize = recordSize;
        this.databaseType = databaseType;
    }

    /** A GeoIP2-schema database: {@code country.iso_code}. */
    public static MmdbWriter geoip2Country() {
        return new MmdbWriter(6, 28, "GeoIP2-Country");
    }

    /** A flat-schema database, as DB-IP and ip-location-db publish: {@code country_code}. */
    public static MmdbWriter flatCountry() {
        return new MmdbWriter(6, 24, "ip-location-db country");
    }

    public MmdbWriter buildEpoch(long epochSeconds) {
        this.buildEpoch = epochSeconds;
        return this;
    }

    /** Maps {@code cidr} to a record in the schema this writer was made for ({@link #geoip2Country} or flat). */
    public MmdbWriter country(String cidr, String isoCode) {
        Map<String, Object> record = databaseType.startsWith("GeoIP2") || databaseType.startsWith("GeoLite2")
                ? Map.of("country", Map.of("iso_code", isoCode, "names", Map.of("en", isoCode)),
                        "continent", Map.of("code", "XX"))
                : Map.of("country_code", isoCode);
        return insert(cidr, record);
    }

    public MmdbWriter insert(String cidr, Map<String, ?> data) {
        int slash = cidr.indexOf('/');
        InetAddress address;
        try {
            address = InetAddress.getByName(cidr.substring(0, slash));
        } catch (IOException e) {
            throw new IllegalArgumentException(cidr, e);
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address && ipVersion == 6) {
            byte[] v6 = new byte[16];
            System.arraycopy(bytes, 0, v6, 12, 4);
            bytes = v6;
            prefix += 96;
        } else if (!(address instanceof Inet4Address) && ipVersion == 4) {
            throw new IllegalArgumentException("IPv6 network in an IPv4 database: " + cidr);
        }
        Node n = root;
        for (int i = 0; i < prefix; i++) {
            int bit = (bytes[i / 8] >> (7 - i % 8)) & 1;
            if (n.data != null) {
                n.children = new Node[] {leaf(n.data), leaf(n.data)};
                n.data = null;
            }
            if (n.children == null) {
                n.children = new Node[2];
            }
            if (n.children[bit] == null) {
                n.children[bit] = new Node();
            }
            n = n.children[bit];
        }
        n.children = null;
        n.data = new LinkedHashMap<>(data);
        return this;
    }

    private static Node leaf(Object data) {
        Node n = new Node();
        n.data = data;
        return n;
    }

    public void write(Path path) throws IOException {
        Files.write(path, build());
    }

    public byte[] build() {
        if (root.children == null) {
            root.children = new Node[2];
        }
        List<Node> internal = new ArrayList<>();
        Map<Node, Integer> index = new IdentityHashMap<>();
        ArrayDeque<Node> queue = new ArrayDeque<>();
        queue.add(root);
        while (!queue.isEmpty()) {
            Node n = queue.poll();
            index.put(n, internal.size());
            internal.add(n);
            for (Node c : n.children) {
                if (c != null && c.children != null) {
                    queue.add(c);
                }
            }
        }
        long nodeCount = internal.size();

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<Object, Integer> dataOffsets = new IdentityHashMap<>();
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (Node n : internal) {
            long[] records = new long[2];
            for (int side = 0; side < 2; side++) {
                Node c = n.children[side];
                if (c == null || (c.children == null && c.data == null)) {
                    records[side] = nodeCount;
                } else if (c.children != null) {
                    records[side] = index.get(c);
                } else {
                    Integer offset = dataOffsets.get(c.data);
                    if (offset == null) {
                        offset = data.size();
                        dataOffsets.put(c.data, offset);
                        encode(c.data, data);
                    }
                    records[side] = nodeCount + 16 + offset;
                }
            }
            writeNode(tree, records[0], records[1]);
        }

        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("binary_format_major_version", new Uint16(2));
        metadata.put("binary_format_minor_version", new Uint16(0));
        metadata.put("build_epoch", BigInteger.valueOf(buildEpoch));
        metadata.put("database_type", databaseType);
        metadata.put("description", Map.of("en", "geogate test fixture"));
        metadata.put("ip_version", new Uint16(ipVersion));
        metadata.put("languages", List.of("en"));
        metadata.put("node_count", nodeCount);
        metadata.put("record_size", new Uint16(recordSize));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(tree.toByteArray());
        out.writeBytes(new byte[16]);
        out.writeBytes(data.toByteArray());
        out.writeBytes(METADATA_MARKER);
        encode(metadata, out);
        return out.toByteArray();
    }

    private void writeNode(ByteArrayOutputStream out, long left, long right) {
        long max = (1L << recordSize) - 1;
        if (left > max || right > max) {
            throw new IllegalStateException("record value does not fit in " + recordSize + " bits");
        }
        switch (recordSize) {
            case 24 -> {
                writeBig(out, left, 3);
                writeBig(out, right, 3);
            }
            case 28 -> {
                writeBig(out, left & 0xFFFFFF, 3);
                out.write((int) (((left >> 24) & 0x0F) << 4 | ((right >> 24) & 0x0F)));
                writeBig(out, right & 0xFFFFFF, 3);
            }
            default -> {
                writeBig(out, left, 4);
                writeBig(out, right, 4);
            }
        }
    }

    private static void writeBig(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = bytes - 1; i >= 0; i--) {
            out.write((int) (value >> (8 * i)) & 0xFF);
        }
    }

    /** Encodes one field: control byte(s) with type and size, then the payload. */
    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            control(out, 2, bytes.length);
            out.writeBytes(bytes);
        } else if (value instanceof Double d) {
            control(out, 3, 8);
            writeBig(out, Double.doubleToLongBits(d), 8);
        } else if (value instanceof Uint16 u) {
            writeUnsigned(out, 5, BigInteger.valueOf(u.value()));
        } else if (value instanceof Integer || value instanceof Long) {
            long v = ((Number) value).longValue();
            writeUnsigned(out, v <= 0xFFFFFFFFL ? 6 : 9, BigInteger.valueOf(v));
        } else if (value instanceof BigInteger b) {
            writeUnsigned(out, b.bitLength() <= 64 ? 9 : 10, b);
        } else if (value instanceof Boolean b) {
            control(out, 14, b ? 1 : 0);
        } else if (value instanceof Map<?, ?> map) {
            control(out, 7, map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                encode(String.valueOf(e.getKey()), out);
                encode(e.getValue(), out);
            }
        } else if (value instanceof List<?> list) {
            control(out, 11, list.size());
            for (Object item : list) {
                encode(item, out);
            }
        } else {
            throw new IllegalArgumentException("no MMDB type for " + value);
        }
    }

    private static void writeUnsigned(ByteArrayOutputStream out, int type, BigInteger value) {
        byte[] raw = value.toByteArray();
        int skip = 0;
        while (skip < raw.length && raw[skip] == 0) {
            skip++;
        }
        control(out, type, raw.length - skip);
        out.write(raw, skip, raw.length - skip);
    }

    private static void control(ByteArrayOutputStream out, int type, int size) {
        int first = (type <= 7 ? type : 0) << 5;
        byte[] extra;
        if (size < 29) {
            first |= size;
            extra = new byte[0];
        } else if (size < 29 + 256) {
            first |= 29;
            extra = new byte[] {(byte) (size - 29)};
        } else if (size < 285 + 65536) {
            first |= 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >> 8), (byte) s};
        } else {
            first |= 31;
            int s = size - 65821;
            extra = new byte[] {(byte) (s >> 16), (byte) (s >> 8), (byte) s};
        }
        out.write(first);
        if (type > 7) {
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }

    /** A copy of {@code file} cut to half its length: no metadata section remains. */
    public static void truncate(Path file, Path to) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(to, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    }

    /** A copy of {@code file} whose search tree points past the data section. */
    public static void corruptTree(Path file, Path to) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < Math.min(bytes.length / 4, 96 * 7); i++) {
            bytes[i] = (byte) 0xFE;
        }
        Files.write(to, bytes);
    }
}
