package io.rafka.storage.scylla.internal;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.rafka.record.RecordBatch;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.scylla.ScyllaConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of one partition in the {@code batches} table (see {@link Schema}): one row per
 * appended batch, in CQL partitions (buckets) of {@code bucketSpan} offsets each, written with
 * TTL = retention.
 *
 * <p>Guarantees beyond {@link PartitionLog}:
 * <ul>
 *   <li>An append completes (APPENDED and DURABLE alike) after its row was written at the write
 *       consistency level, and only after every earlier append completed. The end offset moves
 *       only over acknowledged rows, in offset order.</li>
 *   <li>An append whose write failed, and every append queued or in flight behind it, fails with
 *       {@link StorageUnavailableException}. Before the next write the log deletes whatever those
 *       failed writes may have stored at or beyond the end offset (writes and deletes carry
 *       timestamps from one {@link MicrosClock}, so the delete shadows a late-landing row) and
 *       offsets continue from the end offset: no hole, no offset acknowledged twice.</li>
 *   <li>Readers see rows below the published end offset only, so never a row that is in flight
 *       or was left by a failed append.</li>
 *   <li>The end offset survives restarts in storage alone: each write group also sets the
 *       partition's {@code end_offset} (no TTL) in the {@code partitions} table, so even a log
 *       whose rows have all expired reopens at its old end.</li>
 * </ul>
 *
 * <p>Threading: appends queue per partition; the queue is pumped under this object's monitor,
 * which only assigns offsets, stamps batches and hands statements to the driver (non-blocking).
 * Driver callbacks settle writes under the same monitor. User futures are completed outside the
 * monitor, by one thread at a time, in append order. Reads and lookups take no lock.
 */
public final class ScyllaPartitionLog implements PartitionLog {
    private static final Logger log = LoggerFactory.getLogger(ScyllaPartitionLog.class);

    /** The largest batch one row may hold; ScyllaDB and Cassandra refuse mutations over 16 MiB by default. */
    public static final int MAX_BATCH_BYTES = 8 * 1024 * 1024;
    /** CQL's largest TTL (20 years). */
    public static final long MAX_TTL_SECONDS = 630_720_000L;
    /** The bucket index row lives this much longer than the rows it describes. */
    private static final int BUCKET_INDEX_TTL_MARGIN_SECONDS = 60;
    private static final int MAX_GROUP_BATCHES = 256;
    private static final int TIME_SCAN_PAGE = 1000;

    private enum Mode {
        /** Writes flow. */
        READY,
        /** A write failed: nothing new is sent; in-flight writes settle, then the queue fails. */
        FAILING,
        /** Idle after a failure: the next append first cleans up [end, next offset). */
        BROKEN,
        /** The clean-up after a failure is in flight. */
        RECOVERING
    }

    private record AppendOp(ByteBuffer batch, int writerEpoch, int size, int recordCount, long maxTimestamp,
                            CompletableFuture<Appended> future) {
    }

    /** One CQL write group: consecutive batches in one bucket. */
    private static final class Write {
        final List<AppendOp> ops;
        final long baseOffset;
        final long endOffset;
        final long[] bases;
        boolean settled;
        Throwable error;

        Write(List<AppendOp> ops, long baseOffset, long endOffset, long[] bases) {
            this.ops = ops;
            this.baseOffset = baseOffset;
            this.endOffset = endOffset;
            this.bases = bases;
        }
    }

    /** What the partition's state in storage says at open. */
    record Stored(long span, long headBucket, long endMarker, long startBucket) {
    }

    private final PartitionId id;
    private final String topic;
    private final int partition;
    private final Statements st;
    private final MicrosClock clock;
    private final ScyllaConfig engineConfig;
    private final Consumer<ScyllaPartitionLog> onClose;
    private final long span;
    private final int ttlSeconds;
    private final int bucketIndexTtlSeconds;

    private volatile long endOffset;
    private volatile long startOffset;
    private volatile int averageBatchBytes = 16 * 1024;
    private volatile boolean closed;

    // Guarded by this.
    private final ArrayDeque<AppendOp> pending = new ArrayDeque<>();
    private final ArrayDeque<Write> inflight = new ArrayDeque<>();
    private long nextOffset;
    private long headBucket;
    private long maxTimestampBucket = -1;
    private long bucketMaxTimestamp = Long.MIN_VALUE;
    private Mode mode = Mode.READY;
    private boolean rolling;
    private boolean pumping;
    private long failedFrom = Long.MAX_VALUE;
    private RuntimeException failure;
    private CompletableFuture<Void> idle;

    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean completing = new AtomicBoolean();

