package io.rafka.testkit;

import io.rafka.storage.WriterLease;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link WriterLease} a test controls: valid until {@link #revoke()}, or until {@link #isValid()}
 * has answered true a given number of times (so that it runs out between the check before a
 * write and the check after it). Once invalid it stays invalid, as the interface requires.
 */
public final class TestLease implements WriterLease {
    private final int epoch;
    private final AtomicBoolean valid = new AtomicBoolean(true);
    private final AtomicLong validChecksLeft;
    private final AtomicLong checks = new AtomicLong();

    private TestLease(int epoch, long validChecks) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, was " + epoch);
        }
        this.epoch = epoch;
        this.validChecksLeft = new AtomicLong(validChecks);
    }

    /** Valid until revoked. */
    public static TestLease of(int epoch) {
        return new TestLease(epoch, Long.MAX_VALUE);
    }

    /** Valid for the first {@code validChecks} calls of {@link #isValid()}, then invalid for good. */
    public static TestLease validForChecks(int epoch, long validChecks) {
        return new TestLease(epoch, validChecks);
    }

    /** The lease runs out now. */
    public void revoke() {
        valid.set(false);
    }

    /** How many times {@link #isValid()} was called. */
    public long checks() {
        return checks.get();
    }

    @Override
    public int epoch() {
        return epoch;
    }

    @Override
    public boolean isValid() {
        checks.incrementAndGet();
        if (!valid.get()) {
            return false;
        }
        if (validChecksLeft.getAndDecrement() <= 0) {
            valid.set(false);
            return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return "TestLease[epoch " + epoch + (valid.get() ? ", valid" : ", expired") + "]";
    }
}
