package io.rafka.storage;

/**
 * The right of one writer to append to a partition: an ownership epoch and whether the right is
 * still held. A log opened under a lease stamps the epoch into every batch, sends no write once
 * {@link #isValid()} turns false, and acknowledges an append only if the lease was still valid
 * after the write completed. Engines that can be shared by several writers (ScyllaDB) also fence:
 * once a log was opened with epoch e, nothing written under a lower epoch can become visible.
 *
 * <p>{@link #isValid()} is called on hot paths and from driver threads: it must be cheap and
 * non-blocking (a volatile read of a deadline, typically).
 */
public interface WriterLease {

    /** The only writer there is: epoch 0, always valid, no fencing (standalone node). */
    WriterLease SOLE_WRITER = new WriterLease() {
        @Override
        public int epoch() {
            return 0;
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public String toString() {
            return "sole writer";
        }
    };

    /** The ownership epoch, 0 for an unfenced sole writer, otherwise 1 or more. */
    int epoch();

    /** Whether this writer may still write and acknowledge. Once false, never true again. */
    boolean isValid();
}