    private ScyllaPartitionLog(PartitionId id, Statements st, MicrosClock clock, ScyllaConfig engineConfig,
                               long span, int ttlSeconds, long start, long end, long headBucket,
                               long bucketMaxTimestamp, Consumer<ScyllaPartitionLog> onClose) {
        this.id = id;
        this.topic = id.topic();
        this.partition = id.partition();
        this.st = st;
        this.clock = clock;
        this.engineConfig = engineConfig;
        this.span = span;
        this.ttlSeconds = ttlSeconds;
        this.bucketIndexTtlSeconds = ttlSeconds == 0 ? 0 : ttlSeconds + BUCKET_INDEX_TTL_MARGIN_SECONDS;
        this.startOffset = start;
        this.endOffset = end;
        this.nextOffset = end;
        this.headBucket = headBucket;
        this.maxTimestampBucket = bucketOf(end);
        this.bucketMaxTimestamp = bucketMaxTimestamp;
        this.onClose = onClose;
    }

    /** The TTL of a partition's rows: its retention, rounded up to whole seconds; 0 = none. */
    public static int ttlSeconds(LogConfig config) {
        if (config.retentionMs() < 0) {
            return 0;
        }
        long seconds = (config.retentionMs() + 999) / 1000;
        if (seconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("retention.ms " + config.retentionMs() + " exceeds the largest CQL TTL, "
                    + MAX_TTL_SECONDS + " s (20 years); use -1 to keep data forever");
        }
        return (int) seconds;
    }

    // ------------------------------------------------------------------------------ open and recovery

