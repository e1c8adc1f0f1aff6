package io.rafka.supernode;

import java.time.Duration;
import java.util.Objects;

/** Argument checks whose messages name the value and the rule. */
final class Checks {
    private static final String EVENT_LOOP_THREAD_PREFIX = "vert.x-eventloop-thread";

    private Checks() {
    }

    static String requireNonEmpty(String value, String what) {
        Objects.requireNonNull(value, () -> what + " is null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        return value;
    }

    static long positiveMillis(Duration duration, String what) {
        Objects.requireNonNull(duration, () -> what + " is null");
        long millis = duration.toMillis();
        if (millis < 1) {
            throw new IllegalArgumentException(what + " must be at least 1 ms, got " + duration);
        }
        return millis;
    }

    static Duration nonNegative(Duration duration, String what) {
        Objects.requireNonNull(duration, () -> what + " is null");
        if (duration.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative, got " + duration);
        }
        return duration;
    }

    /**
     * Fails fast when a blocking call is made on a Vert.x event loop, where it would stall every
     * connection served by that loop (this module does not depend on Vert.x, so the thread is
     * recognised by its name).
     */
    static void requireBlockingAllowed(String operation) {
        String thread = Thread.currentThread().getName();
        if (thread.startsWith(EVENT_LOOP_THREAD_PREFIX)) {
            throw new IllegalStateException("SupernodeStore." + operation + " blocks on remote calls: call it from a "
                    + "worker thread, not from the event loop thread " + thread);
        }
    }
}
