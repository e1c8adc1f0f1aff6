package io.rafka.supernode;

import java.io.Serializable;

/**
 * A consumer group's position in one partition: the next offset to consume.
 *
 * @param metadata   free text from the client, never null ({@code null} becomes "")
 * @param commitTime wall-clock milliseconds; {@link SupernodeStore#commit} stamps it with the time
 *                   of the member that stores the commit
 */
public record CommittedOffset(String topic, int partition, long offset, String metadata, long commitTime)
        implements Serializable {

    public CommittedOffset {
        Checks.requireNonEmpty(topic, "topic name");
        if (partition < 0) {
            throw new IllegalArgumentException("partition of topic '" + topic + "' must not be negative, got " + partition);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset for " + topic + "/" + partition + " must not be negative, got " + offset);
        }
        metadata = metadata == null ? "" : metadata;
    }

    /** This commit stamped with {@code timeMs}. */
    public CommittedOffset committedAt(long timeMs) {
        return new CommittedOffset(topic, partition, offset, metadata, timeMs);
    }
}
