package io.rafka.client;

/**
 * Where a sent record landed.
 *
 * @param offset    the record's offset, or -1 with {@code ACKS_NONE}
 * @param timestamp the record's creation timestamp, ms since the epoch
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {
}
