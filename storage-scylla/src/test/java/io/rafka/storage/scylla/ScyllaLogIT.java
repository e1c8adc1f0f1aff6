package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.TimestampOffset;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the ScyllaDB log does beyond the shared contract: buckets, TTL, recovery, concurrency. */
@ExtendWith(CqlServerExtension.class)
class ScyllaLogIT {
    private static final long TIMEOUT_SECONDS = 30;
    private static final LogConfig FOREVER = new LogConfig(-1, -1, 256 * 1024);

    private final CqlEndpoint endpoint;
    private final List<ScyllaLogEngine> engines = new ArrayList<>();
    private ScyllaConfig config;
    private ScyllaLogEngine engine;
    private CqlSession inspector;

    ScyllaLogIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @BeforeEach
    void setUp() {
        config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("log")).bucketOffsets(10).build();
        engine = start(config);
        inspector = CqlSession.builder()
                .addContactPoints(endpoint.contactPoints())
                .withLocalDatacenter(endpoint.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ZERO)
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
                        .build())
                .build();
    }

    @AfterEach
    void tearDown() {
        engines.forEach(ScyllaLogEngine::close);
        inspector.close();
    }

    private ScyllaLogEngine start(ScyllaConfig c) {
        ScyllaLogEngine e = ScyllaLogEngine.connect(c);
        engines.add(e);
        return e;
    }

    private ScyllaLogEngine restart() {
        engine.close();
        engines.remove(engine);
        engine = start(config);
        return engine;
    }

    // ---------------------------------------------------------------- buckets

    @Test
    void readsSpanBucketsIncludingBatchesThatCrossOrSkipThem() {
        PartitionLog log = open(new PartitionId("spans", 0), FOREVER);
        // With 10 offsets per bucket: 3-record batches cross bucket borders, a 35-record batch
        // (offsets 12-46, stored in bucket 1) leaves buckets 2 and 3 without any row.
        int[] counts = {3, 3, 3, 3, 35, 1, 7, 3, 3, 3, 12, 2};
        long ts = 1000;
        for (int count : counts) {
            append(log, batch(count, ts, 40));
            ts += 100;
        }
        long end = log.logEndOffset();
        assertThat(end).isEqualTo(78);

        List<RecordBatch> all = RecordBatch.split(await(log.read(0, 1 << 20)).batches());
        assertThat(all).hasSize(counts.length);
        for (int i = 0; i < counts.length; i++) {
            assertThat(all.get(i).recordCount()).isEqualTo(counts[i]);
            assertThat(all.get(i).isCrcValid()).isTrue();
        }
        // Every offset reads back the batch that holds it first, wherever the batch's row sits.
        for (long offset = 0; offset < end; offset++) {
            RecordBatch first = RecordBatch.split(await(log.read(offset, 1)).batches()).get(0);
            assertThat(first.baseOffset()).as("batch holding %d", offset).isLessThanOrEqualTo(offset);
            assertThat(first.lastOffset()).as("batch holding %d", offset).isGreaterThanOrEqualTo(offset);
        }
        // Offsets 12-46 are one row in bucket 1; a read at 30 (bucket 3) walks back to it.
        assertThat(rowCount("spans", 0, 2)).isZero();
        assertThat(rowCount("spans", 0, 3)).isZero();
        assertThat(RecordBatch.split(await(log.read(30, 1)).batches()).get(0).baseOffset()).isEqualTo(12);

        // Reading in small steps returns every batch once, crossing each bucket.
        List<RecordBatch> stepped = new ArrayList<>();
        long next = 0;
        while (next < end) {
            List<RecordBatch> got = RecordBatch.split(await(log.read(next, 200)).batches());
            assertThat(got).isNotEmpty();
            stepped.addAll(got);
            next = got.get(got.size() - 1).nextOffset();
        }
        assertThat(stepped).extracting(RecordBatch::baseOffset).containsExactlyElementsOf(
                all.stream().map(RecordBatch::baseOffset).toList());
    }

    @Test
    void onlyOneRowPerBatchIsWritten() {
        PartitionLog log = open(new PartitionId("rows", 3), FOREVER);
        for (int i = 0; i < 4; i++) {
            append(log, batch(2, 1000 + i, 10));
        }
        assertThat(rowCount("rows", 3, 0)).isEqualTo(4);
        Row row = inspector.execute(SimpleStatement.newInstance("SELECT base_offset, last_offset, writer_epoch, data FROM "
                + config.keyspace() + ".batches WHERE topic = 'rows' AND partition = 3 AND bucket = 0 LIMIT 1")).one();
        assertThat(row.getLong("base_offset")).isZero();
        assertThat(row.getLong("last_offset")).isEqualTo(1);
        assertThat(row.getInt("writer_epoch")).isEqualTo(5);
        assertThat(RecordBatch.wrap(row.getByteBuffer("data")).writerEpoch()).isEqualTo(5);
    }

    // ---------------------------------------------------------------- retention

    @Test
    void ttlExpiryRemovesOldBatchesAndTheEndOffsetSurvivesIt() {
        LogConfig twoSeconds = new LogConfig(2000, -1, 256 * 1024);
        PartitionId id = new PartitionId("ttl", 0);
        PartitionLog log = open(id, twoSeconds);
        for (int i = 0; i < 5; i++) {
            append(log, batch(4, System.currentTimeMillis(), 20));
        }
        assertThat(log.logEndOffset()).isEqualTo(20);
        assertThat(rowCount("ttl", 0, 0) + rowCount("ttl", 0, 1)).isEqualTo(5);

        // Poll (never sleep) until the rows have expired.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (rowCount("ttl", 0, 0) + rowCount("ttl", 0, 1) > 0) {
            assertThat(System.nanoTime()).as("rows still there 30 s after a 2 s TTL").isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        Throwable error = awaitFailure(log.read(0, 1024));
        assertThat(error).isInstanceOf(OffsetOutOfRangeException.class).hasMessageContaining("earliest is 20");
        assertThat(await(log.applyRetention(System.currentTimeMillis()))).isEqualTo(20);
        assertThat(log.logStartOffset()).isEqualTo(20);
        assertThat(await(log.offsetForTimestamp(0))).isEmpty();

        // Offsets are never reused: the end marker outlives the rows, also across a restart.
        log.close();
        restart();
        PartitionLog reopened = open(id, twoSeconds);
        assertThat(reopened.logStartOffset()).isEqualTo(20);
        assertThat(reopened.logEndOffset()).isEqualTo(20);
        assertThat(append(reopened, batch(1, System.currentTimeMillis(), 20)).baseOffset()).isEqualTo(20);
    }

    // ---------------------------------------------------------------- timestamps

    @Test
    void timestampLookupsSkipBucketsByTheirMaxTimestampAndScanWithinOne() {
        PartitionLog log = open(new PartitionId("times", 0), FOREVER);
        append(log, batchWithTimestamps(1000, 1100, 1200, 1300, 1400, 1500)); // 0-5, bucket 0
        append(log, batchWithTimestamps(1600, 1700, 1800, 1900, 2000, 2100)); // 6-11, bucket 0
        append(log, batchWithTimestamps(5000, 2200));                         // 12-13, bucket 1
        append(log, batchWithTimestamps(3000, 3100, 3200));                   // 14-16, bucket 1
        append(log, batchWithTimestamps(9000));                               // 17, bucket 1
        append(log, batchWithTimestamps(4000, 4100, 4200, 4300));             // 18-21, bucket 1
        append(log, batchWithTimestamps(6000, 6100));                         // 22-23, bucket 2

        assertThat(await(log.offsetForTimestamp(0))).contains(new TimestampOffset(0, 1500));
        assertThat(await(log.offsetForTimestamp(1501))).contains(new TimestampOffset(6, 2100));
        assertThat(await(log.offsetForTimestamp(2101))).contains(new TimestampOffset(12, 5000));
        assertThat(await(log.offsetForTimestamp(5001))).contains(new TimestampOffset(17, 9000));
        assertThat(await(log.offsetForTimestamp(9000))).contains(new TimestampOffset(17, 9000));
        assertThat(await(log.offsetForTimestamp(9001))).isEmpty();

        // The bucket index keeps each bucket's largest timestamp.
        assertThat(inspector.execute(SimpleStatement.newInstance("SELECT bucket, max_timestamp FROM " + config.keyspace()
                + ".partitions WHERE topic = 'times' AND partition = 0")).all())
                .extracting(r -> r.getLong("bucket") + ":" + r.getLong("max_timestamp"))
                .containsExactly("0:2100", "1:9000", "2:6100");
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void concurrentAppendsToDifferentPartitionsStayDenseAndIndependent() throws Exception {
        int partitions = 6;
        int perPartition = 150;
        List<PartitionLog> logs = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            logs.add(open(new PartitionId("many", p), FOREVER));
        }
        List<CompletableFuture<List<Appended>>> writers = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            PartitionLog log = logs.get(p);
            int records = p + 1;
            writers.add(CompletableFuture.supplyAsync(() -> {
                List<CompletableFuture<Appended>> futures = new ArrayList<>();
                for (int i = 0; i < perPartition; i++) {
                    futures.add(log.append(batch(records, 1000 + i, 30), records, Durability.DURABLE).toCompletableFuture());
                }
                return futures.stream().map(ScyllaLogIT::await).toList();
            }, runnable -> new Thread(runnable, "writer-" + records).start()));
        }
        for (int p = 0; p < partitions; p++) {
            List<Appended> results = writers.get(p).get(TIMEOUT_SECONDS * 4, TimeUnit.SECONDS);
            int records = p + 1;
            for (int i = 0; i < perPartition; i++) {
                assertThat(results.get(i).baseOffset()).isEqualTo((long) i * records);
            }
            PartitionLog log = logs.get(p);
            assertThat(log.logEndOffset()).isEqualTo((long) perPartition * records);
            List<RecordBatch> stored = readAll(log);
            assertThat(stored).hasSize(perPartition);
            assertThat(stored).allSatisfy(b -> {
                assertThat(b.writerEpoch()).isEqualTo(records);
                assertThat(b.recordCount()).isEqualTo(records);
                assertThat(b.isCrcValid()).isTrue();
            });
        }
    }

    // ---------------------------------------------------------------- restart and recovery

    @Test
    void restartResumesAtTheRightEndOffset() {
        PartitionId id = new PartitionId("restart", 1);
        PartitionLog log = open(id, FOREVER);
        List<byte[]> appended = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ByteBuffer b = batch(1 + i % 4, 1000 + i, 50);
            appended.add(bytes(b));
            append(log, b);
        }
        long end = log.logEndOffset();
        log.close();

        restart();
        PartitionLog reopened = open(id, FOREVER);
        assertThat(reopened.logEndOffset()).isEqualTo(end);
        assertThat(reopened.logStartOffset()).isZero();
        List<RecordBatch> stored = readAll(reopened);
        assertThat(stored).hasSize(30);
        for (int i = 0; i < 30; i++) {
            byte[] b = stored.get(i).toByteArray();
            RecordBatch.wrap(b).setBaseOffset(0);
            RecordBatch.wrap(b).setWriterEpoch(0);
            assertThat(b).isEqualTo(appended.get(i));
        }
        assertThat(append(reopened, batch(2, 5000, 50)).baseOffset()).isEqualTo(end);
        assertThat(reopened.logEndOffset()).isEqualTo(end + 2);
    }

    @Test
    void reopenRemovesRowsThatAnUnacknowledgedWriteLeftBeyondTheEnd() {
        PartitionId id = new PartitionId("leftover", 0);
        PartitionLog log = open(id, FOREVER);
        for (int i = 0; i < 5; i++) {
            append(log, batch(3, 1000 + i, 10));
        }
        log.close();
        // As if the process died after a row write landed but before its end marker did:
        // a row at the end offset that no append ever acknowledged.
        ByteBuffer stray = batch(4, 9999, 10);
        RecordBatch.wrap(stray).setBaseOffset(15);
        inspector.execute(SimpleStatement.newInstance("INSERT INTO " + config.keyspace() + ".batches (topic, partition,"
                        + " bucket, base_offset, last_offset, max_timestamp, writer_epoch, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "leftover", 0, 1L, 15L, 18L, 10002L, 1, stray));

        restart();
        PartitionLog reopened = open(id, FOREVER);
        assertThat(reopened.logEndOffset()).isEqualTo(15);
        assertThat(rowCount("leftover", 0, 1)).isEqualTo(1); // offsets 12-14 only; the stray row is gone
        assertThat(await(reopened.offsetForTimestamp(9999))).isEmpty();
        assertThat(append(reopened, batch(1, 2000, 10)).baseOffset()).isEqualTo(15);
        assertThat(readAll(reopened)).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L, 6L, 9L, 12L, 15L);
    }

    @Test
    void reopenEndsAtTheLastRowWhenTheEndMarkerGotAheadOfTheRows() {
        PartitionId id = new PartitionId("marker", 0);
        PartitionLog log = open(id, FOREVER);
        for (int i = 0; i < 3; i++) {
            append(log, batch(2, 1000 + i, 10));
        }
        log.close();
        // As if the marker write of an append landed and its row write did not.
        inspector.execute(SimpleStatement.newInstance("UPDATE " + config.keyspace() + ".partitions SET end_offset = 9"
                + " WHERE topic = 'marker' AND partition = 0"));

        restart();
        PartitionLog reopened = open(id, FOREVER);
        assertThat(reopened.logEndOffset()).isEqualTo(6);
        assertThat(append(reopened, batch(1, 2000, 10)).baseOffset()).isEqualTo(6);
    }

    // ---------------------------------------------------------------- helpers

    private PartitionLog open(PartitionId id, LogConfig logConfig) {
        return await(engine.open(id, logConfig));
    }

    private long rowCount(String topic, int partition, long bucket) {
        return inspector.execute(SimpleStatement.newInstance("SELECT count(*) FROM " + config.keyspace()
                + ".batches WHERE topic = ? AND partition = ? AND bucket = ?", topic, partition, bucket)).one().getLong(0);
    }

    private static List<RecordBatch> readAll(PartitionLog log) {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            LogSlice slice = await(log.read(next, 1 << 20));
            List<RecordBatch> batches = RecordBatch.split(slice.batches());
            assertThat(batches).as("read at %d", next).isNotEmpty();
            out.addAll(batches);
            next = batches.get(batches.size() - 1).nextOffset();
        }
        return out;
    }

    static Appended append(PartitionLog log, ByteBuffer batch) {
        try {
            return await(log.append(batch, 5, Durability.DURABLE));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " on " + log, e);
        }
    }

    static ByteBuffer batch(int records, long firstTimestamp, int valueBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(RecordBatch.HEADER_SIZE + records * (valueBytes + 16));
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            value[0] = (byte) i;
            b.append(firstTimestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8), value);
        }
        return ByteBuffer.wrap(b.build());
    }

    static ByteBuffer batchWithTimestamps(long... timestamps) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (long ts : timestamps) {
            b.append(ts, null, ("t" + ts).getBytes(StandardCharsets.UTF_8));
        }
        return ByteBuffer.wrap(b.build());
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    static Throwable awaitFailure(CompletionStage<?> stage) {
        try {
            Object value = stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
    }
}