    /**
     * Opens a partition's log: reads its state, or creates it; recovers the end offset from
     * storage, removes rows an unacknowledged write left at or beyond it, and finds the first
     * retained offset.
     */
    public static CompletionStage<ScyllaPartitionLog> open(PartitionId id, LogConfig config, ScyllaConfig engineConfig,
                                                          Statements st, MicrosClock clock,
                                                          Consumer<ScyllaPartitionLog> onClose) {
        int ttl;
        try {
            ttl = ttlSeconds(config);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return readState(id, st).thenCompose(stored -> {
            if (stored.isEmpty()) {
                long span = engineConfig.bucketOffsets();
                return st.session.executeAsync(st.writing(st.initPartition.bind(span, 0L, 0L, 0L, id.topic(), id.partition()))
                                .setQueryTimestamp(clock.next()))
                        .thenApply(rs -> new ScyllaPartitionLog(id, st, clock, engineConfig, span, ttl, 0, 0, 0,
                                Long.MIN_VALUE, onClose));
            }
            return recover(id, stored.get(), engineConfig, st, clock, ttl, onClose);
        }).exceptionally(e -> {
            throw Failures.toStorage("opening " + id, e);
        });
    }

    private static CompletionStage<Optional<Stored>> readState(PartitionId id, Statements st) {
        return st.session.executeAsync(st.reading(st.selectState.bind(id.topic(), id.partition()))).thenApply(rs -> {
            Row row = rs.one();
            if (row == null || row.isNull("bucket_span")) {
                return Optional.empty();
            }
            return Optional.of(new Stored(row.getLong("bucket_span"), longOr(row, "head_bucket", 0),
                    longOr(row, "end_offset", 0), longOr(row, "start_bucket", 0)));
        });
    }

    private static long longOr(Row row, String column, long fallback) {
        return row.isNull(column) ? fallback : row.getLong(column);
    }

    private static CompletionStage<ScyllaPartitionLog> recover(PartitionId id, Stored stored, ScyllaConfig engineConfig,
                                                               Statements st, MicrosClock clock, int ttl,
                                                               Consumer<ScyllaPartitionLog> onClose) {
        long span = stored.span();
        long marker = stored.endMarker();
        CompletionStage<Long> end;
        if (marker == 0) {
            end = CompletableFuture.completedFuture(0L);
        } else {
            // The last row below the marker: normally it ends exactly at the marker. If it ends
            // before, the marker's write landed and its rows did not (a crash mid-append): the end
            // is where the rows end. No row at all: they expired, the marker is the end.
            end = st.session.executeAsync(st.reading(st.lastRowBefore.bind(id.topic(), id.partition(),
                    Math.floorDiv(marker - 1, span), marker))).thenApply(rs -> {
                        Row row = rs.one();
                        if (row != null && row.getLong("last_offset") + 1 < marker) {
                            log.warn("{}: rows end at {} but the end marker says {}; resuming at {}", id,
                                    row.getLong("last_offset") + 1, marker, row.getLong("last_offset") + 1);
                            return row.getLong("last_offset") + 1;
                        }
                        return marker;
                    });
        }
        return end.thenCompose(e -> {
            long firstBucket = Math.floorDiv(e, span);
            long lastBucket = Math.max(stored.headBucket(), firstBucket);
            return leftoversExist(id, st, span, e, firstBucket, lastBucket).thenCompose(leftovers -> {
                if (!leftovers && e == marker) {
                    return CompletableFuture.completedFuture(null);
                }
                log.info("{}: removing rows of unacknowledged appends at or beyond offset {} (buckets {}..{})", id, e,
                        firstBucket, lastBucket);
                return cleanUp(id, st, clock, span, e, lastBucket);
            }).thenCompose(v -> bucketIndex(id, st, Math.min(stored.startBucket(), firstBucket), lastBucket))
                    .thenCompose(index -> firstRetained(id, st, span, stored.startBucket(), e, index).thenApply(start -> {
                        long head = stored.headBucket();
                        Long maxTs = index.get(firstBucket);
                        ScyllaPartitionLog opened = new ScyllaPartitionLog(id, st, clock, engineConfig, span, ttl, start, e,
                                head, maxTs == null ? Long.MIN_VALUE : maxTs, onClose);
                        if (Math.floorDiv(start, span) > stored.startBucket()) {
                            opened.saveStartBucket(Math.floorDiv(start, span));
                        }
                        log.debug("Opened {}: offsets [{}, {}), bucket span {}, head bucket {}", id, start, e, span, head);
                        return opened;
                    }));
        });
    }

    /** True when any row sits at or beyond {@code end} in buckets {@code [firstBucket, lastBucket]}. */
    private static CompletionStage<Boolean> leftoversExist(PartitionId id, Statements st, long span, long end,
                                                           long firstBucket, long lastBucket) {
        CompletionStage<Boolean> found = CompletableFuture.completedFuture(false);
        for (long b = firstBucket; b <= lastBucket; b++) {
            long bucket = b;
            long from = b == firstBucket ? end : b * span;
            found = found.thenCompose(f -> f ? CompletableFuture.completedFuture(true)
                    : st.session.executeAsync(st.reading(st.anyRowFrom.bind(id.topic(), id.partition(), bucket, from)))
                            .thenApply(rs -> rs.one() != null));
        }
        return found;
    }

    /**
     * Deletes every row at or beyond {@code end} up to {@code lastBucket} and sets the end marker
     * to {@code end}. The deletes are newer than any write the log issued before, so they also
     * shadow a failed write that reaches a replica only later.
     */
    private static CompletionStage<Void> cleanUp(PartitionId id, Statements st, MicrosClock clock, long span, long end,
                                                 long lastBucket) {
        long ts = clock.next();
        long first = Math.floorDiv(end, span);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        writes.add(st.session.executeAsync(st.writing(st.deleteFrom.bind(id.topic(), id.partition(), first, end))
                .setQueryTimestamp(ts)).toCompletableFuture());
        for (long b = first + 1; b <= lastBucket; b++) {
            writes.add(st.session.executeAsync(st.writing(st.deleteBucket.bind(id.topic(), id.partition(), b))
                    .setQueryTimestamp(ts)).toCompletableFuture());
        }
        writes.add(st.session.executeAsync(st.writing(st.updateEnd.bind(end, id.topic(), id.partition()))
                .setQueryTimestamp(ts)).toCompletableFuture());
        return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]));
    }

    /** Bucket number to max timestamp, from the live bucket index rows in {@code [from, to]}. */
    private static CompletionStage<TreeMap<Long, Long>> bucketIndex(PartitionId id, Statements st, long from, long to) {
        TreeMap<Long, Long> index = new TreeMap<>();
        return st.session.executeAsync(st.reading(st.selectBuckets.bind(id.topic(), id.partition(), from, to))
                        .setPageSize(5000))
                .thenCompose(rs -> collectIndex(rs, index));
    }

    private static CompletionStage<TreeMap<Long, Long>> collectIndex(AsyncResultSet rs, TreeMap<Long, Long> index) {
        for (Row row : rs.currentPage()) {
            if (!row.isNull("bucket")) {
                index.put(row.getLong("bucket"), row.isNull("max_timestamp") ? Long.MAX_VALUE : row.getLong("max_timestamp"));
            }
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> collectIndex(next, index));
        }
        return CompletableFuture.completedFuture(index);
    }

    /**
     * The base offset of the first live row below {@code end}, looking at {@code fromBucket} and
     * the indexed buckets after it; {@code end} when every row has expired.
     */
    private static CompletionStage<Long> firstRetained(PartitionId id, Statements st, long span, long fromBucket,
                                                       long end, TreeMap<Long, Long> index) {
        if (end == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        List<Long> candidates = new ArrayList<>();
        candidates.add(fromBucket);
        long lastBucket = Math.floorDiv(end - 1, span);
        if (lastBucket > fromBucket) {
            candidates.addAll(index.subMap(fromBucket, false, lastBucket, true).keySet());
        }
        return firstRowIn(id, st, candidates, 0, end);
    }

    private static CompletionStage<Long> firstRowIn(PartitionId id, Statements st, List<Long> buckets, int i, long end) {
        if (i == buckets.size()) {
            return CompletableFuture.completedFuture(end);
        }
        return st.session.executeAsync(st.reading(st.firstRow.bind(id.topic(), id.partition(), buckets.get(i))))
                .thenCompose(rs -> {
                    Row row = rs.one();
                    if (row != null && row.getLong("base_offset") < end) {
                        return CompletableFuture.completedFuture(row.getLong("base_offset"));
                    }
                    return firstRowIn(id, st, buckets, i + 1, end);
                });
    }

    private void saveStartBucket(long bucket) {
        st.session.executeAsync(st.writing(st.updateStart.bind(bucket, topic, partition)).setQueryTimestamp(clock.next()))
                .whenComplete((rs, e) -> {
                    if (e != null) {
                        log.debug("Could not record start bucket {} of {}; the next open scans a little more", bucket, id, e);
                    }
                });
    }

    // ------------------------------------------------------------------------------ accessors

    @Override
    public PartitionId id() {
        return id;
    }

    @Override
    public long logStartOffset() {
        return startOffset;
    }

    @Override
    public long logEndOffset() {
        return endOffset;
    }

    /** Offsets per bucket of this partition (fixed when the partition was created). */
    public long bucketSpan() {
        return span;
    }

    /** The TTL of this partition's rows in seconds; 0 = none. */
    public int ttlSeconds() {
        return ttlSeconds;
    }

    public boolean isClosed() {
        return closed;
    }

    long bucketOf(long offset) {
        return Math.floorDiv(offset, span);
    }

    // ------------------------------------------------------------------------------ appends

    @Override
    public CompletionStage<Appended> append(ByteBuffer batch, int writerEpoch, Durability durability) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(durability, "durability");
        ByteBuffer b = (batch.isReadOnly() ? copy(batch) : batch.slice()).order(ByteOrder.BIG_ENDIAN);
        int size = b.remaining();
        if (size < RecordBatch.HEADER_SIZE || b.getInt(RecordBatch.LENGTH_OFFSET) != size - RecordBatch.LOG_OVERHEAD) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not one whole batch: " + size
                    + " bytes, length field " + (size >= RecordBatch.LOG_OVERHEAD ? b.getInt(RecordBatch.LENGTH_OFFSET) : -1)));
        }
        int count = b.getInt(RecordBatch.RECORD_COUNT_OFFSET);
        if (count <= 0) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("batch record count must be positive, was " + count));
        }
        if (size > MAX_BATCH_BYTES) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("batch of " + size
                    + " bytes exceeds the " + MAX_BATCH_BYTES + " bytes one CQL row of " + id + " may hold"));
        }
        CompletableFuture<Appended> future = new CompletableFuture<>();
        AppendOp op = new AppendOp(b, writerEpoch, size, count, b.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET), future);
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(closedException());
            }
            pending.add(op);
            if (mode == Mode.BROKEN) {
                cleanUpAfterFailure();
            } else {
                pump();
            }
        }
        drainCompletions();
        return future;
    }

    private static ByteBuffer copy(ByteBuffer readOnly) {
        ByteBuffer c = ByteBuffer.allocate(readOnly.remaining());
        c.put(readOnly.duplicate()).flip();
        return c;
    }

    /** Sends queued appends as write groups while the mode and the in-flight limit allow. */
    private void pump() {
        assert Thread.holdsLock(this);
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (mode == Mode.READY && !rolling && !pending.isEmpty()
                    && inflight.size() < engineConfig.maxInFlightWrites()) {
                long bucket = bucketOf(nextOffset);
                if (bucket > headBucket) {
                    // The roll's callback may already have run, inline, when it returns: the
                    // loop condition decides whether to go on.
                    roll(bucket);
                    continue;
                }
                sendGroup(bucket);
            }
        } finally {
            pumping = false;
        }
    }

    /**
     * Records a new highest bucket before any row goes there, so that recovery knows how far rows
     * may reach without scanning.
     */
    private void roll(long bucket) {
        rolling = true;
        long ts = clock.next();
        CompletionStage<AsyncResultSet> write;
        try {
            write = st.session.executeAsync(st.writing(st.updateHead.bind(bucket, topic, partition)).setQueryTimestamp(ts));
        } catch (RuntimeException e) {
            write = CompletableFuture.failedFuture(e);
        }
        write.whenComplete((rs, e) -> guarded(() -> onRolled(bucket, e)));
    }

    private void onRolled(long bucket, Throwable error) {
        synchronized (this) {
            rolling = false;
            if (error == null) {
                headBucket = Math.max(headBucket, bucket);
            } else {
                fail(nextOffset, error);
            }
            afterChange();
        }
        drainCompletions();
    }

    private void sendGroup(long bucket) {
        List<AppendOp> group = new ArrayList<>();
        long groupBytes = 0;
        long base = nextOffset;
        long next = base;
        long groupMaxTs = Long.MIN_VALUE;
        while (!pending.isEmpty()) {
            AppendOp op = pending.peek();
            if (!group.isEmpty() && (groupBytes + op.size() > engineConfig.writeGroupBytes()
                    || group.size() >= MAX_GROUP_BATCHES || bucketOf(next) != bucket)) {
                break;
            }
            pending.poll();
            group.add(op);
            groupBytes += op.size();
            next += op.recordCount();
            groupMaxTs = Math.max(groupMaxTs, op.maxTimestamp());
        }
        long[] bases = new long[group.size()];
        List<BatchableStatement<?>> rows = new ArrayList<>(group.size());
        long offset = base;
        for (int i = 0; i < group.size(); i++) {
            AppendOp op = group.get(i);
            ByteBuffer b = op.batch();
            b.putLong(RecordBatch.BASE_OFFSET_OFFSET, offset);
            b.putInt(RecordBatch.WRITER_EPOCH_OFFSET, op.writerEpoch());
            bases[i] = offset;
            rows.add(st.insertBatch.bind(topic, partition, bucket, offset, offset + op.recordCount() - 1,
                    op.maxTimestamp(), op.writerEpoch(), b.duplicate(), ttlSeconds));
            offset += op.recordCount();
            averageBatchBytes = (averageBatchBytes * 7 + op.size()) / 8;
        }
        if (maxTimestampBucket != bucket) {
            maxTimestampBucket = bucket;
            bucketMaxTimestamp = Long.MIN_VALUE;
        }
        bucketMaxTimestamp = Math.max(bucketMaxTimestamp, groupMaxTs);
        long ts = clock.next();
        Statement<?> rowWrite = rows.size() == 1 ? (Statement<?>) rows.get(0)
                : BatchStatement.newInstance(DefaultBatchType.UNLOGGED, rows);
        rowWrite = rowWrite.setConsistencyLevel(st.write).setIdempotent(true).setQueryTimestamp(ts);
        // The end marker (no TTL) and the bucket's max timestamp (TTL) share the partition of the
        // partitions table: one mutation, applied atomically.
        Statement<?> stateWrite = BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
                        st.updateEnd.bind(next, topic, partition),
                        st.updateBucket.bind(bucketIndexTtlSeconds, bucketMaxTimestamp, topic, partition, bucket))
                .setConsistencyLevel(st.write).setIdempotent(true).setQueryTimestamp(ts);
        Write w = new Write(group, base, next, bases);
        inflight.add(w);
        nextOffset = next;
        CompletableFuture<?> a;
        CompletableFuture<?> s;
        try {
            a = st.session.executeAsync(rowWrite).toCompletableFuture();
            s = st.session.executeAsync(stateWrite).toCompletableFuture();
        } catch (RuntimeException e) {
            a = CompletableFuture.failedFuture(e);
            s = a;
        }
        CompletableFuture.allOf(a, s).whenComplete((v, e) -> guarded(() -> onSettled(w, e)));
    }

    private void onSettled(Write w, Throwable error) {
        synchronized (this) {
            w.settled = true;
            w.error = error;
            if (error != null) {
                fail(w.baseOffset, error);
            }
            while (!inflight.isEmpty() && inflight.peekFirst().settled) {
                Write head = inflight.pollFirst();
                if (head.error == null && head.endOffset <= failedFrom) {
                    publish(head);
                } else {
                    RuntimeException cause = failure != null ? failure
                            : Failures.toStorage("append to " + id + " at offset " + head.baseOffset + " failed", head.error);
                    head.ops.forEach(op -> completions.add(() -> op.future().completeExceptionally(cause)));
                }
            }
            afterChange();
        }
        drainCompletions();
    }

    private void publish(Write w) {
        endOffset = w.endOffset;
        long now = System.currentTimeMillis();
        for (int i = 0; i < w.ops.size(); i++) {
            AppendOp op = w.ops.get(i);
            Appended appended = new Appended(w.bases[i], op.recordCount(), w.endOffset, now);
            completions.add(() -> op.future().complete(appended));
        }
    }

    /** Marks the log failed from {@code offset} on: nothing new is sent until it is cleaned up. */
    private void fail(long offset, Throwable error) {
        failedFrom = Math.min(failedFrom, offset);
        if (failure == null) {
            failure = Failures.toStorage("append to " + id + " at offset " + offset + " failed; appends queued behind it"
                    + " fail too and the next append retries", error);
            log.warn("Append to {} at offset {} failed ({}); failing the appends behind it", id, offset,
                    Failures.unwrap(error).toString());
        }
        if (mode == Mode.READY) {
            mode = Mode.FAILING;
        }
    }

    /** Moves the state machine on after a write settled, a roll finished or a recovery ended. */
    private void afterChange() {
        if (mode == Mode.FAILING && inflight.isEmpty() && !rolling) {
            RuntimeException cause = failure;
            for (AppendOp op = pending.poll(); op != null; op = pending.poll()) {
                AppendOp failed = op;
                completions.add(() -> failed.future().completeExceptionally(cause));
            }
            mode = Mode.BROKEN;
        }
        if (mode == Mode.READY) {
            pump();
        }
        if (idle != null && pending.isEmpty() && inflight.isEmpty() && !rolling && mode != Mode.RECOVERING) {
            CompletableFuture<Void> i = idle;
            completions.add(() -> i.complete(null));
        }
    }

    /**
     * Cleans up after failed appends, before the next write: deletes whatever they may have
     * stored in {@code [end, nextOffset)} and resets the end marker, then lets writes flow again
     * from the end offset.
     */
    private void cleanUpAfterFailure() {
        assert Thread.holdsLock(this);
        long end = endOffset;
        if (nextOffset == end) {
            resume(end);
            return;
        }
        mode = Mode.RECOVERING;
        long lastBucket = bucketOf(nextOffset - 1);
        CompletionStage<Void> cleanUp;
        try {
            cleanUp = cleanUp(id, st, clock, span, end, lastBucket);
        } catch (RuntimeException e) {
            cleanUp = CompletableFuture.failedFuture(e);
        }
        cleanUp.whenComplete((v, e) -> guarded(() -> {
            synchronized (this) {
                if (e == null) {
                    log.info("{}: cleaned up offsets [{}, {}) of failed appends; appending again from {}", id, end,
                            nextOffset, end);
                    resume(end);
                } else {
                    mode = Mode.BROKEN;
                    RuntimeException cause = Failures.toStorage("storage of " + id + " is still unavailable: cleaning up"
                            + " after a failed append did not succeed", e);
                    for (AppendOp op = pending.poll(); op != null; op = pending.poll()) {
                        AppendOp failed = op;
                        completions.add(() -> failed.future().completeExceptionally(cause));
                    }
                    afterChange();
                }
            }
            drainCompletions();
        }));
    }

    /** Runs a driver callback; a bug in it is logged instead of vanishing into the driver's future. */
    private void guarded(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException | Error e) {
            log.error("Unexpected failure in a write callback of {}: {}", id, this, e);
            throw e;
        }
    }

    private void resume(long end) {
        nextOffset = end;
        failedFrom = Long.MAX_VALUE;
        failure = null;
        mode = Mode.READY;
        afterChange();
    }

    /** Completes user futures in the order they were queued, one thread at a time, outside the monitor. */
    private void drainCompletions() {
        if (Thread.holdsLock(this)) {
            // A driver callback that ran inline, inside the monitor: the caller drains on its way out.
            return;
        }
        while (!completions.isEmpty()) {
            if (!completing.compareAndSet(false, true)) {
                return;
            }
            try {
                for (Runnable r = completions.poll(); r != null; r = completions.poll()) {
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        log.error("A completion callback of {} failed", id, e);
                    }
                }
            } finally {
                completing.set(false);
            }
        }
    }

    // ------------------------------------------------------------------------------ reads

    /** State of one read: what it has collected and where it goes on. */
    private final class Read {
        final long offset;
        final int maxBytes;
        final long start;
        final long end;
        final int pageSize;
        final List<ByteBuffer> out = new ArrayList<>();
        int bytes;
        long expected;
        boolean full;

        Read(long offset, int maxBytes, long start, long end) {
            this.offset = offset;
            this.maxBytes = maxBytes;
            this.start = start;
            this.end = end;
            this.expected = Long.MIN_VALUE;
            this.pageSize = (int) Math.max(2, Math.min(1000, maxBytes / Math.max(1, averageBatchBytes) + 2));
        }

        /**
         * Takes a row if it continues the slice: rows that overlap what was taken are skipped
         * (a stale row can only be left over from a failed append), and the slice stops before
         * a row that would pass maxBytes, unless the slice is still empty.
         */
        void offer(long base, long last, ByteBuffer data) {
            if (full || base < expected || base >= end) {
                return;
            }
            int size = data.remaining();
            if (!out.isEmpty() && bytes + size > maxBytes) {
                full = true;
                return;
            }
            out.add(data);
            bytes += size;
            expected = last + 1;
            if (bytes >= maxBytes || expected >= end) {
                full = true;
            }
        }

        LogSlice slice() {
            ByteBuffer all = ByteBuffer.allocate(bytes);
            out.forEach(b -> all.put(b.duplicate()));
            return new LogSlice(all.flip(), start, end);
        }
    }

    @Override
    public CompletionStage<LogSlice> read(long offset, int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        long start = startOffset;
        long end = endOffset;
        if (offset < start || offset > end) {
            return CompletableFuture.failedFuture(new OffsetOutOfRangeException(id, offset, start, end));
        }
        if (offset == end) {
            return CompletableFuture.completedFuture(new LogSlice(ByteBuffer.allocate(0), start, end));
        }
        Read r = new Read(offset, maxBytes, start, end);
        long bucket = bucketOf(offset);
        CompletionStage<LogSlice> result = query(st.rowsFrom.bind(topic, partition, bucket, offset, end), r.pageSize)
                .thenCompose(rs -> {
                    // Pages are consumed as they are iterated: take the first row by hand.
                    Row first = rs.one();
                    if (first != null && first.getLong("base_offset") == offset) {
                        offer(r, first);
                        return collect(r, rs, bucket);
                    }
                    // The offset is inside a batch (or its batch expired): find the batch that holds it.
                    return containing(r, bucket, Math.max(0, bucketOf(start))).thenCompose(found -> {
                        if (found.isPresent()) {
                            offer(r, found.get());
                            offer(r, first);
                            return collect(r, rs, bucket);
                        }
                        return refreshStart().thenCompose(newStart -> {
                            if (offset < newStart) {
                                throw new OffsetOutOfRangeException(id, offset, newStart, end);
                            }
                            offer(r, first);
                            return collect(r, rs, bucket);
                        });
                    });
                });
        return result.exceptionally(e -> {
            throw Failures.toStorage("read of " + id + " at " + offset + " failed", e);
        });
    }

    private static void offer(Read r, Row row) {
        if (row != null) {
            r.offer(row.getLong("base_offset"), row.getLong("last_offset"), row.getByteBuffer("data"));
        }
    }

    /** The row holding {@code r.offset}: the last row at or below it, in its bucket or an earlier one. */
    private CompletionStage<Optional<Row>> containing(Read r, long bucket, long lowestBucket) {
        return query(st.containing.bind(topic, partition, bucket, r.offset), 1).thenCompose(rs -> {
            Row row = rs.one();
            if (row != null) {
                return CompletableFuture.completedFuture(row.getLong("last_offset") >= r.offset
                        ? Optional.of(row) : Optional.<Row>empty());
            }
            if (bucket <= lowestBucket) {
                return CompletableFuture.completedFuture(Optional.<Row>empty());
            }
            return containing(r, bucket - 1, lowestBucket);
        });
    }

    /** Takes rows from {@code rs} and its next pages, then from the next buckets, until the slice is full. */
    private CompletionStage<LogSlice> collect(Read r, AsyncResultSet rs, long bucket) {
        for (Row row : rs.currentPage()) {
            offer(r, row);
            if (r.full) {
                return CompletableFuture.completedFuture(r.slice());
            }
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> collect(r, next, bucket));
        }
        long nextBucket = bucket + 1;
        if (r.full || r.expected >= r.end || nextBucket > bucketOf(r.end - 1)) {
            return CompletableFuture.completedFuture(r.slice());
        }
        return query(st.rowsFrom.bind(topic, partition, nextBucket, Math.max(r.expected, nextBucket * span), r.end),
                r.pageSize).thenCompose(next -> collect(r, next, nextBucket));
    }

    private CompletionStage<AsyncResultSet> query(com.datastax.oss.driver.api.core.cql.BoundStatement s, int pageSize) {
        return st.session.executeAsync(st.reading(s).setPageSize(pageSize));
    }

    // ------------------------------------------------------------------------------ time lookup

    @Override
    public CompletionStage<Optional<TimestampOffset>> offsetForTimestamp(long timestamp) {
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        long start = startOffset;
        long end = endOffset;
        if (start >= end) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        long first = bucketOf(start);
        long last = bucketOf(end - 1);
        return bucketIndex(id, st, first, last).thenCompose(index -> {
            // Buckets whose largest timestamp is below the one asked for cannot hold the answer.
            // The first and last bucket are scanned even without an index row (its write may
            // have failed with an append that was retried; the rows are the truth).
            java.util.TreeSet<Long> buckets = new java.util.TreeSet<>();
            index.forEach((b, max) -> {
                if (max >= timestamp) {
                    buckets.add(b);
                }
            });
            if (!index.containsKey(first)) {
                buckets.add(first);
            }
            if (!index.containsKey(last)) {
                buckets.add(last);
            }
            List<Long> candidates = new ArrayList<>(buckets);
            return scanForTimestamp(candidates, 0, timestamp, start, end);
        }).exceptionally(e -> {
            throw Failures.toStorage("timestamp lookup in " + id + " failed", e);
        });
    }

    private CompletionStage<Optional<TimestampOffset>> scanForTimestamp(List<Long> buckets, int i, long timestamp,
                                                                        long start, long end) {
        if (i == buckets.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return query(st.timeScan.bind(topic, partition, buckets.get(i), end), TIME_SCAN_PAGE)
                .thenCompose(rs -> scanPage(rs, timestamp, start))
                .thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found)
                        : scanForTimestamp(buckets, i + 1, timestamp, start, end));
    }

    private CompletionStage<Optional<TimestampOffset>> scanPage(AsyncResultSet rs, long timestamp, long start) {
        for (Row row : rs.currentPage()) {
            if (row.getLong("last_offset") >= start && row.getLong("max_timestamp") >= timestamp) {
                return CompletableFuture.completedFuture(Optional.of(new TimestampOffset(
                        Math.max(row.getLong("base_offset"), start), row.getLong("max_timestamp"))));
            }
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> scanPage(next, timestamp, start));
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    // ------------------------------------------------------------------------------ retention, flush, close

    /**
     * Rows expire by TTL on their own; this only moves the log start offset up to the first row
     * still alive (and records its bucket, so that the next open starts looking there).
     */
    @Override
    public CompletionStage<Long> applyRetention(long nowMs) {
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        return refreshStart().exceptionally(e -> {
            throw Failures.toStorage("retention of " + id + " failed", e);
        });
    }

    /** Finds the first live row at or after the current start offset and moves the start there. */
    private CompletionStage<Long> refreshStart() {
        long start = startOffset;
        long end = endOffset;
        if (start >= end) {
            return CompletableFuture.completedFuture(start);
        }
        long fromBucket = bucketOf(start);
        return bucketIndex(id, st, fromBucket, bucketOf(end - 1))
                .thenCompose(index -> firstRetained(id, st, span, fromBucket, end, index))
                .thenApply(found -> {
                    long moved;
                    synchronized (this) {
                        moved = Math.max(startOffset, Math.min(found, endOffset));
                        if (moved > startOffset) {
                            log.debug("{}: log start moves from {} to {} (rows expired)", id, startOffset, moved);
                            startOffset = moved;
                        }
                    }
                    if (bucketOf(moved) > fromBucket) {
                        saveStartBucket(bucketOf(moved));
                    }
                    return moved;
                });
    }

    /** Every completed append is already at the write consistency level: nothing to do. */
    @Override
    public CompletionStage<Void> flush() {
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Lets queued and in-flight appends finish (up to twice the request timeout, plus the time to
     * clean up after a failure), then fails what is left. Blocking.
     */
    @Override
    public void close() {
        CompletableFuture<Void> done;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            idle = new CompletableFuture<>();
            done = idle;
            if (mode == Mode.BROKEN) {
                for (AppendOp op = pending.poll(); op != null; op = pending.poll()) {
                    AppendOp failed = op;
                    completions.add(() -> failed.future().completeExceptionally(closedException()));
                }
                // Remove what failed appends may have stored now, rather than leave it for the
                // next open to find (which could only tell it from acknowledged rows by its marker).
                cleanUpAfterFailure();
            }
            afterChange();
        }
        drainCompletions();
        try {
            done.get(engineConfig.requestTimeout().toMillis() * 3 + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Closing {} with appends still in flight after {}; they fail", id, engineConfig.requestTimeout().multipliedBy(3));
        } catch (ExecutionException e) {
            log.warn("Closing {}", id, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            IllegalStateException cause = closedException();
            for (AppendOp op = pending.poll(); op != null; op = pending.poll()) {
                AppendOp failed = op;
                completions.add(() -> failed.future().completeExceptionally(cause));
            }
        }
        drainCompletions();
        onClose.accept(this);
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("log " + id + " is closed");
    }

    @Override
    public String toString() {
        synchronized (this) {
            return "ScyllaPartitionLog[" + id + ", offsets " + startOffset + ".." + endOffset + ", next " + nextOffset
                    + ", bucket span " + span + ", head bucket " + headBucket + ", " + mode + (rolling ? " rolling" : "")
                    + ", " + pending.size() + " queued, " + inflight.size() + " in flight]";
        }
    }
}
