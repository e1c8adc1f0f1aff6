package io.rafka.client;

import io.rafka.record.Header;
import java.util.List;

/**
 * A consumed record. Key and value may be null; headers are in the order the producer wrote them.
 * The arrays are owned by this record and not copied again.
 */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, byte[] key,
                             byte[] value, List<Header> headers) {
}
