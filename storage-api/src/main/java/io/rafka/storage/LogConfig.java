package io.rafka.storage;

/**
 * Per-partition settings that every engine honours. Engine-wide settings (fsync policy, CQL
 * consistency) live in the engine's own configuration.
 *
 * @param retentionMs     records older than this may be removed; -1 keeps them forever
 * @param retentionBytes  a partition larger than this may drop its oldest data; -1 = unlimited
 * @param segmentBytes    target size of one segment (embedded log) or bucket (ScyllaDB)
 */
public record LogConfig(long retentionMs, long retentionBytes, long segmentBytes) {
    public static final long MIN_SEGMENT_BYTES = 64 * 1024;
    public static final long MAX_SEGMENT_BYTES = 1L << 30;

    public LogConfig {
        if (retentionMs < -1 || retentionMs == 0) {
            throw new IllegalArgumentException("retention.ms must be -1 (forever) or positive, was " + retentionMs);
        }
        if (retentionBytes < -1 || retentionBytes == 0) {
            throw new IllegalArgumentException("retention.bytes must be -1 (unlimited) or positive, was " + retentionBytes);
        }
        if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
            throw new IllegalArgumentException("segment.bytes must be between " + MIN_SEGMENT_BYTES
                    + " and " + MAX_SEGMENT_BYTES + ", was " + segmentBytes);
        }
    }

    /** Seven days, unlimited size, 128 MiB segments. */
    public static LogConfig defaults() {
        return new LogConfig(7L * 24 * 3600 * 1000, -1, 128L * 1024 * 1024);
    }
}
