package io.rafka.record;

import java.util.List;
import java.util.Objects;

/**
 * A decoded record: its offset in the partition, its creation timestamp (ms since the epoch), an
 * optional key, an optional value and ordered headers. Key and value arrays are shared, not copied.
 */
public record Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
    public Record {
        Objects.requireNonNull(headers, "headers");
        headers = List.copyOf(headers);
    }
}
