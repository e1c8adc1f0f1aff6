package io.rafka.storage.scylla.internal;

/**
 * Write timestamps of a writer fenced by an ownership epoch e >= 1:
 * {@code FENCED_BASE + e * 2^40 + c}, c a strictly increasing counter below 2^40. Every
 * timestamp of epoch e is above every timestamp of a lower epoch and above every real clock
 * time (microseconds since 1970 stay below {@code FENCED_BASE} = 2^52 until about 2112), so
 * Cassandra's last-write-wins lets a higher epoch's write win against a lower epoch's whenever
 * either lands, whatever the wall clocks say.
 *
 * <p>The counter must also stay above everything an earlier log of the same epoch wrote (the
 * same owner reopening the partition). No timestamp is issued above {@link #ceiling()}, the
 * largest high-water mark acknowledged so far: each state write of the log records in the
 * partition's {@code writer_clock} column the mark {@link #highWaterMark(long)} of its own
 * timestamp, and raises the ceiling once acknowledged. So everything this log ever sent is at or
 * below the mark in storage, and the next log of the epoch starts above it ({@link #resume}). The
 * mark runs {@value #RESERVATION} timestamps ahead: the log never waits for it while its writes
 * succeed. Bounds are inclusive, so that nothing is computed past {@code Long.MAX_VALUE}, the
 * last timestamp of {@link #MAX_EPOCH}.
 *
 * <p>Thread-safe.
 */
public final class EpochClock {
    /** Above any microsecond clock time until about 2112. */
    public static final long FENCED_BASE = 1L << 52;
    public static final int COUNTER_BITS = 40;
    /** Timestamps per epoch. */
    public static final long EPOCH_SPAN = 1L << COUNTER_BITS;
    /** The largest epoch whose timestamps all stay at or below {@code Long.MAX_VALUE}. */
    public static final int MAX_EPOCH = (int) ((Long.MAX_VALUE - FENCED_BASE) >> COUNTER_BITS);
    /** How far a high-water mark runs ahead of the write that records it. */
    static final long RESERVATION = 1L << 30;

    private final int epoch;
    private final long lastOfEpoch;
    private long issued;
    private long ceiling;

    private EpochClock(int epoch, long first) {
        this.epoch = epoch;
        this.lastOfEpoch = last(epoch);
        this.issued = first - 1;
        // Until the open's state write is acknowledged, only its own timestamp may be issued.
        this.ceiling = first;
    }

    /** The first timestamp of {@code epoch}. */
    public static long base(int epoch) {
        checkEpoch(epoch);
        return FENCED_BASE + ((long) epoch << COUNTER_BITS);
    }

    /** The last timestamp of {@code epoch}. */
    public static long last(int epoch) {
        return base(epoch) + (EPOCH_SPAN - 1);
    }

    /** The epoch a timestamp belongs to; 0 for a real clock time. */
    public static int epochOf(long timestamp) {
        return timestamp < FENCED_BASE ? 0 : (int) ((timestamp - FENCED_BASE) >> COUNTER_BITS);
    }

    /** @throws IllegalArgumentException for an epoch below 1 or above {@link #MAX_EPOCH} */
    public static void checkEpoch(int epoch) {
        if (epoch < 1 || epoch > MAX_EPOCH) {
            throw new IllegalArgumentException("a fenced writer epoch must be between 1 and " + MAX_EPOCH
                    + " (its write timestamps, 2^52 + epoch * 2^40 + counter, must fit in 63 bits), was " + epoch);
        }
    }

    /**
     * The clock of a new log of {@code epoch} over a partition whose {@code writer_clock} is
     * {@code storedMark} ({@code Long.MIN_VALUE} if none): it starts above the stored mark if that
     * is of this epoch (the same owner reopening), else at the epoch's base.
     *
     * @return null when the stored mark is at or beyond this epoch's last timestamp: a higher
     *         epoch has written, or this one has no timestamps left
     */
    public static EpochClock resume(int epoch, long storedMark) {
        if (storedMark >= last(epoch)) {
            return null;
        }
        return new EpochClock(epoch, Math.max(base(epoch), storedMark + 1));
    }

    public int epoch() {
        return epoch;
    }

    /**
     * The next timestamp, above every one issued before.
     *
     * @throws Exhausted when it would pass the acknowledged ceiling or the epoch's last timestamp
     */
    public synchronized long next() {
        if (issued >= ceiling) {
            throw new Exhausted(ceiling >= lastOfEpoch
                    ? "epoch " + epoch + " has used all its " + EPOCH_SPAN + " write timestamps; a new epoch is needed"
                    : "no write of epoch " + epoch + " was acknowledged for " + RESERVATION + " timestamps");
        }
        return ++issued;
    }

    /** The {@code writer_clock} value a state write at {@code timestamp} records. */
    public long highWaterMark(long timestamp) {
        return lastOfEpoch - timestamp < RESERVATION - 1 ? lastOfEpoch : timestamp + (RESERVATION - 1);
    }

    /** A state write at {@code timestamp} (which recorded its high-water mark) was acknowledged. */
    public synchronized void acknowledged(long timestamp) {
        ceiling = Math.max(ceiling, highWaterMark(timestamp));
    }

    /** The highest timestamp that may be issued now. */
    public synchronized long ceiling() {
        return ceiling;
    }

    @Override
    public synchronized String toString() {
        return "EpochClock[epoch " + epoch + ", counter " + (issued + 1 - base(epoch)) + ", ceiling "
                + (ceiling - base(epoch)) + "]";
    }

    /** The clock has no timestamp to give: the log must stop writing. */
    public static final class Exhausted extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Exhausted(String message) {
            super(message);
        }
    }
}
