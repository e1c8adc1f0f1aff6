package io.rafka.storage;

/** The first offset whose batch holds a record at or after a timestamp, and that batch's max timestamp. */
public record TimestampOffset(long offset, long timestamp) {
}
