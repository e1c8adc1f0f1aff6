package io.rafka.client;

import java.util.Objects;

/** A partition of a topic. */
public record TopicPartitionRef(String topic, int partition) {
    public TopicPartitionRef {
        Objects.requireNonNull(topic, "topic");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
