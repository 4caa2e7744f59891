package io.geogate.testing;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wall clock of every {@code @QuarkusTest} application: the system clock, unless a test steps it,
 * as an NTP correction or a resumed VM would. Tests that step it must {@link #reset()} it after.
 */
public final class SteppableClock extends Clock {

    private static final AtomicLong OFFSET_MILLIS = new AtomicLong();
    private static final SteppableClock INSTANCE = new SteppableClock();

    /** Moves the wall clock by {@code step} (forward or back) for everything geogate reads. */
    public static void step(Duration step) {
        OFFSET_MILLIS.addAndGet(step.toMillis());
    }

    /** Back to the system clock. */
    public static void reset() {
        OFFSET_MILLIS.set(0);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.now().plusMillis(OFFSET_MILLIS.get());
    }

    /** Replaces geogate's system clock in test applications. */
    @ApplicationScoped
    public static class Producer {
        @Produces
        @Alternative
        @Priority(1)
        @ApplicationScoped
        Clock clock() {
            return INSTANCE;
        }
    }
}
