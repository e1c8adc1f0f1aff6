package io.rafka.client;

/** Where a {@link Subscription} starts reading. */
public sealed interface StartPosition {
    /** The earliest retained offset. */
    record Earliest() implements StartPosition {
    }

    /** The latest offset: only records produced from now on. */
    record Latest() implements StartPosition {
    }

    /** An exact offset. */
    record AtOffset(long offset) implements StartPosition {
        public AtOffset {
            if (offset < 0) {
                throw new IllegalArgumentException("offset must be >= 0, was " + offset);
            }
        }
    }

    /** The first record whose timestamp is >= {@code timestamp} (ms since the epoch). */
    record AtTimestamp(long timestamp) implements StartPosition {
        public AtTimestamp {
            if (timestamp < 0) {
                throw new IllegalArgumentException("timestamp must be >= 0, was " + timestamp);
            }
        }
    }

    static StartPosition earliest() {
        return new Earliest();
    }

    static StartPosition latest() {
        return new Latest();
    }

    static StartPosition offset(long offset) {
        return new AtOffset(offset);
    }

    static StartPosition timestamp(long timestamp) {
        return new AtTimestamp(timestamp);
    }
}
