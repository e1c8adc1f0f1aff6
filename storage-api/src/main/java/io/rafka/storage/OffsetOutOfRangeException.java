package io.rafka.storage;

/** A read or lookup at an offset outside [logStartOffset, logEndOffset]. */
public final class OffsetOutOfRangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long offset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(PartitionId partition, long offset, long logStartOffset, long logEndOffset) {
        super("offset " + offset + " is out of range for " + partition + ": earliest is "
                + logStartOffset + ", latest is " + logEndOffset);
        this.offset = offset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long offset() {
        return offset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }
}
