package io.rafka.storage.local;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Engine-wide settings of the embedded log. Per-partition settings (retention, segment size) come
 * from {@link io.rafka.storage.LogConfig}.
 *
 * @param dataDir            directory holding one sub-directory per partition, {@code <topic>-<partition>}
 * @param fsync              when written data is forced to disk
 * @param fsyncIntervalMs    period of the background flush under {@link FsyncPolicy#INTERVAL}
 * @param indexIntervalBytes bytes of log between two sparse index entries
 */
public record LocalLogConfig(Path dataDir, FsyncPolicy fsync, long fsyncIntervalMs, int indexIntervalBytes) {
    public static final long DEFAULT_FSYNC_INTERVAL_MS = 1000;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final int MAX_INDEX_INTERVAL_BYTES = 16 * 1024 * 1024;

    public LocalLogConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(fsync, "fsync");
        if (fsyncIntervalMs <= 0) {
            throw new IllegalArgumentException("fsyncIntervalMs must be positive, was " + fsyncIntervalMs);
        }
        if (indexIntervalBytes < 1 || indexIntervalBytes > MAX_INDEX_INTERVAL_BYTES) {
            throw new IllegalArgumentException("indexIntervalBytes must be between 1 and "
                    + MAX_INDEX_INTERVAL_BYTES + ", was " + indexIntervalBytes);
        }
    }

    /** {@link FsyncPolicy#INTERVAL} every second, an index entry every 4 KiB. */
    public static LocalLogConfig defaults(Path dataDir) {
        return new LocalLogConfig(dataDir, FsyncPolicy.INTERVAL, DEFAULT_FSYNC_INTERVAL_MS,
                DEFAULT_INDEX_INTERVAL_BYTES);
    }

    public LocalLogConfig withFsync(FsyncPolicy policy) {
        return new LocalLogConfig(dataDir, policy, fsyncIntervalMs, indexIntervalBytes);
    }

    public LocalLogConfig withIndexIntervalBytes(int bytes) {
        return new LocalLogConfig(dataDir, fsync, fsyncIntervalMs, bytes);
    }
}
