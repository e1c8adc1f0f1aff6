package io.rafka.storage.scylla.internal;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Which writer epoch owns which offsets, as the partition's {@code epochs} column records it:
 * epoch -> the end offset when a writer of that epoch opened the log (the first offset it could
 * write, like Kafka's leader-epoch cache). An offset belongs to the greatest epoch whose first
 * offset is at or below it; a row is genuine only if its {@code writer_epoch} is that epoch.
 * Offsets below the first recorded epoch were written before fencing began (by the sole writer,
 * epoch 0) and are genuine whatever epoch their rows carry. An empty history (a log never opened
 * by a fenced writer) accepts every row. Immutable.
 */
public final class EpochHistory {
    public static final EpochHistory EMPTY = new EpochHistory(new TreeMap<>());

    private final NavigableMap<Integer, Long> firstOffsets;
    /** First offset -> greatest epoch whose first offset is at or below it. */
    private final NavigableMap<Long, Integer> owners = new TreeMap<>();

    private EpochHistory(TreeMap<Integer, Long> firstOffsets) {
        this.firstOffsets = Collections.unmodifiableNavigableMap(firstOffsets);
        TreeMap<Long, Integer> byOffset = new TreeMap<>();
        firstOffsets.forEach((epoch, offset) -> byOffset.merge(offset, epoch, Math::max));
        int greatest = Integer.MIN_VALUE;
        for (Map.Entry<Long, Integer> e : byOffset.entrySet()) {
            greatest = Math.max(greatest, e.getValue());
            owners.put(e.getKey(), greatest);
        }
    }

    /** The history the {@code epochs} column holds (null: none). */
    public static EpochHistory of(Map<Integer, Long> epochs) {
        return epochs == null || epochs.isEmpty() ? EMPTY : new EpochHistory(new TreeMap<>(epochs));
    }

    /** This history plus {@code epoch} starting at {@code firstOffset}, unless it has the epoch already. */
    public EpochHistory with(int epoch, long firstOffset) {
        if (firstOffsets.containsKey(epoch)) {
            return this;
        }
        TreeMap<Integer, Long> m = new TreeMap<>(firstOffsets);
        m.put(epoch, firstOffset);
        return new EpochHistory(m);
    }

    public boolean isEmpty() {
        return firstOffsets.isEmpty();
    }

    /** The greatest epoch recorded; 0 when none is. */
    public int latestEpoch() {
        return firstOffsets.isEmpty() ? 0 : firstOffsets.lastKey();
    }

    /** The greatest first offset recorded; 0 when none is. */
    public long latestFirstOffset() {
        return owners.isEmpty() ? 0 : owners.lastKey();
    }

    /** Where {@code epoch} started, if recorded. */
    public Long firstOffset(int epoch) {
        return firstOffsets.get(epoch);
    }

    /** The epoch that owns {@code offset}; 0 below the first recorded epoch. */
    public int ownerOf(long offset) {
        Map.Entry<Long, Integer> e = owners.floorEntry(offset);
        return e == null ? 0 : e.getValue();
    }

    /**
     * Whether a row at {@code baseOffset} written under {@code writerEpoch} is genuine, as
     * opposed to a late write of a fenced writer.
     */
    public boolean isGenuine(long baseOffset, int writerEpoch) {
        Map.Entry<Long, Integer> e = owners.floorEntry(baseOffset);
        return e == null || e.getValue() == writerEpoch;
    }

    /** Epoch -> first offset, ascending by epoch. */
    public NavigableMap<Integer, Long> asMap() {
        return firstOffsets;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EpochHistory h && h.firstOffsets.equals(firstOffsets);
    }

    @Override
    public int hashCode() {
        return firstOffsets.hashCode();
    }

    @Override
    public String toString() {
        return "epochs " + firstOffsets;
    }
}
