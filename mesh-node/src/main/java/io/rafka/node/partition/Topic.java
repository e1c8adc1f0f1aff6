package io.rafka.node.partition;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** A topic's metadata: its name, partition count, explicit settings and creation time. */
public record Topic(String name, int partitions, Map<String, String> config, long createdAt) {
    /** The per-topic settings a client may set at creation. */
    public static final Set<String> CONFIG_KEYS = Set.of("retention.ms", "retention.bytes", "segment.bytes", "max.batch.bytes");

    public Topic {
        Names.checkTopic(name);
        if (partitions < 1 || partitions > Names.MAX_PARTITIONS) {
            throw BrokerException.invalid("partition count must be between 1 and " + Names.MAX_PARTITIONS
                    + ", was " + partitions);
        }
        Objects.requireNonNull(config, "config");
        for (String key : config.keySet()) {
            if (!CONFIG_KEYS.contains(key)) {
                throw BrokerException.invalid("unknown topic setting '" + key + "'; allowed: "
                        + CONFIG_KEYS.stream().sorted().toList());
            }
        }
        config = Map.copyOf(config);
    }

    /** Checks a partition index against the count. */
    public void checkPartition(int partition) {
        if (partition < 0 || partition >= partitions) {
            throw BrokerException.invalid("partition " + partition + " is out of range: topic '" + name
                    + "' has " + partitions + " partitions (0.." + (partitions - 1) + ")");
        }
    }

    /** A numeric setting, or the fallback when the topic does not set it. */
    public long setting(String key, long fallback) {
        String v = config.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw BrokerException.invalid("topic setting " + key + " must be an integer, was '" + v + "'");
        }
    }
}
