package io.rafka.client;

/** Where a consumer starts when it has no position and no committed offset, or is out of range. */
public enum AutoOffsetReset {
    /** The earliest retained offset. */
    EARLIEST,
    /** The latest offset: only records produced from then on. */
    LATEST
}
