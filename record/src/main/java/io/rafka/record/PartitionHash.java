package io.rafka.record;

import java.util.Objects;

/**
 * The documented key to partition mapping, the same in every client: {@code (murmur2(key) &
 * 0x7fffffff) % partitionCount}, where murmur2 is the 32-bit MurmurHash2 with seed 0x9747b28c.
 * This is byte-for-byte the mapping of Kafka's default partitioner, so keyed data keeps its
 * partition when moved between Kafka and Rafka topics with the same partition count.
 * Records without a key are spread by the client (sticky per batch).
 */
public final class PartitionHash {
    private PartitionHash() {
    }

    /** The partition for {@code key} among {@code partitionCount} partitions. */
    public static int partitionFor(byte[] key, int partitionCount) {
        Objects.requireNonNull(key, "key");
        if (partitionCount <= 0) {
            throw new IllegalArgumentException("partition count must be positive, was " + partitionCount);
        }
        return (murmur2(key) & 0x7fffffff) % partitionCount;
    }

    /** 32-bit MurmurHash2, seed 0x9747b28c, little-endian 4-byte blocks. */
    @SuppressWarnings("fallthrough")
    public static int murmur2(byte[] data) {
        int length = data.length;
        int seed = 0x9747b28c;
        final int m = 0x5bd1e995;
        final int r = 24;
        int h = seed ^ length;
        int length4 = length / 4;
        for (int i = 0; i < length4; i++) {
            final int i4 = i * 4;
            int k = (data[i4] & 0xff) + ((data[i4 + 1] & 0xff) << 8)
                    + ((data[i4 + 2] & 0xff) << 16) + ((data[i4 + 3] & 0xff) << 24);
            k *= m;
            k ^= k >>> r;
            k *= m;
            h *= m;
            h ^= k;
        }
        switch (length % 4) {
            case 3:
                h ^= (data[(length & ~3) + 2] & 0xff) << 16;
            // fall through
            case 2:
                h ^= (data[(length & ~3) + 1] & 0xff) << 8;
            // fall through
            case 1:
                h ^= data[length & ~3] & 0xff;
                h *= m;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }
}
