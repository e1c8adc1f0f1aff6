package io.rafka.storage.scylla.internal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import io.rafka.storage.PartitionId;
import io.rafka.storage.scylla.ScyllaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Every statement of the log, prepared once per engine, and the consistency levels to bind them
 * with. Writes are idempotent (fixed values, client-side timestamps), so the driver may retry them.
 *
 * <p>Timestamps are always set on the statement ({@code setQueryTimestamp}, the protocol's
 * default timestamp), never with {@code USING TIMESTAMP} in the CQL text: ScyllaDB refuses
 * {@code USING TIMESTAMP} values more than 3 days ahead by default ({@code restrict_future_timestamp}),
 * which the epoch-dominant timestamps of fenced writers are (see {@link EpochClock}); the check
 * does not apply to protocol timestamps.
 */
public final class Statements {
    final CqlSession session;
    final ConsistencyLevel write;
    final ConsistencyLevel read;

    PreparedStatement insertBatch;
    PreparedStatement updateEnd;
    PreparedStatement updateEndAndMark;
    PreparedStatement openFenced;
    PreparedStatement updateMark;
    PreparedStatement updateBucket;
    PreparedStatement updateHead;
    PreparedStatement updateHeadAndMark;
    PreparedStatement updateStart;
    PreparedStatement initPartition;
    PreparedStatement selectState;
    PreparedStatement selectBuckets;
    PreparedStatement firstRow;
    PreparedStatement anyRowFrom;
    PreparedStatement lastRowBefore;
    PreparedStatement rowsFrom;
    PreparedStatement containing;
    PreparedStatement timeScan;
    PreparedStatement deleteFrom;
    PreparedStatement deleteBucket;
    PreparedStatement deleteState;

    private Statements(CqlSession session, ScyllaConfig config) {
        this.session = session;
        this.write = DefaultConsistencyLevel.valueOf(config.writeConsistency());
        this.read = DefaultConsistencyLevel.valueOf(config.readConsistency());
    }

