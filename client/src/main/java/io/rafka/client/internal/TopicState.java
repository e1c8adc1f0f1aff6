package io.rafka.client.internal;

import io.grpc.Status;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaException;
import io.rafka.record.PartitionHash;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A topic as the producer sees it: its partitions' pipelines (the array only grows when a refresh
 * finds more partitions) and the sticky partition for records without a key.
 */
final class TopicState {
    private final ProducerEngine engine;
    private final String name;
    private volatile PartitionProducer[] partitions;
    private final AtomicInteger sticky;

    TopicState(ProducerEngine engine, String name, int partitionCount) {
        if (partitionCount <= 0) {
            throw new RafkaException(Status.Code.INTERNAL, "topic " + name
                    + " described with partition count " + partitionCount + ", expected >= 1");
        }
        this.engine = engine;
        this.name = name;
        this.partitions = new PartitionProducer[0];
        this.sticky = new AtomicInteger(ThreadLocalRandom.current().nextInt(partitionCount));
        updatePartitionCount(partitionCount);
    }

    int partitionCount() {
        return partitions.length;
    }

    /**
     * The partition for {@code record}: the explicit one (checked against the partition count),
     * the key's {@link PartitionHash} partition, or the sticky partition for a null key.
     */
    int choosePartition(ProducerRecord record) {
        int n = partitions.length;
        Integer p = record.partition();
        if (p != null) {
            if (p >= n) {
                throw new RafkaException(Status.Code.INVALID_ARGUMENT, "partition " + p
                        + " of topic " + name + " must be below its partition count " + n);
            }
            return p;
        }
        if (record.key() != null) {
            return PartitionHash.partitionFor(record.key(), n);
        }
        return sticky.get() % n;
    }

    PartitionProducer partition(int p) {
        return partitions[p];
    }

    PartitionProducer[] partitions() {
        return partitions;
    }

    /** Moves the sticky partition on, round-robin, when its batch was sealed. */
    void onBatchSealed(int partition) {
        sticky.compareAndSet(partition, (partition + 1) % partitions.length);
    }

    /** Adds pipelines for partitions added since; a lower count is ignored (never shrinks). */
    synchronized void updatePartitionCount(int count) {
        PartitionProducer[] old = partitions;
        if (count <= old.length) {
            return;
        }
        PartitionProducer[] grown = Arrays.copyOf(old, count);
        for (int p = old.length; p < count; p++) {
            int partition = p;
            grown[p] = new PartitionProducer(engine, name, p, () -> onBatchSealed(partition));
        }
        partitions = grown;
    }
}
