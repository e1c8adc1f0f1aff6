package io.rafka.supernode.internal;

import com.hazelcast.map.EntryProcessor;
import io.rafka.supernode.CommittedOffset;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The offsets map: one entry per consumer group, so a commit of many partitions is one atomic step.
 * The entry also holds the group's <em>fences</em>: per partition, the generation in which it was last
 * granted to a member. A member's commit carrying an older generation is refused here, in the same
 * step that would store it, which closes the gap between the groups map checking a commit and this
 * map storing it (see {@code SupernodeStore.commitAsMember}).
 */
public final class OffsetOps {
    private static final Comparator<CommittedOffset> BY_PARTITION =
            Comparator.comparing(CommittedOffset::topic).thenComparingInt(CommittedOffset::partition);

    private OffsetOps() {
    }

    /**
     * A group's committed offsets, sorted by topic and partition, at most one per partition, and its
     * fences: {@code "topic/partition"} to the generation the partition was last granted in.
     */
    public record GroupOffsets(List<CommittedOffset> offsets, Map<String, Integer> fences) implements Serializable {
        public GroupOffsets {
            offsets = offsets.stream().sorted(BY_PARTITION).toList();
            fences = Map.copyOf(fences);
        }

        public GroupOffsets(List<CommittedOffset> offsets) {
            this(offsets, Map.of());
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

    /** Nothing was stored: {@code attempted}'s partition was granted anew in {@code fence}, after the commit's generation. */
    public record Fenced(CommittedOffset attempted, int fence) implements CommitOutcome {
    }

    /**
     * Stores all of {@code commits} (one per partition) or, on a refused rewind or a fenced
     * partition, none. A member's commit names its {@code generation}; -1 is a simple commit, which
     * no fence stops.
     */
    public static final class Commit extends Mutation<GroupOffsets, CommitOutcome> {
        private static final long serialVersionUID = 1L;
        private final List<CommittedOffset> commits;
        private final boolean allowRewind;
        private final int generation;

        public Commit(List<CommittedOffset> commits, boolean allowRewind) {
            this(commits, allowRewind, -1);
        }

        public Commit(List<CommittedOffset> commits, boolean allowRewind, int generation) {
            this.commits = List.copyOf(commits);
            this.allowRewind = allowRewind;
            this.generation = generation;
        }

        @Override
        protected Step<GroupOffsets, CommitOutcome> apply(GroupOffsets current, long nowMs) {
            Map<Partition, CommittedOffset> byPartition = new HashMap<>();
            Map<String, Integer> fences = current == null ? Map.of() : current.fences();
            if (current != null) {
                current.offsets().forEach(o -> byPartition.put(Partition.of(o), o));
            }
            for (CommittedOffset commit : commits) {
                Integer fence = fences.get(Partition.of(commit).key());
                if (generation >= 0 && fence != null && generation < fence) {
                    return keep(new Fenced(commit, fence));
                }
                CommittedOffset stored = byPartition.get(Partition.of(commit));
                if (!allowRewind && stored != null && commit.offset() < stored.offset()) {
                    return keep(new Rewound(commit, stored.offset()));
                }
                byPartition.put(Partition.of(commit), commit.committedAt(nowMs));
            }
            return write(new GroupOffsets(new ArrayList<>(byPartition.values()), fences), new Committed());
        }
    }

    /**
     * Raises the fences of partitions just granted to a member ({@code "topic/partition"} to the
     * generation of the grant); a fence never goes down. Reads no clock, so backups simply run it again.
     */
    public record Fence(Map<String, Integer> grants) implements EntryProcessor<String, GroupOffsets, Void> {
        public Fence {
            grants = Map.copyOf(grants);
        }

        @Override
        public Void process(Map.Entry<String, GroupOffsets> entry) {
            GroupOffsets current = entry.getValue();
            Map<String, Integer> fences = new HashMap<>(current == null ? Map.of() : current.fences());
            boolean raised = false;
            for (Map.Entry<String, Integer> grant : grants.entrySet()) {
                if (fences.getOrDefault(grant.getKey(), -1) < grant.getValue()) {
                    fences.put(grant.getKey(), grant.getValue());
                    raised = true;
                }
            }
            if (raised) {
                entry.setValue(new GroupOffsets(current == null ? List.of() : current.offsets(), fences));
            }
            return null;
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
            Map<String, Integer> fences = new HashMap<>(entry.getValue().fences());
            boolean unfenced = fences.keySet().removeIf(k -> k.startsWith(topic + "/"));
            if (kept.size() != offsets.size() || unfenced) {
                entry.setValue(kept.isEmpty() && fences.isEmpty() ? null : new GroupOffsets(kept, fences));
            }
            return null;
        }
    }

    private record Partition(String topic, int partition) {
        static Partition of(CommittedOffset offset) {
            return new Partition(offset.topic(), offset.partition());
        }

        String key() {
            return topic + "/" + partition;
        }
    }
}
