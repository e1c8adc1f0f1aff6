package io.rafka.storage;

/**
 * The writer lost its right to the partition: its lease expired, or a writer with a higher epoch
 * has opened the log. The append was not acknowledged; the caller must stop writing and let the
 * current owner serve the partition.
 *
 * <p>An append refused before its write was sent (the usual case) is not visible, ever. One whose
 * write was already sent when the lease ran out has an unknown outcome, as after a timeout: the
 * next owner finds it if it landed before that owner opened the log, and never if it landed after.
 * (Within one process an engine can do better and let the new owner wait for such writes.)
 */
public final class FencedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final PartitionId partition;
    private final int epoch;

    public FencedException(PartitionId partition, int epoch, String message) {
        super(message);
        this.partition = partition;
        this.epoch = epoch;
    }

    public PartitionId partition() {
        return partition;
    }

    /** The epoch of the writer that was fenced. */
    public int epoch() {
        return epoch;
    }
}