    /** Prepares every statement. */
    public static CompletionStage<Statements> prepare(CqlSession session, ScyllaConfig config) {
        Statements s = new Statements(session, config);
        String b = config.keyspace() + "." + Schema.BATCHES;
        String p = config.keyspace() + "." + Schema.PARTITIONS;
        String batchKey = "topic = ? AND partition = ? AND bucket = ?";
        String partKey = "topic = ? AND partition = ?";
        List<CompletableFuture<Void>> all = new ArrayList<>();
        all.add(prep(session, "INSERT INTO " + b + " (topic, partition, bucket, base_offset, last_offset, max_timestamp,"
                + " writer_epoch, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?", ps -> s.insertBatch = ps));
        all.add(prep(session, "UPDATE " + p + " SET end_offset = ? WHERE " + partKey, ps -> s.updateEnd = ps));
        all.add(prep(session, "UPDATE " + p + " SET end_offset = ?, writer_clock = ? WHERE " + partKey,
                ps -> s.updateEndAndMark = ps));
        all.add(prep(session, "UPDATE " + p + " SET bucket_span = ?, head_bucket = ?, end_offset = ?, start_bucket = ?,"
                + " writer_clock = ?, epochs[?] = ? WHERE " + partKey, ps -> s.openFenced = ps));
        all.add(prep(session, "UPDATE " + p + " SET writer_clock = ? WHERE " + partKey, ps -> s.updateMark = ps));
        all.add(prep(session, "UPDATE " + p + " USING TTL ? SET max_timestamp = ? WHERE " + partKey + " AND bucket = ?",
                ps -> s.updateBucket = ps));
        all.add(prep(session, "UPDATE " + p + " SET head_bucket = ? WHERE " + partKey, ps -> s.updateHead = ps));
        all.add(prep(session, "UPDATE " + p + " SET head_bucket = ?, writer_clock = ? WHERE " + partKey,
                ps -> s.updateHeadAndMark = ps));
        all.add(prep(session, "UPDATE " + p + " SET start_bucket = ? WHERE " + partKey, ps -> s.updateStart = ps));
        all.add(prep(session, "UPDATE " + p + " SET bucket_span = ?, head_bucket = ?, end_offset = ?, start_bucket = ?"
                + " WHERE " + partKey, ps -> s.initPartition = ps));
        all.add(prep(session, "SELECT bucket_span, head_bucket, end_offset, start_bucket, epochs, writer_clock FROM " + p
                + " WHERE " + partKey + " LIMIT 1", ps -> s.selectState = ps));
        all.add(prep(session, "SELECT bucket, max_timestamp FROM " + p + " WHERE " + partKey + " AND bucket >= ?"
                + " AND bucket <= ?", ps -> s.selectBuckets = ps));
        // The row queries below that used to stop at the first row read on, page by page, until
        // a genuine one (see EpochHistory): a row of a fenced writer may come first.
        all.add(prep(session, "SELECT base_offset, last_offset, writer_epoch FROM " + b + " WHERE " + batchKey,
                ps -> s.firstRow = ps));
        all.add(prep(session, "SELECT base_offset FROM " + b + " WHERE " + batchKey + " AND base_offset >= ? LIMIT 1",
                ps -> s.anyRowFrom = ps));
        all.add(prep(session, "SELECT base_offset, last_offset, writer_epoch FROM " + b + " WHERE " + batchKey
                + " AND base_offset < ? ORDER BY base_offset DESC", ps -> s.lastRowBefore = ps));
        all.add(prep(session, "SELECT base_offset, last_offset, writer_epoch, data FROM " + b + " WHERE " + batchKey
                + " AND base_offset >= ? AND base_offset < ?", ps -> s.rowsFrom = ps));
        all.add(prep(session, "SELECT base_offset, last_offset, writer_epoch, data FROM " + b + " WHERE " + batchKey
                + " AND base_offset <= ? ORDER BY base_offset DESC", ps -> s.containing = ps));
        all.add(prep(session, "SELECT base_offset, last_offset, max_timestamp, writer_epoch FROM " + b + " WHERE "
                + batchKey + " AND base_offset < ?", ps -> s.timeScan = ps));
        all.add(prep(session, "DELETE FROM " + b + " WHERE " + batchKey + " AND base_offset >= ?", ps -> s.deleteFrom = ps));
        all.add(prep(session, "DELETE FROM " + b + " WHERE " + batchKey, ps -> s.deleteBucket = ps));
        all.add(prep(session, "DELETE FROM " + p + " WHERE " + partKey, ps -> s.deleteState = ps));
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(v -> s);
    }

    private static CompletableFuture<Void> prep(CqlSession session, String cql, java.util.function.Consumer<PreparedStatement> into) {
        return session.prepareAsync(cql).thenAccept(into).toCompletableFuture();
    }

    /** The partition's stored state (bucket span, head and start buckets, end marker). */
    public BoundStatement selectState(PartitionId id) {
        return reading(selectState.bind(id.topic(), id.partition()));
    }

    /** Deletes one bucket of a partition's rows (a partition-level delete). */
    public BoundStatement deleteBucket(PartitionId id, long bucket, long timestampMicros) {
        return writing(deleteBucket.bind(id.topic(), id.partition(), bucket)).setQueryTimestamp(timestampMicros);
    }

    /** Deletes a partition's state and bucket index. */
    public BoundStatement deleteState(PartitionId id, long timestampMicros) {
        return writing(deleteState.bind(id.topic(), id.partition())).setQueryTimestamp(timestampMicros);
    }

    /** Sets a partition's {@code writer_clock} (see {@link EpochClock}). */
    public BoundStatement updateMark(PartitionId id, long mark, long timestamp) {
        return writing(updateMark.bind(mark, id.topic(), id.partition())).setQueryTimestamp(timestamp);
    }

    BoundStatement writing(BoundStatement s) {
        return s.setConsistencyLevel(write).setIdempotent(true);
    }

    BoundStatement reading(BoundStatement s) {
        return s.setConsistencyLevel(read).setIdempotent(true);
    }
}
