package io.rafka.supernode;

import java.io.Serializable;
import java.util.Comparator;

/** One partition of a topic as a consumer group assigns it; ordered by topic, then partition. */
public record GroupPartition(String topic, int partition) implements Comparable<GroupPartition>, Serializable {
    private static final Comparator<GroupPartition> ORDER =
            Comparator.comparing(GroupPartition::topic).thenComparingInt(GroupPartition::partition);

    public GroupPartition {
        Checks.requireNonEmpty(topic, "topic name");
        if (partition < 0) {
            throw new IllegalArgumentException("partition of topic '" + topic + "' must not be negative, got " + partition);
        }
    }

    @Override
    public int compareTo(GroupPartition other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return topic + "/" + partition;
    }
}
