package io.rafka.cache;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's in-process tier of the hot-tail cache: the most recently appended batches of every
 * partition the node owns, in one node-wide ring of direct memory ({@code cache.memory-bytes}),
 * overwritten oldest first. It sits in front of the sidecar ({@link BatchCache}): a tail read is
 * answered from here without a thread hop or a round trip, a reader further behind goes to the
 * sidecar, then to the log.
 *
 * <p>Why a ring off the heap: the tail is exactly what a garbage collector hates, data that lives
 * for minutes after being young. Held on the heap, every young collection copied the batches
 * appended since the last one and the tier's map entries with them, and those pauses set the
 * tail reader's p99. In the ring the batches cost the collector nothing, and there is no index:
 * a {@link #put} answers a handle (where the batch lies and in which lap of the ring) that the
 * partition keeps next to the batch's offsets; a read copies from the handle if its segment has
 * not been overwritten since.
 *
 * <p>The ring is cut into segments (a sixteenth of the budget, between 64 KiB and 4 MiB, never
 * more than the budget; the budget is rounded down to whole segments), allocated when first
 * written, so an idle node holds no more than it needs. A batch never spans two segments; one
 * larger than a segment is not held (it is read from the sidecar or the log). When the writer
 * reaches a segment again, every batch in it is evicted at once.
 *
 * <p>What a handle promises: the bytes copied are the ones {@link #put} was given, or nothing.
 * Which batch a handle stands for (partition, epoch, offsets) is the caller's to keep; a
 * partition keeps the handles of its own appends only, so it can never be answered another's.
 *
 * <p>Thread-safe: one short lock around the copy in or out; no I/O, nothing blocks.
 */
public final class MemoryTail {
    /** What {@link #put} answers when it did not keep the batch. */
    public static final long NOT_HELD = -1;
    static final int MAX_SEGMENT_BYTES = 4 << 20;
    static final int MIN_SEGMENT_BYTES = 64 << 10;
    private static final int OFFSET_BITS = 23; // offsets within a segment < 8 MiB
    private static final long OFFSET_MASK = (1L << OFFSET_BITS) - 1;

    /** A batch a caller holds a handle for: what {@link #copyChain} reads. */
    public interface Held {
        /** The handle {@link #put} answered, or {@link #NOT_HELD}. */
        long memoryHandle();

        /** The batch's length in bytes, as put. */
        int sizeInBytes();
    }

    private final long budgetBytes;
    private final int segmentBytes;
    private final ByteBuffer[] segments;
    private final long[] segmentLap; // which lap (number of segment switches) each segment holds, -1 = none
    private final int[] segmentBatches;
    private final int[] segmentUsed;
    private long lap = -1;
    private int position;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final LongAdder skippedOversize = new LongAdder();

    /**
     * @param budgetBytes the most bytes of direct memory the ring takes; 0 turns the tier off
     */
    public MemoryTail(long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("cache.memory-bytes must not be negative, was " + budgetBytes);
        }
        this.budgetBytes = budgetBytes;
        this.segmentBytes = (int) Math.min(budgetBytes,
                Math.min(MAX_SEGMENT_BYTES, Math.max(MIN_SEGMENT_BYTES, budgetBytes / 16)));
        int count = budgetBytes == 0 ? 0 : (int) (budgetBytes / segmentBytes);
        this.segments = new ByteBuffer[count];
        this.segmentLap = new long[count];
        java.util.Arrays.fill(segmentLap, -1);
        this.segmentBatches = new int[count];
        this.segmentUsed = new int[count];
        this.position = segmentBytes; // the first put opens lap 0
    }

    /** False when {@code cache.memory-bytes} is 0: every lookup is skipped by the caller. */
    public boolean enabled() {
        return budgetBytes > 0;
    }

    /** The largest batch the ring holds: one segment. */
    public int segmentBytes() {
        return segmentBytes;
    }

    /**
     * Copies an appended batch, stamped as stored, into the ring (the caller's buffer is not
     * kept, nor its position moved).
     *
     * @return the handle to read it back with, or {@link #NOT_HELD} when the tier is off or the
     *         batch is larger than a segment
     */
    public long put(ByteBuffer batch) {
        Objects.requireNonNull(batch, "batch");
        if (!enabled()) {
            return NOT_HELD;
        }
        int size = batch.remaining();
        if (size > segmentBytes) {
            skippedOversize.increment();
            return NOT_HELD;
        }
        long handle;
        synchronized (this) {
            if (position + size > segmentBytes) {
                lap++;
                int s = segmentOf(lap);
                if (segments[s] == null) {
                    segments[s] = ByteBuffer.allocateDirect(segmentBytes);
                } else {
                    evictions.add(segmentBatches[s]);
                }
                segmentLap[s] = lap;
                segmentBatches[s] = 0;
                segmentUsed[s] = 0;
                position = 0;
            }
            int s = segmentOf(lap);
            segments[s].put(position, batch, batch.position(), size);
            handle = lap << OFFSET_BITS | position;
            position += size;
            segmentBatches[s]++;
            segmentUsed[s] = position;
        }
        puts.increment();
        return handle;
    }

    /**
     * Copies the batches of {@code batches}, in order, up to the first one not held, into one
     * new heap buffer, back to back: a chain of contiguous batches from the first. Each batch
     * copied counts as a hit, and the one that ends the chain as a miss.
     *
     * @return the buffer (position 0), or null when the first batch is not held
     */
    public ByteBuffer copyChain(List<? extends Held> batches) {
        int n = 0;
        int bytes = 0;
        ByteBuffer out = null;
        synchronized (this) {
            for (Held b : batches) {
                if (!holds(b.memoryHandle(), b.sizeInBytes())) {
                    break;
                }
                n++;
                bytes += b.sizeInBytes();
            }
            if (n > 0) {
                out = ByteBuffer.allocate(bytes);
                int at = 0;
                for (int i = 0; i < n; i++) {
                    Held b = batches.get(i);
                    long h = b.memoryHandle();
                    out.put(at, segments[segmentOf(h >>> OFFSET_BITS)], (int) (h & OFFSET_MASK), b.sizeInBytes());
                    at += b.sizeInBytes();
                }
            }
        }
        hits.add(n);
        if (n < batches.size()) {
            misses.increment();
        }
        return out;
    }

    private boolean holds(long handle, int size) {
        if (handle < 0 || size < 0) {
            return false;
        }
        long l = handle >>> OFFSET_BITS;
        int s = segmentOf(l);
        return segmentLap[s] == l && (handle & OFFSET_MASK) + size <= segmentUsed[s];
    }

    private int segmentOf(long l) {
        return (int) (l % segments.length);
    }

    /** Bytes of batches held now (those of partitions since moved away included, until overwritten). */
    public synchronized long bytes() {
        long sum = 0;
        for (int used : segmentUsed) {
            sum += used;
        }
        return sum;
    }

    /** Batches held now. */
    public synchronized int size() {
        int sum = 0;
        for (int b : segmentBatches) {
            sum += b;
        }
        return sum;
    }

    /** Direct memory taken by the segments written so far (at most the budget). */
    public synchronized long allocatedBytes() {
        long sum = 0;
        for (ByteBuffer s : segments) {
            sum += s == null ? 0 : s.capacity();
        }
        return sum;
    }

    /** Batches overwritten since start. */
    public long evictions() {
        return evictions.sum();
    }

    /** A snapshot of the counters, in the sidecar's shape (kind {@code memory}, always up, no latency). */
    public CacheMetrics metrics() {
        return new CacheMetrics(CacheConfig.Kind.MEMORY, enabled(), hits.sum(), misses.sum(), 0, 0, 0, 0, 0,
                skippedOversize.sum(), 0, puts.sum(), puts.sum(), 0, CacheMetrics.Latency.EMPTY);
    }
}
