package io.rafka.storage;

import java.util.Objects;

/** A topic partition as storage names it. The key {@code topic/partition} is its ring key. */
public record PartitionId(String topic, int partition) {
    public PartitionId {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    /** {@code topic/partition}: the string hashed onto the Pastry ring. */
    public String key() {
        return topic + "/" + partition;
    }

    @Override
    public String toString() {
        return key();
    }
}
