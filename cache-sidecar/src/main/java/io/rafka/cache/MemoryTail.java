package io.rafka.cache;

import io.rafka.storage.PartitionId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's in-process tier of the hot-tail cache: the most recently appended batches of every
 * partition the node owns, within one node-wide byte budget ({@code cache.memory-bytes}), evicted
 * oldest-written first. It sits in front of the sidecar ({@link BatchCache}): a tail read is
 * answered from here without a thread hop or a round trip, a reader further behind goes to the
 * sidecar, then to the log.
 *
 * <p>Same keys and the same promise as the sidecar: a key names the partition, its incarnation,
 * the writer's epoch and the base offset, and only batches whose append succeeded are put, so an
 * answer is always the batch the key names. Values are never copied on the way in (the caller
 * hands over a buffer it no longer changes) and are returned as read-only views.
 *
 * <p>Thread-safe: one short lock around a map; no I/O, nothing blocks.
 */
public final class MemoryTail {
    private final long budgetBytes;
    private final LinkedHashMap<CachedBatchKey, ByteBuffer> entries = new LinkedHashMap<>();
    private long bytes;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder skippedOversize = new LongAdder();

    /**
     * @param budgetBytes the most bytes of batches held at once; 0 turns the tier off
     */
    public MemoryTail(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("cache.memory-bytes must not be negative, was " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
    }

    /** False when {@code cache.memory-bytes} is 0: every lookup is skipped by the caller. */
    public boolean enabled() {
        return budgetBytes > 0;
    }

    /**
     * Keeps an appended batch, stamped as stored, evicting the oldest batches beyond the budget.
     * A batch larger than the whole budget is not kept.
     */
    public void put(CachedBatchKey key, ByteBuffer batch) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(batch, "batch");
        if (!enabled()) {
            return;
        }
        int size = batch.remaining();
        if (size > budgetBytes) {
            skippedOversize.increment();
            return;
        }
        ByteBuffer view = batch.asReadOnlyBuffer();
        synchronized (this) {
            ByteBuffer old = entries.put(key, view);
            if (old != null) {
                bytes -= old.remaining();
            }
            bytes += size;
            Iterator<Map.Entry<CachedBatchKey, ByteBuffer>> oldest = entries.entrySet().iterator();
            while (bytes > budgetBytes && oldest.hasNext()) {
                bytes -= oldest.next().getValue().remaining();
                oldest.remove();
                evictions.increment();
            }
        }
        puts.increment();
    }

    /**
     * The batches under {@code keys} in order, up to the first one not held: a chain of
     * contiguous batches from the first key (empty when the first is not held). Each hit is
     * counted, and the key that ends the chain is counted as a miss.
     *
     * @return read-only views, position 0; the caller may read them but not keep them forever
     */
    public List<ByteBuffer> chain(List<CachedBatchKey> keys) {
        List<ByteBuffer> out = new ArrayList<>(keys.size());
        synchronized (this) {
            for (CachedBatchKey k : keys) {
                ByteBuffer v = entries.get(k);
                if (v == null) {
                    break;
                }
                out.add(v.duplicate());
            }
        }
        hits.add(out.size());
        if (out.size() < keys.size()) {
            misses.increment();
        }
        return out;
    }

    /**
     * Drops every batch of {@code partition} (it moved to another node or its topic was deleted),
     * so its memory is free at once rather than when the budget evicts it. Its keys could never
     * be served wrongly anyway: a later owner or topic uses another epoch or incarnation.
     *
     * @return how many batches were dropped
     */
    public int drop(PartitionId partition) {
        Objects.requireNonNull(partition, "partition");
        int dropped = 0;
        synchronized (this) {
            Iterator<Map.Entry<CachedBatchKey, ByteBuffer>> it = entries.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<CachedBatchKey, ByteBuffer> e = it.next();
                if (e.getKey().partition().equals(partition)) {
                    bytes -= e.getValue().remaining();
                    it.remove();
                    dropped++;
                }
            }
        }
        return dropped;
    }

    /** Bytes of batches held now. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Batches held now. */
    public synchronized int size() {
        return entries.size();
    }

    /** Batches dropped to stay within the budget, since start. */
    public long evictions() {
        return evictions.sum();
    }

    /** A snapshot of the counters, in the sidecar's shape (kind {@code memory}, always up, no latency). */
    public CacheMetrics metrics() {
        return new CacheMetrics(CacheConfig.Kind.MEMORY, enabled(), hits.sum(), misses.sum(), 0, 0, 0, 0, 0,
                skippedOversize.sum(), 0, puts.sum(), 0, CacheMetrics.Latency.EMPTY);
    }
}
