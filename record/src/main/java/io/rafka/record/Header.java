package io.rafka.record;

import java.util.Objects;

/**
 * One application header of a record. The key is non-empty UTF-8; the value may be null.
 */
public record Header(String key, byte[] value) {
    public Header {
        Objects.requireNonNull(key, "header key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("header key must not be empty");
        }
    }
}
