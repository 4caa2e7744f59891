package io.geogate.testing;

import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** Waiting, bounded, for something asynchronous to become true: a reload, a reconnection, a close. */
public final class Eventually {

    private Eventually() {
    }

    /** Polls {@code condition} every 50 ms; fails the test naming {@code what} if it is not true within 10 s. */
    public static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 10 s: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted while waiting for: " + what);
            }
        }
    }
}
