package io.rafka.node.partition;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A topic's metadata: its name, partition count, explicit settings, creation time and, in cluster
 * mode, its incarnation (a cluster-unique number, so that a topic deleted and created again under
 * the same name never sees the old one's data; 0 on a standalone node).
 */
public record Topic(String name, int partitions, Map<String, String> config, long createdAt, long incarnation) {
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

    /** A standalone node's topic (incarnation 0). */
    public Topic(String name, int partitions, Map<String, String> config, long createdAt) {
        this(name, partitions, config, createdAt, 0);
    }

    /**
     * The name the storage engine keeps this topic's partitions under: the name itself on a
     * standalone node, {@code name~incarnation} in cluster mode ({@code ~} is not allowed in names).
     */
    public String storageName() {
        return incarnation == 0 ? name : name + "~" + incarnation;
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
