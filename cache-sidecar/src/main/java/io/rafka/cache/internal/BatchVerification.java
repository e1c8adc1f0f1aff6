package io.rafka.cache.internal;

import io.rafka.cache.CachedBatchKey;
import io.rafka.record.CorruptBatchException;
import io.rafka.record.RecordBatch;
import java.util.Optional;

/** The check a cached value passes before a get returns it. Pure functions. */
final class BatchVerification {
    private BatchVerification() {
    }

    /**
     * Why {@code value} is not the batch {@code key} names, or empty when it is: one whole batch
     * (length field matches the value's size), magic 1, the key's base offset and writer epoch,
     * a positive record count whose last offset does not overflow, and a valid CRC-32C. The CRC
     * covers the record count and the records, so with base offset and epoch matching, the
     * value holds exactly the records the key promises. Costs one CRC pass, no record decode.
     */
    static Optional<String> problem(CachedBatchKey key, byte[] value) {
        RecordBatch batch;
        try {
            batch = RecordBatch.wrap(value);
        } catch (CorruptBatchException e) {
            return Optional.of(e.getMessage());
        }
        if (batch.baseOffset() != key.baseOffset()) {
            return Optional.of("holds base offset " + batch.baseOffset() + ", key says " + key.baseOffset());
        }
        if (batch.writerEpoch() != key.epoch()) {
            return Optional.of("holds writer epoch " + batch.writerEpoch() + ", key says " + key.epoch());
        }
        int count = batch.recordCount();
        if (count <= 0 || batch.baseOffset() > Long.MAX_VALUE - count) {
            return Optional.of("record count " + count + " is invalid for base offset " + batch.baseOffset());
        }
        if (!batch.isCrcValid()) {
            return Optional.of("magic or CRC-32C does not match the bytes");
        }
        return Optional.empty();
    }
}
