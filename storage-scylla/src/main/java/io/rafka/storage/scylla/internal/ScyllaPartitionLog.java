package io.rafka.storage.scylla.internal;

import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.rafka.record.RecordBatch;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.WriterLease;
import io.rafka.storage.scylla.ScyllaConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
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
 * <p>Fencing, for a log opened under a {@link WriterLease} of epoch e >= 1 (the sole writer,
 * epoch 0, writes with {@link MicrosClock} timestamps and reads every row, as before):
 * <ul>
 *   <li>Every statement it writes carries an {@link EpochClock} timestamp of epoch e, so any write
 *       of a higher epoch wins against any of a lower one, whenever each lands.</li>
 *   <li>Opening reads the state; a recorded epoch above e fails the open with
 *       {@link FencedException}. Otherwise it writes, at its first timestamp and before the log
 *       is usable: {@code epochs[e]} = the recovered end, the state columns, and a delete of every
 *       row at or beyond the end from the end's bucket to {@value #CLEAN_UP_MARGIN_BUCKETS}
 *       buckets past the head bucket. A fenced writer's late writes therefore lose: rows and
 *       deletes to the state and to buckets the delete covers are shadowed, and rows elsewhere
 *       are not genuine (below). Why no older writer's row can be further out: a log writes rows
 *       into a bucket only after its {@code head_bucket} roll there was acknowledged and the
 *       lease checked valid afterwards, so the roll landed before the lease ran out, hence
 *       before the next owner read {@code head_bucket}; the margin is defence in depth.</li>
 *   <li>Reads accept a row only if it is genuine by the partition's {@link EpochHistory} (its
 *       {@code writer_epoch} is the epoch that owns its base offset) and lies on the chain of
 *       batches (it starts where the previous one ended); lookups that pick "the last row at or
 *       below an offset" read on past rows that are not genuine.</li>
 *   <li>The lease is checked when an append is called, before each write is sent (no write
 *       once it is invalid) and when a write group completes: a group completing after the
 *       lease ran out is not acknowledged but fails with {@link FencedException} (it may or may
 *       not be visible to the next owner, depending on whether it landed before that owner
 *       opened, exactly like a timed-out append). A fenced log stays fenced: every later append
 *       fails with {@link FencedException}. An open with a higher epoch in the same JVM fences
 *       the older log at once and waits for its writes in flight (see {@link OpenWriters}).</li>
 *   <li>{@code append}'s writer epoch must be e.</li>
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
    /** Buckets past the head bucket that an open with a fenced epoch also cleans up. */
    public static final int CLEAN_UP_MARGIN_BUCKETS = 2;
    /** Page size of lookups for one row, which read on past rows that are not genuine. */
    private static final int ONE_ROW_PAGE = 1;
    private static final int FEW_ROWS_PAGE = 4;
    /** {@code writer_clock} unset: never written by a fenced writer. */
    static final long NO_MARK = Long.MIN_VALUE;

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
        final long timestamp;
        boolean settled;
        Throwable error;

        Write(List<AppendOp> ops, long baseOffset, long endOffset, long[] bases, long timestamp) {
            this.ops = ops;
            this.baseOffset = baseOffset;
            this.endOffset = endOffset;
            this.bases = bases;
            this.timestamp = timestamp;
        }
    }

    /**
     * What the partition's state in storage says at open. {@code exists} is false for a partition
     * never created (or deleted); its history and mark may still be set (see
     * {@code ScyllaLogEngine.delete}).
     */
    record Stored(boolean exists, long span, long headBucket, long endMarker, long startBucket, EpochHistory history,
                  long writerClock) {
        static final Stored NONE = new Stored(false, 0, 0, 0, 0, EpochHistory.EMPTY, NO_MARK);
    }

    /** What every step of an open needs. */
    private record Opening(PartitionId id, int ttl, ScyllaConfig engineConfig, Statements st, MicrosClock micros,
                           WriterLease lease, OpenWriters.Key writerKey, Consumer<ScyllaPartitionLog> onClose) {
    }

    private final PartitionId id;
    private final String topic;
    private final int partition;
    private final Statements st;
    private final MicrosClock clock;
    private final ScyllaConfig engineConfig;
    private final Consumer<ScyllaPartitionLog> onClose;
    private final WriterLease lease;
    private final int epoch;
    /** Timestamps of a fenced epoch; null for the sole writer, which uses {@link #clock}. */
    private final EpochClock fencedClock;
    /** Which epoch owns which offsets; this log's own epoch included. Fixed while it is open. */
    private final EpochHistory history;
    private final OpenWriters.Key writerKey;
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
    /** Set once this writer lost the partition: nothing is sent any more. */
    private FencedException fenced;
    /** Nothing in flight may be acknowledged any more (the lease ran out, or the new owner goes on). */
    private boolean hardFenced;
    /** Completes once a fenced log has nothing in flight. */
    private CompletableFuture<Void> drained;

    private final ConcurrentLinkedQueue<Runnable> completions = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean completing = new AtomicBoolean();

    private ScyllaPartitionLog(Opening o, EpochClock fencedClock, EpochHistory history, long span, long start, long end,
                               long headBucket, long bucketMaxTimestamp) {
        this.id = o.id();
        this.topic = id.topic();
        this.partition = id.partition();
        this.st = o.st();
        this.clock = o.micros();
        this.engineConfig = o.engineConfig();
        this.lease = o.lease();
        this.epoch = o.lease().epoch();
        this.fencedClock = fencedClock;
        this.history = history;
        this.writerKey = o.writerKey();
        this.span = span;
        this.ttlSeconds = o.ttl();
        this.bucketIndexTtlSeconds = ttlSeconds == 0 ? 0 : ttlSeconds + BUCKET_INDEX_TTL_MARGIN_SECONDS;
        this.startOffset = start;
        this.endOffset = end;
        this.nextOffset = end;
        this.headBucket = headBucket;
        this.maxTimestampBucket = bucketOf(end);
        this.bucketMaxTimestamp = bucketMaxTimestamp;
        this.onClose = o.onClose();
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
     * Opens a partition's log for the writer holding {@code lease}: reads its state, or creates
     * it; recovers the end offset from storage, removes rows an unacknowledged (or fenced)
     * write left at or beyond it, and finds the first retained offset. For a fenced epoch it
     * also fences older writers first (see the class comment).
     */
    public static CompletionStage<ScyllaPartitionLog> open(PartitionId id, LogConfig config, ScyllaConfig engineConfig,
                                                          Statements st, MicrosClock clock, WriterLease lease,
                                                          Consumer<ScyllaPartitionLog> onClose) {
        int ttl;
        try {
            ttl = ttlSeconds(config);
            if (lease.epoch() != 0) {
                EpochClock.checkEpoch(lease.epoch());
            }
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        Opening o = new Opening(id, ttl, engineConfig, st, clock, lease, writerKey(engineConfig, id), onClose);
        // Long enough for an older log's writes in flight to time out (and the driver to give up).
        Duration drain = engineConfig.requestTimeout().multipliedBy(2);
        return OpenWriters.claim(o.writerKey(), lease.epoch(), drain)
                .thenCompose(v -> readState(id, st))
                .thenCompose(stored -> lease.epoch() == 0 ? openSoleWriter(o, stored) : openFenced(o, stored))
                .thenApply(opened -> {
                    OpenWriters.register(o.writerKey(), opened);
                    return opened;
                })
                .exceptionally(e -> {
                    throw Failures.toStorage("opening " + id, e);
                });
    }

    /** Names the partition within the storage the engine writes to, for {@link OpenWriters}. */
    private static OpenWriters.Key writerKey(ScyllaConfig engineConfig, PartitionId id) {
        return new OpenWriters.Key(String.join(",", new TreeSet<>(engineConfig.contactPoints())) + "/"
                + engineConfig.keyspace(), id);
    }

    private static CompletionStage<Stored> readState(PartitionId id, Statements st) {
        return st.session.executeAsync(st.reading(st.selectState.bind(id.topic(), id.partition()))).thenApply(rs -> {
            Row row = rs.one();
            if (row == null) {
                return Stored.NONE;
            }
            EpochHistory history = EpochHistory.of(row.isNull("epochs") ? null
                    : row.getMap("epochs", Integer.class, Long.class));
            long mark = longOr(row, "writer_clock", NO_MARK);
            if (row.isNull("bucket_span")) {
                return new Stored(false, 0, 0, 0, 0, history, mark);
            }
            return new Stored(true, row.getLong("bucket_span"), longOr(row, "head_bucket", 0),
                    longOr(row, "end_offset", 0), longOr(row, "start_bucket", 0), history, mark);
        });
    }

    private static long longOr(Row row, String column, long fallback) {
        return row.isNull(column) ? fallback : row.getLong(column);
    }

    /** Epoch 0: exactly the unfenced log, on a partition no fenced writer ever opened. */
    private static CompletionStage<ScyllaPartitionLog> openSoleWriter(Opening o, Stored stored) {
        PartitionId id = o.id();
        if (!stored.history().isEmpty() || stored.writerClock() != NO_MARK) {
            // Its clock timestamps would lose against every write of those writers.
            return CompletableFuture.failedFuture(new FencedException(id, 0, id + " has been written by writers"
                    + " fenced by epochs (up to epoch " + Math.max(stored.history().latestEpoch(),
                    EpochClock.epochOf(stored.writerClock())) + "); the sole writer (epoch 0) cannot open it"));
        }
        if (!stored.exists()) {
            long span = o.engineConfig().bucketOffsets();
            Statements st = o.st();
            return st.session.executeAsync(st.writing(st.initPartition.bind(span, 0L, 0L, 0L, id.topic(), id.partition()))
                            .setQueryTimestamp(o.micros().next()))
                    .thenApply(rs -> new ScyllaPartitionLog(o, null, EpochHistory.EMPTY, span, 0, 0, 0, Long.MIN_VALUE));
        }
        long span = stored.span();
        Statements st = o.st();
        return recoverEnd(id, st, stored, EpochHistory.EMPTY).thenCompose(e -> {
            long firstBucket = Math.floorDiv(e, span);
            long lastBucket = Math.max(stored.headBucket(), firstBucket);
            return leftoversExist(id, st, span, e, firstBucket, lastBucket).thenCompose(leftovers -> {
                if (!leftovers && e == stored.endMarker()) {
                    return CompletableFuture.completedFuture(null);
                }
                log.info("{}: removing rows of unacknowledged appends at or beyond offset {} (buckets {}..{})", id, e,
                        firstBucket, lastBucket);
                long ts = o.micros().next();
                List<CompletableFuture<?>> writes = deleteFrom(id, st, span, e, lastBucket, ts);
                writes.add(execute(st, st.updateEnd.bind(e, id.topic(), id.partition()), ts));
                return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0]));
            }).thenCompose(v -> finishOpen(o, null, EpochHistory.EMPTY, stored, e));
        });
    }

    /**
     * Epoch e >= 1: refuses when a higher epoch has opened the partition, else recovers the end,
     * records {@code epochs[e]}, rewrites the state and deletes rows at or beyond the end, all
     * at the epoch's first timestamp, so that they win against anything an older writer still
     * lands.
     */
    private static CompletionStage<ScyllaPartitionLog> openFenced(Opening o, Stored stored) {
        PartitionId id = o.id();
        Statements st = o.st();
        int epoch = o.lease().epoch();
        EpochHistory history = stored.history();
        if (history.latestEpoch() > epoch) {
            return CompletableFuture.failedFuture(new FencedException(id, epoch, "cannot open " + id + " with epoch "
                    + epoch + ": a writer with epoch " + history.latestEpoch() + " has opened it"));
        }
        EpochClock fencedClock = EpochClock.resume(epoch, stored.writerClock());
        if (fencedClock == null) {
            return CompletableFuture.failedFuture(new FencedException(id, epoch, "cannot open " + id + " with epoch "
                    + epoch + ": it was written with timestamps up to " + stored.writerClock() + ", of epoch "
                    + EpochClock.epochOf(stored.writerClock()) + "; epoch " + epoch + " has none left above them"));
        }
        if (!stored.exists()) {
            long span = o.engineConfig().bucketOffsets();
            EpochHistory mine = history.with(epoch, 0);
            long ts = fencedClock.next();
            BoundStatement init = st.openFenced.bind(span, 0L, 0L, 0L, fencedClock.highWaterMark(ts), epoch,
                    mine.firstOffset(epoch), id.topic(), id.partition());
            return execute(st, init, ts).thenApply(rs -> {
                fencedClock.acknowledged(ts);
                log.debug("Created {} for epoch {}", id, epoch);
                return new ScyllaPartitionLog(o, fencedClock, mine, span, 0, 0, 0, Long.MIN_VALUE);
            });
        }
        long span = stored.span();
        return recoverEnd(id, st, stored, history).thenCompose(recovered -> {
            // Never below where the latest epoch began: its rows are the ones that count there.
            long end = Math.max(recovered, history.latestFirstOffset());
            EpochHistory mine = history.with(epoch, end);
            long firstBucket = Math.floorDiv(end, span);
            long lastBucket = Math.max(stored.headBucket(), firstBucket) + CLEAN_UP_MARGIN_BUCKETS;
            long ts = fencedClock.next();
            log.info("{}: opening with epoch {} at offset {} ({}); deleting rows at or beyond it in buckets {}..{}", id,
                    epoch, end, mine, firstBucket, lastBucket);
            List<CompletableFuture<?>> writes = deleteFrom(id, st, span, end, lastBucket, ts);
            writes.add(execute(st, st.openFenced.bind(span, stored.headBucket(), end, stored.startBucket(),
                    fencedClock.highWaterMark(ts), epoch, mine.firstOffset(epoch), id.topic(), id.partition()), ts));
            return CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).thenCompose(v -> {
                fencedClock.acknowledged(ts);
                return finishOpen(o, fencedClock, mine, stored, end);
            });
        });
    }

    /**
     * The end offset by storage: the end marker, unless the last genuine row below it ends before
     * it (the marker's write landed and its rows did not: the end is where the rows end). No row
     * at all: they expired, the marker is the end.
     */
    private static CompletionStage<Long> recoverEnd(PartitionId id, Statements st, Stored stored, EpochHistory history) {
        long marker = stored.endMarker();
        if (marker == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        return st.session.executeAsync(st.reading(st.lastRowBefore.bind(id.topic(), id.partition(),
                        Math.floorDiv(marker - 1, stored.span()), marker)).setPageSize(FEW_ROWS_PAGE))
                .thenCompose(rs -> firstMatching(rs, row -> isGenuine(history, row)))
                .thenApply(found -> {
                    if (found.isPresent() && found.get().getLong("last_offset") + 1 < marker) {
                        long rowsEnd = found.get().getLong("last_offset") + 1;
                        log.warn("{}: rows end at {} but the end marker says {}; resuming at {}", id, rowsEnd, marker,
                                rowsEnd);
                        return rowsEnd;
                    }
                    return marker;
                });
    }

    /** Finds the first retained offset and makes the log. */
    private static CompletionStage<ScyllaPartitionLog> finishOpen(Opening o, EpochClock fencedClock, EpochHistory history,
                                                                 Stored stored, long end) {
        long span = stored.span();
        long firstBucket = Math.floorDiv(end, span);
        long lastBucket = Math.max(stored.headBucket(), firstBucket);
        return bucketIndex(o.id(), o.st(), Math.min(stored.startBucket(), firstBucket), lastBucket)
                .thenCompose(index -> firstRetained(o.id(), o.st(), history, span, stored.startBucket(), end, index)
                        .thenApply(start -> {
                            Long maxTs = index.get(firstBucket);
                            ScyllaPartitionLog opened = new ScyllaPartitionLog(o, fencedClock, history, span, start, end,
                                    stored.headBucket(), maxTs == null ? Long.MIN_VALUE : maxTs);
                            if (Math.floorDiv(start, span) > stored.startBucket()) {
                                opened.saveStartBucket(Math.floorDiv(start, span));
                            }
                            log.debug("Opened {}: offsets [{}, {}), bucket span {}, head bucket {}, epoch {}, {}", o.id(),
                                    start, end, span, stored.headBucket(), o.lease().epoch(), history);
                            return opened;
                        }));
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
     * Deletes every row at or beyond {@code end} up to {@code lastBucket}: a range delete in the
     * end's bucket, a partition delete of each later one. At a timestamp newer than every write
     * the log (or, for a fenced open, every older epoch) issued before, so they also shadow a
     * write that reaches a replica only later.
     */
    private static List<CompletableFuture<?>> deleteFrom(PartitionId id, Statements st, long span, long end,
                                                         long lastBucket, long ts) {
        long first = Math.floorDiv(end, span);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        writes.add(execute(st, st.deleteFrom.bind(id.topic(), id.partition(), first, end), ts));
        for (long b = first + 1; b <= lastBucket; b++) {
            writes.add(execute(st, st.deleteBucket.bind(id.topic(), id.partition(), b), ts));
        }
        return writes;
    }

    /** Sends one write at the write consistency level; a driver that throws fails the stage. */
    private static CompletableFuture<AsyncResultSet> execute(Statements st, BoundStatement s, long ts) {
        try {
            return st.session.executeAsync(st.writing(s).setQueryTimestamp(ts)).toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
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
     * The base offset of the first live genuine row below {@code end}, looking at
     * {@code fromBucket} and the indexed buckets after it; {@code end} when every row has expired.
     */
    private static CompletionStage<Long> firstRetained(PartitionId id, Statements st, EpochHistory history, long span,
                                                       long fromBucket, long end, TreeMap<Long, Long> index) {
        if (end == 0) {
            return CompletableFuture.completedFuture(0L);
        }
        List<Long> candidates = new ArrayList<>();
        candidates.add(fromBucket);
        long lastBucket = Math.floorDiv(end - 1, span);
        if (lastBucket > fromBucket) {
            candidates.addAll(index.subMap(fromBucket, false, lastBucket, true).keySet());
        }
        return firstRowIn(id, st, history, candidates, 0, end);
    }

    private static CompletionStage<Long> firstRowIn(PartitionId id, Statements st, EpochHistory history,
                                                    List<Long> buckets, int i, long end) {
        if (i == buckets.size()) {
            return CompletableFuture.completedFuture(end);
        }
        return st.session.executeAsync(st.reading(st.firstRow.bind(id.topic(), id.partition(), buckets.get(i)))
                        .setPageSize(FEW_ROWS_PAGE))
                .thenCompose(rs -> firstMatching(rs, row -> isGenuine(history, row)))
                .thenCompose(found -> {
                    if (found.isPresent() && found.get().getLong("base_offset") < end) {
                        return CompletableFuture.completedFuture(found.get().getLong("base_offset"));
                    }
                    return firstRowIn(id, st, history, buckets, i + 1, end);
                });
    }

    /** The first row of {@code rs}, reading on page by page, that {@code accept} takes. */
    private static CompletionStage<Optional<Row>> firstMatching(AsyncResultSet rs, Predicate<Row> accept) {
        for (Row row : rs.currentPage()) {
            if (accept.test(row)) {
                return CompletableFuture.completedFuture(Optional.of(row));
            }
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> firstMatching(next, accept));
        }
        return CompletableFuture.completedFuture(Optional.empty());
    }

    private static boolean isGenuine(EpochHistory history, Row row) {
        return history.isGenuine(row.getLong("base_offset"), row.getInt("writer_epoch"));
    }

    private void saveStartBucket(long bucket) {
        long ts;
        synchronized (this) {
            if (fenced != null || !lease.isValid()) {
                return;
            }
            try {
                ts = nextTimestamp();
            } catch (EpochClock.Exhausted e) {
                return;
            }
        }
        execute(st, st.updateStart.bind(bucket, topic, partition), ts).whenComplete((rs, e) -> {
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

    /** The lease this log was opened under. */
    public WriterLease lease() {
        return lease;
    }

    /** The epoch of the lease this log was opened under. */
    public int epoch() {
        return epoch;
    }

    /** Which epoch owns which offsets, as this log reads them. */
    public EpochHistory epochHistory() {
        return history;
    }

    /** Whether this writer lost the partition (all appends fail with {@link FencedException}). */
    public synchronized boolean isFenced() {
        return fenced != null;
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
        if (epoch != 0 && writerEpoch != epoch) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("writer epoch " + writerEpoch
                    + " of an append to " + id + " is not the epoch of the lease the log was opened with, " + epoch));
        }
        CompletableFuture<Appended> future = new CompletableFuture<>();
        AppendOp op = new AppendOp(b, writerEpoch, size, count, b.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET), future);
        FencedException refused;
        synchronized (this) {
            if (fenced == null && !closed && !lease.isValid()) {
                leaseLost();
                afterChange();
            }
            refused = fenced;
            if (refused == null) {
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
        }
        drainCompletions();
        return refused != null ? CompletableFuture.failedFuture(refused) : future;
    }

    private static ByteBuffer copy(ByteBuffer readOnly) {
        ByteBuffer c = ByteBuffer.allocate(readOnly.remaining());
        c.put(readOnly.duplicate()).flip();
        return c;
    }

    /** A timestamp for the next write: the engine's clock for the sole writer, the epoch's otherwise. */
    private long nextTimestamp() {
        return fencedClock == null ? clock.next() : fencedClock.next();
    }

    /** A state write at {@code ts} was acknowledged: for a fenced epoch, its high-water mark is stored. */
    private void acknowledged(long ts) {
        if (fencedClock != null) {
            fencedClock.acknowledged(ts);
        }
    }

    /** The end marker write; for a fenced epoch it also records the clock's high-water mark. */
    private BoundStatement endMarker(long end, long ts) {
        return fencedClock == null ? st.updateEnd.bind(end, topic, partition)
                : st.updateEndAndMark.bind(end, fencedClock.highWaterMark(ts), topic, partition);
    }

    /**
     * Whether a write may be sent now: not once fenced, nor once the lease is invalid (which
     * fences the log). Under the monitor.
     */
    private boolean maySend() {
        assert Thread.holdsLock(this);
        if (fenced != null) {
            return false;
        }
        if (!lease.isValid()) {
            leaseLost();
            return false;
        }
        return true;
    }

    /** Sends queued appends as write groups while the mode, the lease and the in-flight limit allow. */
    private void pump() {
        assert Thread.holdsLock(this);
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (mode == Mode.READY && !rolling && !pending.isEmpty()
                    && inflight.size() < engineConfig.maxInFlightWrites() && maySend()) {
                long ts;
                try {
                    ts = nextTimestamp();
                } catch (EpochClock.Exhausted e) {
                    fenceLocked(e.getMessage());
                    hardFenced = true;
                    break;
                }
                long bucket = bucketOf(nextOffset);
                if (bucket > headBucket) {
                    // The roll's callback may already have run, inline, when it returns: the
                    // loop condition decides whether to go on.
                    roll(bucket, ts);
                    continue;
                }
                sendGroup(bucket, ts);
            }
        } finally {
            pumping = false;
        }
    }

    /**
     * Records a new highest bucket before any row goes there, so that recovery (and a newer
     * owner's clean-up) knows how far rows may reach without scanning.
     */
    private void roll(long bucket, long ts) {
        rolling = true;
        BoundStatement head = fencedClock == null ? st.updateHead.bind(bucket, topic, partition)
                : st.updateHeadAndMark.bind(bucket, fencedClock.highWaterMark(ts), topic, partition);
        execute(st, head, ts).whenComplete((rs, e) -> guarded(() -> onRolled(bucket, ts, e)));
    }

    private void onRolled(long bucket, long ts, Throwable error) {
        synchronized (this) {
            rolling = false;
            if (error == null) {
                headBucket = Math.max(headBucket, bucket);
                acknowledged(ts);
            } else {
                fail(nextOffset, error);
            }
            afterChange();
        }
        drainCompletions();
    }

    private void sendGroup(long bucket, long ts) {
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
        Statement<?> rowWrite = rows.size() == 1 ? (Statement<?>) rows.get(0)
                : BatchStatement.newInstance(DefaultBatchType.UNLOGGED, rows);
        rowWrite = rowWrite.setConsistencyLevel(st.write).setIdempotent(true).setQueryTimestamp(ts);
        // The end marker (no TTL) and the bucket's max timestamp (TTL) share the partition of the
        // partitions table: one mutation, applied atomically.
        Statement<?> stateWrite = BatchStatement.newInstance(DefaultBatchType.UNLOGGED,
                        endMarker(next, ts),
                        st.updateBucket.bind(bucketIndexTtlSeconds, bucketMaxTimestamp, topic, partition, bucket))
                .setConsistencyLevel(st.write).setIdempotent(true).setQueryTimestamp(ts);
        Write w = new Write(group, base, next, bases, ts);
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
                boolean written = head.error == null && head.endOffset <= failedFrom;
                if (written && !hardFenced && !lease.isValid()) {
                    leaseLost();
                }
                if (written && hardFenced) {
                    // Written, but perhaps after a newer owner opened the partition without seeing
                    // it: not acknowledged. Whether it is readable there is as open as after a timeout.
                    failedFrom = Math.min(failedFrom, head.baseOffset);
                    FencedException cause = fenced;
                    head.ops.forEach(op -> completions.add(() -> op.future().completeExceptionally(cause)));
                } else if (written) {
                    publish(head);
                    acknowledged(head.timestamp);
                } else {
                    RuntimeException cause = head.error == null && fenced != null ? fenced : failure != null ? failure
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

    // ------------------------------------------------------------------------------ fencing

    /**
     * Under the monitor: this writer lost the partition. Nothing is sent any more and what is
     * queued fails; writes in flight still settle (and are acknowledged unless
     * {@link #hardFenced} is set by then).
     */
    private void fenceLocked(String why) {
        assert Thread.holdsLock(this);
        if (fenced != null) {
            return;
        }
        fenced = new FencedException(id, epoch, "the writer of epoch " + epoch + " of " + id + " is fenced: " + why);
        drained = new CompletableFuture<>();
        log.warn("{} ({} appends queued fail, {} writes in flight)", fenced.getMessage(), pending.size(), inflight.size());
        FencedException cause = fenced;
        for (AppendOp op = pending.poll(); op != null; op = pending.poll()) {
            AppendOp failed = op;
            completions.add(() -> failed.future().completeExceptionally(cause));
        }
    }

    /** Under the monitor: the lease is no longer valid, so nothing more is sent nor acknowledged. */
    private void leaseLost() {
        fenceLocked("its lease expired");
        hardFenced = true;
    }

    /**
     * A writer with {@code byEpoch} is opening the partition in this JVM: stops sending now, lets
     * the writes in flight settle (those that succeed are acknowledged: they landed before the
     * new owner reads the state), and completes once they have, or after {@code drainTimeout};
     * from then on nothing is acknowledged any more.
     */
    CompletionStage<Void> fence(int byEpoch, Duration drainTimeout) {
        CompletableFuture<Void> stopped;
        synchronized (this) {
            fenceLocked("a writer with epoch " + byEpoch + " is opening " + id + " in this process");
            stopped = drained;
            afterChange();
        }
        drainCompletions();
        return stopped.copy().completeOnTimeout(null, drainTimeout.toMillis(), TimeUnit.MILLISECONDS).thenRun(() -> {
            synchronized (this) {
                hardFenced = true;
            }
        });
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
        boolean quiet = inflight.isEmpty() && !rolling && mode != Mode.RECOVERING;
        if (idle != null && pending.isEmpty() && quiet) {
            CompletableFuture<Void> i = idle;
            completions.add(() -> i.complete(null));
        }
        if (drained != null && quiet) {
            CompletableFuture<Void> d = drained;
            completions.add(() -> d.complete(null));
        }
    }

    /**
     * Cleans up after failed appends, before the next write: deletes whatever they may have
     * stored in {@code [end, nextOffset)} and resets the end marker, then lets writes flow again
     * from the end offset. A fenced writer (or one whose lease ran out) does not write at all.
     */
    private void cleanUpAfterFailure() {
        assert Thread.holdsLock(this);
        if (!maySend()) {
            return;
        }
        long end = endOffset;
        if (nextOffset == end) {
            resume(end);
            return;
        }
        long ts;
        try {
            ts = nextTimestamp();
        } catch (EpochClock.Exhausted e) {
            fenceLocked(e.getMessage());
            hardFenced = true;
            return;
        }
        mode = Mode.RECOVERING;
        long lastBucket = bucketOf(nextOffset - 1);
        List<CompletableFuture<?>> writes = deleteFrom(id, st, span, end, lastBucket, ts);
        writes.add(execute(st, endMarker(end, ts), ts));
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> guarded(() -> {
            synchronized (this) {
                if (e == null) {
                    acknowledged(ts);
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
         * Takes a row if it is genuine and continues the slice: rows of fenced writers and rows
         * that overlap what was taken are skipped (a stale row can only be left over from a
         * failed append or a fenced writer), the slice stops at a row that does not start where
         * the last one ended, and before a row that would pass maxBytes, unless the slice is
         * still empty.
         */
        void offer(long base, long last, int writerEpoch, ByteBuffer data) {
            if (full || base < expected || base >= end || !history.isGenuine(base, writerEpoch)) {
                return;
            }
            if (expected != Long.MIN_VALUE && base > expected) {
                full = true;
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
                    if (first != null && first.getLong("base_offset") == offset && isGenuine(history, first)) {
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
            r.offer(row.getLong("base_offset"), row.getLong("last_offset"), row.getInt("writer_epoch"),
                    row.getByteBuffer("data"));
        }
    }

    /**
     * The row holding {@code r.offset}: the last genuine row at or below it, in its bucket or an
     * earlier one. Rows are fetched one page of one row at a time, so a row of a fenced writer
     * costs one more round trip and a genuine one none.
     */
    private CompletionStage<Optional<Row>> containing(Read r, long bucket, long lowestBucket) {
        return query(st.containing.bind(topic, partition, bucket, r.offset), ONE_ROW_PAGE)
                .thenCompose(rs -> firstMatching(rs, row -> isGenuine(history, row)))
                .thenCompose(found -> {
                    if (found.isPresent()) {
                        return CompletableFuture.completedFuture(found.get().getLong("last_offset") >= r.offset
                                ? found : Optional.<Row>empty());
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
            TreeSet<Long> buckets = new TreeSet<>();
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
        long[] expected = {Long.MIN_VALUE};
        return query(st.timeScan.bind(topic, partition, buckets.get(i), end), TIME_SCAN_PAGE)
                .thenCompose(rs -> scanPage(rs, timestamp, start, expected))
                .thenCompose(found -> found.isPresent() ? CompletableFuture.completedFuture(found)
                        : scanForTimestamp(buckets, i + 1, timestamp, start, end));
    }

    /**
     * Scans one bucket's rows in offset order for the first genuine batch at or after
     * {@code timestamp}, skipping rows of fenced writers and rows overlapping a batch already
     * passed ({@code expected}: where the last genuine one ended).
     */
    private CompletionStage<Optional<TimestampOffset>> scanPage(AsyncResultSet rs, long timestamp, long start,
                                                                long[] expected) {
        for (Row row : rs.currentPage()) {
            long base = row.getLong("base_offset");
            if (base < expected[0] || !isGenuine(history, row)) {
                continue;
            }
            expected[0] = row.getLong("last_offset") + 1;
            if (row.getLong("last_offset") >= start && row.getLong("max_timestamp") >= timestamp) {
                return CompletableFuture.completedFuture(Optional.of(new TimestampOffset(
                        Math.max(base, start), row.getLong("max_timestamp"))));
            }
        }
        if (rs.hasMorePages()) {
            return rs.fetchNextPage().thenCompose(next -> scanPage(next, timestamp, start, expected));
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
                .thenCompose(index -> firstRetained(id, st, history, span, fromBucket, end, index))
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
                // Not if fenced: then the next owner's open does it.
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
        OpenWriters.unregister(writerKey, this);
        onClose.accept(this);
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("log " + id + " is closed");
    }

    @Override
    public String toString() {
        synchronized (this) {
            return "ScyllaPartitionLog[" + id + ", epoch " + epoch + (fenced != null ? " fenced" : "") + ", offsets "
                    + startOffset + ".." + endOffset + ", next " + nextOffset + ", bucket span " + span + ", head bucket "
                    + headBucket + ", " + mode + (rolling ? " rolling" : "") + ", " + pending.size() + " queued, "
                    + inflight.size() + " in flight]";
        }
    }
}
