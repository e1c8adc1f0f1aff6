package io.rafka.testkit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, never for a fixed time: the one polling loop every
 * test uses, so a slow machine only makes a test slower, not wrong.
 */
public final class Poll {
    private static final long PERIOD_NANOS = Duration.ofMillis(10).toNanos();

    private Poll() {
    }

    /** Returns as soon as {@code condition} holds; fails naming {@code what} after {@code deadline}. */
    public static void until(Duration deadline, String what, BooleanSupplier condition) {
        untilPresent(deadline, what, () -> condition.getAsBoolean() ? Optional.of(Boolean.TRUE) : Optional.empty());
    }

    /**
     * Returns the first value {@code attempt} yields; fails naming {@code what} after
     * {@code deadline}. Useful to retry a call until the system under test recovers.
     */
    public static <T> T untilPresent(Duration deadline, String what, Supplier<Optional<T>> attempt) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            Optional<T> value = attempt.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + deadline.toMillis() + " ms: " + what);
            }
            LockSupport.parkNanos(PERIOD_NANOS); // the polling period between checks
            if (Thread.interrupted()) {
                throw new AssertionError("interrupted while waiting for " + what);
            }
        }
    }
}
