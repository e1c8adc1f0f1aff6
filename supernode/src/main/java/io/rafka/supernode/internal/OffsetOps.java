package io.rafka.supernode.internal;

import com.hazelcast.map.EntryProcessor;
import io.rafka.supernode.CommittedOffset;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The offsets map: one entry per consumer group, so a commit of many partitions is one atomic step. */
public final class OffsetOps {
    private static final Comparator<CommittedOffset> BY_PARTITION =
            Comparator.comparing(CommittedOffset::topic).thenComparingInt(CommittedOffset::partition);

    private OffsetOps() {
    }

    /** A group's committed offsets, sorted by topic and partition, at most one per partition. */
    public record GroupOffsets(List<CommittedOffset> offsets) implements Serializable {
        public GroupOffsets {
            offsets = offsets.stream().sorted(BY_PARTITION).toList();
        }
    }

    /** The outcome of {@link Commit}. */
    public sealed interface CommitOutcome extends Serializable {
    }

    /** Every offset of the commit was stored. */
    public record Committed() implements CommitOutcome {
    }

    /** Nothing was stored: {@code attempted} is below {@code committedOffset} and rewinding was not allowed. */
    public record Rewound(CommittedOffset attempted, long committedOffset) implements CommitOutcome {
    }

    /** Stores all of {@code commits} (one per partition) or, on a refused rewind, none. */
    public static final class Commit extends Mutation<GroupOffsets, CommitOutcome> {
        private static final long serialVersionUID = 1L;
        private final List<CommittedOffset> commits;
        private final boolean allowRewind;

        public Commit(List<CommittedOffset> commits, boolean allowRewind) {
            this.commits = List.copyOf(commits);
            this.allowRewind = allowRewind;
        }

        @Override
        protected Step<GroupOffsets, CommitOutcome> apply(GroupOffsets current, long nowMs) {
            Map<Partition, CommittedOffset> byPartition = new HashMap<>();
            if (current != null) {
                current.offsets().forEach(o -> byPartition.put(Partition.of(o), o));
            }
            for (CommittedOffset commit : commits) {
                CommittedOffset stored = byPartition.get(Partition.of(commit));
                if (!allowRewind && stored != null && commit.offset() < stored.offset()) {
                    return keep(new Rewound(commit, stored.offset()));
                }
                byPartition.put(Partition.of(commit), commit.committedAt(nowMs));
            }
            return write(new GroupOffsets(new ArrayList<>(byPartition.values())), new Committed());
        }
    }

    /**
     * Removes one topic's offsets from every group it runs on (a partition-wide processor). It
     * reads no clock, so backups simply run it again.
     */
    public record DropTopic(String topic) implements EntryProcessor<String, GroupOffsets, Void> {
        @Override
        public Void process(Map.Entry<String, GroupOffsets> entry) {
            List<CommittedOffset> offsets = entry.getValue().offsets();
            List<CommittedOffset> kept = offsets.stream().filter(o -> !o.topic().equals(topic)).toList();
            if (kept.size() != offsets.size()) {
                entry.setValue(kept.isEmpty() ? null : new GroupOffsets(kept));
            }
            return null;
        }
    }

    private record Partition(String topic, int partition) {
        static Partition of(CommittedOffset offset) {
            return new Partition(offset.topic(), offset.partition());
        }
    }
}
