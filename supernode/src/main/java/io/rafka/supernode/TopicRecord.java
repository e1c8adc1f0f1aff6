package io.rafka.supernode;

import java.io.Serializable;
import java.util.Map;
import java.util.Objects;

/**
 * A topic as the cluster knows it. {@code incarnation} is unique in the cluster and never reused,
 * so a topic deleted and created again under the same name is a different topic: its storage
 * ({@link #storageName()}) and its partition leases ({@link #partitionKey(int)}) are new.
 *
 * @param createdAt wall-clock milliseconds on the member that created it
 */
public record TopicRecord(String name, int partitions, Map<String, String> config, long createdAt, long incarnation)
        implements Serializable {

    public TopicRecord {
        Checks.requireNonEmpty(name, "topic name");
        if (partitions < 1) {
            throw new IllegalArgumentException("topic '" + name + "' must have at least 1 partition, got " + partitions);
        }
        Objects.requireNonNull(config, () -> "config of topic '" + name + "' is null");
        config.forEach((key, value) -> {
            if (key == null || value == null) {
                throw new IllegalArgumentException("config of topic '" + name + "' has a null key or value: " + key + "=" + value);
            }
        });
        config = Map.copyOf(config);
        if (incarnation < 1) {
            throw new IllegalArgumentException("incarnation of topic '" + name + "' must be at least 1, got " + incarnation);
        }
    }

    /** The name under which this incarnation's data is stored, {@code name~incarnation}. */
    public String storageName() {
        return name + "~" + incarnation;
    }

    /**
     * The lease key of one partition of this incarnation, {@code name~incarnation/partition}. Use it
     * for {@link SupernodeStore#acquire}: {@link SupernodeStore#deleteTopic} removes the leases under
     * these keys, and since an incarnation is never reused, neither is a key, so its epochs never
     * start over.
     */
    public String partitionKey(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("partition " + partition + " is out of range for topic '" + name
                    + "' with " + partitions + " partitions");
        }
        return storageName() + "/" + partition;
    }
}
