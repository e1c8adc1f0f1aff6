package io.rafka.storage;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Whole record batches read from a log, concatenated, with the log's bounds at the time of the
 * read. The first batch may start before the requested offset (batches are never split); the
 * buffer is empty when the read started at the log end.
 */
public record LogSlice(ByteBuffer batches, long logStartOffset, long logEndOffset) {
    public LogSlice {
        Objects.requireNonNull(batches, "batches");
    }

    public boolean isEmpty() {
        return !batches.hasRemaining();
    }
}
