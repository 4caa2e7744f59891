package io.geogate.testing;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/** Deterministic bulk content for streaming tests: byte {@code i} is {@code BLOCK[i % BLOCK.length]}. */
public final class Pattern {

    public static final byte[] BLOCK = new byte[64 * 1024];

    static {
        new Random(42).nextBytes(BLOCK);
    }

    private Pattern() {
    }

    /** The sha256 of the first {@code length} bytes of the pattern, in hex. */
    public static String sha256(long length) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, BLOCK.length);
            digest.update(BLOCK, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
