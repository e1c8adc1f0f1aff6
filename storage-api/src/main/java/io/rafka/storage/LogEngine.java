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
    CompletionStage<PartitionLog> open(PartitionId id, LogConfig config);

    /** Deletes a partition's data. The log must have been closed. */
    CompletionStage<Void> delete(PartitionId id);

    /** Closes every open log. */
    @Override
    void close();
}
