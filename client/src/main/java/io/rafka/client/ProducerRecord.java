package io.rafka.client;

import io.rafka.record.Header;
import java.util.List;
import java.util.Objects;

/**
 * A record to send.
 *
 * @param topic     the topic
 * @param partition the partition, or null to choose one: the key's {@link
 *                  io.rafka.record.PartitionHash} partition when the key is non-null, otherwise a
 *                  sticky partition that moves round-robin each time a batch is sealed
 * @param key       the key, may be null
 * @param value     the value, may be null
 * @param headers   application headers, in order (copied)
 * @param timestamp creation time in ms since the epoch; 0 means "now" when sent
 */
public record ProducerRecord(String topic, Integer partition, byte[] key, byte[] value,
                             List<Header> headers, long timestamp) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(headers, "headers");
        if (topic.isEmpty()) {
            throw new IllegalArgumentException("topic must not be empty");
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0 (0 = now), was " + timestamp);
        }
        headers = List.copyOf(headers);
    }

    /** A record with a key and a value, no headers, partition by key, timestamp now. */
    public ProducerRecord(String topic, byte[] key, byte[] value) {
        this(topic, null, key, value, List.of(), 0L);
    }
}
