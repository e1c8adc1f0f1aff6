package io.rafka.storage;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The append-only log of one partition: the contract every storage engine implements and that
 * {@code PartitionLogContract} (module testkit) checks.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Offsets are dense: a batch of n records appended at end offset e gets base offset e and the
 *       end becomes e + n. Appends complete in the order they were called, and the end offset
 *       moves only forward.</li>
 *   <li>A batch is stored and returned as the same bytes, except the base offset and writer epoch
 *       fields the log stamps; its CRC stays valid.</li>
 *   <li>A failed append (exceptionally completed stage) is not visible to readers, ever (except
 *       a {@link FencedException} for a write already in flight: see there); a completed one
 *       stays readable until retention removes it.</li>
 *   <li>No method blocks its caller: I/O runs on the engine's own threads or async driver, and the
 *       stages complete there. Callers hop back to their own thread if they need to.</li>
 * </ul>
 */
public interface PartitionLog extends AutoCloseable {

    PartitionId id();

    /**
     * Appends one validated batch (the caller has checked its CRC). Completes with the assigned
     * base offset once the batch has reached {@code durability}.
     *
     * @param batch       one whole record batch; the log takes ownership of the buffer
     * @param writerEpoch the ownership epoch of the writer, stamped into the batch
     */
    CompletionStage<Appended> append(ByteBuffer batch, int writerEpoch, Durability durability);

    /**
     * Reads whole batches starting with the one that holds {@code offset}, up to {@code maxBytes}
     * but always at least one batch when any exists at or after {@code offset}. Reading at the
     * end offset returns an empty slice. Fails with {@link OffsetOutOfRangeException} outside
     * [logStartOffset, logEndOffset].
     */
    CompletionStage<LogSlice> read(long offset, int maxBytes);

    /**
     * The first batch whose max timestamp is at or after {@code timestamp}: its first offset at or
     * after the log start, and its max timestamp. Empty when no retained record is that recent.
     */
    CompletionStage<Optional<TimestampOffset>> offsetForTimestamp(long timestamp);

    /** Earliest retained offset. */
    long logStartOffset();

    /** The offset the next appended record will get (the "latest" offset). */
    long logEndOffset();

    /** Makes every completed append durable now, whatever the policy. */
    CompletionStage<Void> flush();

    /**
     * Applies retention by time and size as of {@code nowMs}; completes with the new log start
     * offset. Engines that expire by TTL may do nothing here.
     */
    CompletionStage<Long> applyRetention(long nowMs);

    /** Flushes and releases resources. The log must not be used afterwards. */
    @Override
    void close();
}
