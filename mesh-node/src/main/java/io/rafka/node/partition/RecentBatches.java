package io.rafka.node.partition;

import io.rafka.cache.MemoryTail;
import java.util.ArrayList;
import java.util.List;

/**
 * The base offset, record count, size, writer epoch and in-process tier handle of the last
 * {@code capacity} batches of a partition, in offset order: what the caches may hold (the
 * sidecar under keys naming that epoch, the in-process tier under that handle). It lets a read know, without asking the
 * cache, whether an offset falls in a recent batch and which keys follow it, so one round trip
 * (a multi-get) serves a tail read and an old offset never costs a cache call.
 *
 * <p>Not thread-safe: confined to the owning {@link Partition}'s lock.
 */
final class RecentBatches {
    /** One appended batch. */
    record Entry(long baseOffset, int recordCount, int sizeInBytes, int epoch, long memoryHandle)
            implements MemoryTail.Held {
        long nextOffset() {
            return baseOffset + recordCount;
        }
    }

    private final long[] bases;
    private final int[] counts;
    private final int[] sizes;
    private final int[] epochs;
    private final long[] handles;
    private int start;
    private int size;

    RecentBatches(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        bases = new long[capacity];
        counts = new int[capacity];
        sizes = new int[capacity];
        epochs = new int[capacity];
        handles = new long[capacity];
    }

    /**
     * Records a batch written under {@code epoch} and held in the in-process tier under
     * {@code memoryHandle} ({@link MemoryTail#NOT_HELD} if not); batches must be added in offset
     * order, without gaps.
     */
    void add(long baseOffset, int recordCount, int sizeInBytes, int epoch, long memoryHandle) {
        if (size > 0) {
            int last = (start + size - 1) % bases.length;
            if (baseOffset != bases[last] + counts[last]) {
                clear(); // a gap (an append not recorded): never chain across it
            }
        }
        int slot;
        if (size < bases.length) {
            slot = (start + size) % bases.length;
            size++;
        } else {
            slot = start;
            start = (start + 1) % bases.length;
        }
        bases[slot] = baseOffset;
        counts[slot] = recordCount;
        sizes[slot] = sizeInBytes;
        epochs[slot] = epoch;
        handles[slot] = memoryHandle;
    }

    void clear() {
        start = 0;
        size = 0;
    }

    /**
     * The recent batches from the one holding {@code offset}, as many as fit in {@code maxBytes}
     * (at least one); empty when {@code offset} is not in a recent batch.
     */
    List<Entry> from(long offset, int maxBytes) {
        int lo = 0;
        int hi = size - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int slot = (start + mid) % bases.length;
            if (bases[slot] <= offset) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return List.of();
        }
        int first = (start + found) % bases.length;
        if (offset >= bases[first] + counts[first]) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        long bytes = 0;
        for (int i = found; i < size; i++) {
            int slot = (start + i) % bases.length;
            if (!out.isEmpty() && bytes + sizes[slot] > maxBytes) {
                break;
            }
            out.add(new Entry(bases[slot], counts[slot], sizes[slot], epochs[slot], handles[slot]));
            bytes += sizes[slot];
        }
        return out;
    }
}
