package io.rafka.cache;

import io.rafka.storage.PartitionId;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name of one cached record batch: which partition, which incarnation of its log, which
 * ownership epoch and which base offset. Rendered as
 * {@code rafka:<cluster>:<topic>:<incarnation>:<partition>:<epoch>:<baseOffset>}, e.g.
 * {@code rafka:prod:orders:1764085200000:3:7:120400}.
 *
 * <p>Why a key can never yield the wrong records:
 * <ul>
 *   <li>Within one epoch exactly one owner appends to a partition, offsets are dense and never
 *       reused, and a stored batch is immutable; the node writes a batch through only after its
 *       append succeeded. So (partition, epoch, base offset) names at most one batch, ever.</li>
 *   <li>The incarnation separates logs that reuse a name: a topic deleted and created again, or
 *       a node whose data was wiped, starts again at offset 0 (and, standalone, at epoch 0); its
 *       creation time differs, so none of the old entries can match.</li>
 *   <li>The cluster name separates clusters that share one cache server.</li>
 *   <li>And a value is verified before it is returned (see {@link BatchCache#get}): its header
 *       must carry this base offset and epoch and its CRC-32C must match, so a corrupted entry
 *       or one written under the wrong key by mistake is a miss.</li>
 * </ul>
 *
 * <p>The record count is deliberately not part of the key: a consumer reading the tail knows
 * only the next offset it wants, and the batch that starts there is unique anyway. The count is
 * covered by the CRC, and the next key of a chain is {@code baseOffset + recordCount}.
 *
 * @param partition   topic and partition; the topic must match {@code [A-Za-z0-9._-]+}
 * @param incarnation identifies this life of the partition's log, e.g. the topic's creation time
 *                    in ms; &gt;= 0
 * @param epoch       the ownership epoch the batch was appended under (its writer epoch); &gt;= 0
 * @param baseOffset  the batch's first offset; &gt;= 0
 */
public record CachedBatchKey(PartitionId partition, long incarnation, int epoch, long baseOffset) {
    /** Memcached's key limit; applied to every implementation so they behave the same. */
    public static final int MAX_KEY_BYTES = 250;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

    public CachedBatchKey {
        Objects.requireNonNull(partition, "partition");
        if (!NAME.matcher(partition.topic()).matches()) {
            throw new IllegalArgumentException("topic '" + partition.topic()
                    + "' cannot name a cache entry: only the characters [A-Za-z0-9._-] are allowed");
        }
        if (incarnation < 0) {
            throw new IllegalArgumentException("cache key incarnation must be >= 0, was " + incarnation);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("cache key epoch must be >= 0, was " + epoch);
        }
        if (baseOffset < 0) {
            throw new IllegalArgumentException("cache key base offset must be >= 0, was " + baseOffset);
        }
    }

    /** The key of the batch that follows one of {@code recordCount} records at this key. */
    public CachedBatchKey next(int recordCount) {
        if (recordCount <= 0) {
            throw new IllegalArgumentException("record count must be positive, was " + recordCount);
        }
        return new CachedBatchKey(partition, incarnation, epoch, Math.addExact(baseOffset, recordCount));
    }

    /**
     * The key as the cache server sees it.
     *
     * @throws IllegalArgumentException when {@code cluster} has characters outside
     *                                  {@code [A-Za-z0-9._-]} or the key would exceed
     *                                  {@link #MAX_KEY_BYTES} bytes
     */
    public String render(String cluster) {
        checkCluster(cluster);
        String key = "rafka:" + cluster + ':' + partition.topic() + ':' + incarnation + ':'
                + partition.partition() + ':' + epoch + ':' + baseOffset;
        // Every character is ASCII, so the length in chars is the length in bytes.
        if (key.length() > MAX_KEY_BYTES) {
            throw new IllegalArgumentException("cache key of " + key.length() + " bytes exceeds the "
                    + MAX_KEY_BYTES + "-byte limit of memcached keys: topic '" + partition.topic()
                    + "' (" + partition.topic().length() + " chars) is too long to cache with cluster '"
                    + cluster + "'");
        }
        return key;
    }

    static void checkCluster(String cluster) {
        Objects.requireNonNull(cluster, "cluster");
        if (!NAME.matcher(cluster).matches() || cluster.length() > 64) {
            throw new IllegalArgumentException("cluster name '" + cluster + "' cannot prefix cache keys: "
                    + "1 to 64 characters of [A-Za-z0-9._-] are allowed");
        }
    }
}
