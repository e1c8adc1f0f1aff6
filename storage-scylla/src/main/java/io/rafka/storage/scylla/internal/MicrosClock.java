package io.rafka.storage.scylla.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Strictly increasing write timestamps in microseconds since the epoch, one source per engine.
 * Every write of the log carries one, set by the log rather than the driver, so that "later" is
 * decided when the log orders its writes, not when the driver happens to send them: the end
 * marker of a later write group always wins, and the delete that cleans up after a failed append
 * always shadows the rows that append may still land.
 */
public final class MicrosClock {
    private final AtomicLong last = new AtomicLong();
    private final LongSupplier millis;

    public MicrosClock(LongSupplier millis) {
        this.millis = millis;
    }

    public MicrosClock() {
        this(System::currentTimeMillis);
    }

    public long next() {
        long now = millis.getAsLong() * 1000;
        return last.updateAndGet(prev -> Math.max(prev + 1, now));
    }
}
