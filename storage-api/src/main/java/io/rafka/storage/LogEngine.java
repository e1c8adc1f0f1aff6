package io.rafka.storage;

import java.util.concurrent.CompletionStage;

/**
 * A storage engine: opens, creates and deletes partition logs. One per node process.
 */
public interface LogEngine extends AutoCloseable {

    /** A short engine name for logs and metrics, e.g. {@code local} or {@code scylla}. */
    String name();

    /**
     * Opens the log of a partition, creating it empty if it does not exist, and recovering it
     * (torn tail cut off) if it does.
     */
    default CompletionStage<PartitionLog> open(PartitionId id, LogConfig config) {
        return open(id, config, WriterLease.SOLE_WRITER);
    }

    /**
     * Opens the log for the writer holding {@code lease}. Every append through the returned log
     * is stamped with the lease's epoch (the {@code writerEpoch} argument of
     * {@link PartitionLog#append} must equal it), no write is sent once the lease is invalid, and
     * an append is acknowledged only while it is valid; such appends fail with
     * {@link FencedException}. Opening with an epoch lower than one the partition was already
     * opened with fails with {@link FencedException}.
     */
    CompletionStage<PartitionLog> open(PartitionId id, LogConfig config, WriterLease lease);

    /** Deletes a partition's data. The log must have been closed. */
    CompletionStage<Void> delete(PartitionId id);

    /** Closes every open log. */
    @Override
    void close();
}
