package io.geogate.testing;

import java.io.InputStream;
import java.util.function.BooleanSupplier;

/** {@link Pattern} bytes as an upload body, at a pace the test chooses. */
public final class PatternStream extends InputStream {

    /** How far the stream may have read by now; may block until it may read on. */
    @FunctionalInterface
    public interface Pace {
        long allowedUpTo(long position) throws InterruptedException;
    }

    private final long size;
    private final Pace pace;
    private long position;

    public PatternStream(long size, Pace pace) {
        this.size = size;
        this.pace = pace;
    }

    /** Reads {@code pauseAt} bytes, then waits once for {@code resume}, failing the upload if it says no. */
    public static PatternStream pausingAt(long size, long pauseAt, BooleanSupplier resume) {
        boolean[] resumed = {false};
        return new PatternStream(size, position -> {
            if (position < pauseAt) {
                return pauseAt;
            }
            if (!resumed[0]) {
                if (!resume.getAsBoolean()) {
                    throw new IllegalStateException("the upload was not allowed to go on past " + pauseAt + " bytes");
                }
                resumed[0] = true;
            }
            return size;
        });
    }

    /**
     * Reads at most {@code bytesPerSecond} (after a first 64 KiB), in steps of at least 16 KiB: a reader let
     * through as soon as a single byte is allowed reads a few bytes at a time, and the JDK's client then spins
     * a core on one small buffer and one tiny chunk per read.
     */
    public static PatternStream throttled(long size, long bytesPerSecond) {
        long start = System.nanoTime();
        long step = 16 * 1024;
        return new PatternStream(size, position -> {
            long wanted = Math.min(size, position + step);
            long allowed;
            while ((allowed = (System.nanoTime() - start) * bytesPerSecond / 1_000_000_000L + 64 * 1024) < wanted) {
                Thread.sleep(Math.max(1, (wanted - allowed) * 1000 / bytesPerSecond));
            }
            return allowed;
        });
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= size) {
            return -1;
        }
        long limit;
        try {
            limit = Math.min(size, pace.allowedUpTo(position));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        int offset = (int) (position % Pattern.BLOCK.length);
        int n = (int) Math.min(Math.min(len, limit - position), Pattern.BLOCK.length - offset);
        System.arraycopy(Pattern.BLOCK, offset, b, off, n);
        position += n;
        return n;
    }
}
