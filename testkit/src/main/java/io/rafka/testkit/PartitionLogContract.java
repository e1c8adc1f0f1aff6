package io.rafka.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.LogSlice;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.WriterLease;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link PartitionLog} must show, whatever stores it. A storage engine's test
 * extends this class and supplies {@link #newEngine()} (fresh, empty storage for each test) and
 * {@link #reopenEngine()} (a new engine instance over the same storage, to test restarts). The
 * suite assumes nothing about files or servers and closes every engine it got.
 *
 * <p>By default the suite's logs are opened by the {@link WriterLease#SOLE_WRITER}; a subclass
 * that overrides {@link #lease()} runs the same tests for a writer holding a lease of an epoch,
 * whose appends must then all carry that epoch. The fencing tests at the end hold for both.
 */
public abstract class PartitionLogContract {
    /** Upper bound for any single operation of the engine under test. */
    protected static final long TIMEOUT_SECONDS = 20;
    protected static final PartitionId PARTITION = new PartitionId("contract", 0);

    private final List<LogEngine> engines = new ArrayList<>();
    protected LogEngine engine;

    /** A new engine over fresh, empty storage. Called once per test, before the test runs. */
    protected abstract LogEngine newEngine();

    /**
     * A new engine instance over the storage of the last {@link #newEngine()}, as after a broker
     * restart. The previous engine has been closed when this is called.
     */
    protected abstract LogEngine reopenEngine();

    /**
     * The lease the suite opens its logs with. Must return the same lease for the whole test (a
     * test may open one partition several times).
     */
    protected WriterLease lease() {
        return WriterLease.SOLE_WRITER;
    }

    /**
     * The writer epoch an append of the suite passes: {@code wanted} for the sole writer (the
     * suite checks that any epoch is stamped), the lease's epoch for a leased log (which accepts
     * no other).
     */
    protected int epoch(int wanted) {
        return lease().epoch() == 0 ? wanted : lease().epoch();
    }

    /** The per-partition config the suite opens logs with; small segments exercise rolling. */
    protected LogConfig logConfig() {
        return new LogConfig(-1, -1, 256 * 1024);
    }

    @BeforeEach
    void createEngine() {
        engine = track(newEngine());
    }

    @AfterEach
    void closeEngines() {
        for (LogEngine e : engines) {
            e.close();
        }
    }

    private LogEngine track(LogEngine e) {
        engines.add(e);
        return e;
    }

    /** Closes the current engine and makes {@link #engine} a reopened one. */
    protected LogEngine restart() {
        engine.close();
        engines.remove(engine);
        engine = track(reopenEngine());
        return engine;
    }

    // ---------------------------------------------------------------- helpers

    /** Waits for a stage of the engine under test, failing the test after a deadline. */
    protected static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Waits for a stage that must fail, and returns its cause. */
    protected static Throwable awaitFailure(CompletionStage<?> stage) {
        try {
            Object value = stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("stage completed with " + value + " but should have failed");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** A batch of {@code records} records with timestamps {@code firstTimestamp + i}. */
    protected static ByteBuffer batch(int records, long firstTimestamp) {
        return batch(records, firstTimestamp, 16);
    }

    /** A batch of {@code records} records, each with a value of {@code valueBytes} bytes. */
    protected static ByteBuffer batch(int records, long firstTimestamp, int valueBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(RecordBatch.HEADER_SIZE + records * (valueBytes + 16));
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            for (int j = 0; j < valueBytes; j++) {
                value[j] = (byte) (firstTimestamp + i + j);
            }
            b.append(firstTimestamp + i, ("k" + i).getBytes(StandardCharsets.UTF_8), value);
        }
        return ByteBuffer.wrap(b.build(7L, (short) 1, 0));
    }

    /** A batch whose records carry the given timestamps. */
    protected static ByteBuffer batchWithTimestamps(long... timestamps) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (long ts : timestamps) {
            b.append(ts, null, ("t" + ts).getBytes(StandardCharsets.UTF_8));
        }
        return ByteBuffer.wrap(b.build());
    }

    protected PartitionLog open() {
        return open(PARTITION);
    }

    protected PartitionLog open(PartitionId id) {
        return await(engine.open(id, logConfig(), lease()));
    }

    protected Appended append(PartitionLog log, ByteBuffer batch) {
        return await(log.append(batch, epoch(1), Durability.APPENDED));
    }

    protected static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Every batch from {@code from} to the log end, reading in steps of {@code maxBytes}. */
    protected static List<RecordBatch> readAll(PartitionLog log, long from, int maxBytes) {
        List<RecordBatch> out = new ArrayList<>();
        long next = from;
        while (next < log.logEndOffset()) {
            LogSlice slice = await(log.read(next, maxBytes));
            List<RecordBatch> batches = RecordBatch.split(slice.batches());
            assertThat(batches).as("read at %d", next).isNotEmpty();
            out.addAll(batches);
            next = batches.get(batches.size() - 1).nextOffset();
        }
        return out;
    }

    // ---------------------------------------------------------------- offsets

    @Test
    void appendsGetDenseBaseOffsetsStartingAtZero() {
        PartitionLog log = open();
        assertThat(log.logStartOffset()).isZero();
        assertThat(log.logEndOffset()).isZero();

        assertThat(append(log, batch(3, 1000)).baseOffset()).isZero();
        assertThat(append(log, batch(1, 1000)).baseOffset()).isEqualTo(3);
        assertThat(append(log, batch(5, 1000)).baseOffset()).isEqualTo(4);
    }

    @Test
    void endOffsetAdvancesByRecordCount() {
        PartitionLog log = open();
        Appended first = append(log, batch(4, 1000));
        assertThat(first.recordCount()).isEqualTo(4);
        assertThat(first.logEndOffset()).isEqualTo(4);
        assertThat(log.logEndOffset()).isEqualTo(4);

        Appended second = append(log, batch(10, 1000));
        assertThat(second.logEndOffset()).isEqualTo(14);
        assertThat(log.logEndOffset()).isEqualTo(14);
    }

    @Test
    void writerEpochIsStamped() {
        PartitionLog log = open();
        await(log.append(batch(2, 1000), epoch(42), Durability.APPENDED));
        await(log.append(batch(2, 1000), epoch(43), Durability.APPENDED));

        List<RecordBatch> batches = readAll(log, 0, 1 << 20);
        assertThat(batches).extracting(RecordBatch::writerEpoch).containsExactly(epoch(42), epoch(43));
    }

    @Test
    void storedBytesEqualAppendedBytesExceptBaseOffsetAndWriterEpoch() {
        PartitionLog log = open();
        append(log, batch(2, 500));
        byte[] original = bytes(batch(3, 1000));
        await(log.append(ByteBuffer.wrap(original.clone()), epoch(9), Durability.APPENDED));

        RecordBatch stored = RecordBatch.split(await(log.read(2, 1 << 20)).batches()).get(0);
        byte[] storedBytes = stored.toByteArray();
        assertThat(stored.baseOffset()).isEqualTo(2);
        assertThat(stored.writerEpoch()).isEqualTo(epoch(9));
        assertThat(stored.isCrcValid()).isTrue();
        stored.ensureValid();
        RecordBatch.wrap(storedBytes).setBaseOffset(0);
        RecordBatch.wrap(storedBytes).setWriterEpoch(0);
        assertThat(storedBytes).isEqualTo(original);
        assertThat(stored.records()).extracting(r -> r.offset()).containsExactly(2L, 3L, 4L);
    }

    // ---------------------------------------------------------------- reads

    @Test
    void readInTheMiddleOfABatchReturnsThatBatchFirst() {
        PartitionLog log = open();
        append(log, batch(5, 1000));
        append(log, batch(5, 2000));
        append(log, batch(5, 3000));

        LogSlice slice = await(log.read(7, 1 << 20));
        List<RecordBatch> batches = RecordBatch.split(slice.batches());
        assertThat(batches.get(0).baseOffset()).isEqualTo(5);
        assertThat(batches).extracting(RecordBatch::baseOffset).containsExactly(5L, 10L);
        assertThat(slice.logStartOffset()).isZero();
        assertThat(slice.logEndOffset()).isEqualTo(15);
    }

    @Test
    void readRespectsMaxBytesButReturnsAtLeastOneWholeBatch() {
        PartitionLog log = open();
        int size = batch(10, 1000, 100).remaining();
        for (int i = 0; i < 5; i++) {
            append(log, batch(10, 1000 + i, 100));
        }

        LogSlice tiny = await(log.read(0, 10));
        assertThat(RecordBatch.split(tiny.batches())).hasSize(1);
        assertThat(tiny.batches().remaining()).isEqualTo(size);

        LogSlice twoAndAHalf = await(log.read(0, size * 2 + size / 2));
        assertThat(RecordBatch.split(twoAndAHalf.batches())).extracting(RecordBatch::baseOffset)
                .containsExactly(0L, 10L);
        assertThat(twoAndAHalf.batches().remaining()).isEqualTo(2 * size);
    }

    @Test
    void readAtEndReturnsEmptySlice() {
        PartitionLog log = open();
        assertThat(await(log.read(0, 1024)).isEmpty()).isTrue();
        append(log, batch(3, 1000));

        LogSlice slice = await(log.read(3, 1024));
        assertThat(slice.isEmpty()).isTrue();
        assertThat(slice.logEndOffset()).isEqualTo(3);
    }

    @Test
    void readBelowStartFailsWithOutOfRangeNamingEarliestAndLatest() {
        PartitionLog log = open();
        append(log, batch(3, 1000));

        Throwable error = awaitFailure(log.read(-1, 1024));
        assertThat(error).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("earliest is 0").hasMessageContaining("latest is 3");
        OffsetOutOfRangeException e = (OffsetOutOfRangeException) error;
        assertThat(e.offset()).isEqualTo(-1);
        assertThat(e.logStartOffset()).isZero();
        assertThat(e.logEndOffset()).isEqualTo(3);
    }

    @Test
    void readAboveEndFailsWithOutOfRangeNamingEarliestAndLatest() {
        PartitionLog log = open();
        append(log, batch(3, 1000));

        Throwable error = awaitFailure(log.read(4, 1024));
        assertThat(error).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("earliest is 0").hasMessageContaining("latest is 3");
        assertThat(((OffsetOutOfRangeException) error).offset()).isEqualTo(4);
    }

    @Test
    void aReadCanSpanManyBatches() {
        PartitionLog log = open();
        for (int i = 0; i < 200; i++) {
            append(log, batch(2, 1000 + i, 8));
        }

        LogSlice slice = await(log.read(0, 10 << 20));
        List<RecordBatch> batches = RecordBatch.split(slice.batches());
        assertThat(batches).hasSize(200);
        for (int i = 0; i < batches.size(); i++) {
            assertThat(batches.get(i).baseOffset()).isEqualTo(2L * i);
            assertThat(batches.get(i).isCrcValid()).isTrue();
        }
    }

    @Test
    void readsInStepsReturnEveryBatchOnce() {
        PartitionLog log = open();
        for (int i = 0; i < 300; i++) {
            append(log, batch(1 + i % 4, 1000 + i, 1000));
        }

        List<RecordBatch> batches = readAll(log, 0, 7000);
        long expected = 0;
        for (RecordBatch b : batches) {
            assertThat(b.baseOffset()).isEqualTo(expected);
            expected = b.nextOffset();
        }
        assertThat(expected).isEqualTo(log.logEndOffset());
    }

    // ---------------------------------------------------------------- timestamps

    @Test
    void offsetForTimestampFindsFirstBatchWhoseMaxTimestampIsAtOrAfter() {
        PartitionLog log = open();
        append(log, batchWithTimestamps(1000, 1005));       // offsets 0-1, max 1005
        append(log, batchWithTimestamps(2000));             // offset 2, max 2000
        append(log, batchWithTimestamps(1500, 3000, 2500)); // offsets 3-5, max 3000

        assertThat(await(log.offsetForTimestamp(1005))).contains(new TimestampOffset(0, 1005));
        assertThat(await(log.offsetForTimestamp(1006))).contains(new TimestampOffset(2, 2000));
        assertThat(await(log.offsetForTimestamp(2000))).contains(new TimestampOffset(2, 2000));
        assertThat(await(log.offsetForTimestamp(2001))).contains(new TimestampOffset(3, 3000));
    }

    @Test
    void offsetForTimestampIsEmptyPastTheLastRecord() {
        PartitionLog log = open();
        assertThat(await(log.offsetForTimestamp(0))).isEmpty();
        append(log, batchWithTimestamps(1000, 3000));

        assertThat(await(log.offsetForTimestamp(3001))).isEmpty();
    }

    @Test
    void offsetForTimestampEarlierThanEverythingGivesTheLogStart() {
        PartitionLog log = open();
        append(log, batchWithTimestamps(1000, 1200));
        append(log, batchWithTimestamps(2000));

        Optional<TimestampOffset> found = await(log.offsetForTimestamp(0));
        assertThat(found).contains(new TimestampOffset(log.logStartOffset(), 1200));
    }

    // ---------------------------------------------------------------- restart and lifecycle

    @Test
    void dataAndEndOffsetSurviveAReopen() {
        PartitionLog log = open();
        List<byte[]> appended = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ByteBuffer b = batch(3, 1000 + i, 200);
            append(log, b.duplicate());
            appended.add(bytes(b));
        }
        List<RecordBatch> before = readAll(log, 0, 1 << 20);

        restart();
        PartitionLog reopened = open();
        assertThat(reopened.logEndOffset()).isEqualTo(60);
        List<RecordBatch> after = readAll(reopened, 0, 1 << 20);
        assertThat(after).hasSize(20);
        for (int i = 0; i < 20; i++) {
            assertThat(after.get(i).toByteArray()).isEqualTo(before.get(i).toByteArray());
        }
        assertThat(append(reopened, batch(1, 5000)).baseOffset()).isEqualTo(60);
    }

    @Test
    void appendsToDifferentPartitionsAreIndependent() {
        PartitionLog a = open(new PartitionId("contract", 1));
        PartitionLog b = open(new PartitionId("contract", 2));
        PartitionLog c = open(new PartitionId("other", 1));

        assertThat(append(a, batch(3, 1000)).baseOffset()).isZero();
        assertThat(append(b, batch(5, 2000)).baseOffset()).isZero();
        assertThat(append(a, batch(2, 1000)).baseOffset()).isEqualTo(3);
        assertThat(append(c, batch(1, 3000)).baseOffset()).isZero();

        assertThat(a.logEndOffset()).isEqualTo(5);
        assertThat(b.logEndOffset()).isEqualTo(5);
        assertThat(c.logEndOffset()).isEqualTo(1);
        assertThat(readAll(b, 0, 1 << 20)).singleElement()
                .satisfies(batch -> assertThat(batch.firstTimestamp()).isEqualTo(2000));
    }

    @Test
    void deleteRemovesAPartitionsData() {
        PartitionLog log = open();
        append(log, batch(3, 1000));
        PartitionLog other = open(new PartitionId("contract", 9));
        append(other, batch(2, 1000));
        log.close();

        await(engine.delete(PARTITION));
        restart();
        PartitionLog reopened = open();
        assertThat(reopened.logStartOffset()).isZero();
        assertThat(reopened.logEndOffset()).isZero();
        assertThat(await(reopened.read(0, 1024)).isEmpty()).isTrue();
        assertThat(open(new PartitionId("contract", 9)).logEndOffset()).isEqualTo(2);
    }

    @Test
    void durableAppendsComplete() {
        PartitionLog log = open();
        List<CompletableFuture<Appended>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(log.append(batch(2, 1000 + i), epoch(1), Durability.DURABLE).toCompletableFuture());
        }
        for (int i = 0; i < futures.size(); i++) {
            assertThat(await(futures.get(i)).baseOffset()).isEqualTo(2L * i);
        }
        await(log.flush());
        assertThat(log.logEndOffset()).isEqualTo(40);
    }

    // ---------------------------------------------------------------- concurrency

    /**
     * Appends {@code count} batches of {@code records(i)} records from the calling thread. Each
     * stage, when it completes, checks that every earlier call has completed already; violations
     * are added to {@code outOfOrder}.
     */
    private static List<CompletableFuture<Appended>> appendInOrder(PartitionLog log, int count, int epoch,
                                                                   IntUnaryOperator records,
                                                                   List<String> outOfOrder) {
        @SuppressWarnings("unchecked")
        CompletableFuture<Appended>[] futures = new CompletableFuture[count];
        for (int i = 0; i < count; i++) {
            Durability d = i % 7 == 0 ? Durability.DURABLE : Durability.APPENDED;
            futures[i] = log.append(batch(records.applyAsInt(i), 1000 + i), epoch, d).toCompletableFuture();
            int index = i;
            futures[i].thenAccept(a -> {
                for (int j = 0; j < index; j++) {
                    if (!futures[j].isDone()) {
                        outOfOrder.add("append " + index + " (offset " + a.baseOffset()
                                + ") completed before append " + j);
                    }
                }
            });
        }
        return List.of(futures);
    }

    @Test
    void appendsCompleteInCallOrderWhichIsOffsetOrder() {
        PartitionLog log = open();
        List<String> outOfOrder = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Appended>> futures = appendInOrder(log, 500, epoch(1), i -> 1 + i % 3, outOfOrder);

        long expected = 0;
        for (int i = 0; i < futures.size(); i++) {
            Appended a = await(futures.get(i));
            assertThat(a.baseOffset()).as("append %d", i).isEqualTo(expected);
            expected += 1 + i % 3;
        }
        assertThat(outOfOrder).isEmpty();
    }

    @Test
    void concurrentAppendsFromSeveralThreadsKeepDenseNonOverlappingOffsets() throws Exception {
        PartitionLog log = open();
        int threads = 4;
        int perThread = 150;
        CountDownLatch start = new CountDownLatch(1);
        List<List<Appended>> results = new ArrayList<>();
        List<String> outOfOrder = Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            List<Appended> mine = Collections.synchronizedList(new ArrayList<>());
            results.add(mine);
            int records = t + 1;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    appendInOrder(log, perThread, epoch(records), i -> records, outOfOrder)
                            .forEach(f -> mine.add(await(f)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            assertThat(w.isAlive()).as("worker still running").isFalse();
        }

        List<Appended> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            assertThat(results.get(t)).hasSize(perThread);
            assertThat(results.get(t)).extracting(Appended::baseOffset).isSorted();
            all.addAll(results.get(t));
        }
        assertThat(outOfOrder).isEmpty();
        all.sort((x, y) -> Long.compare(x.baseOffset(), y.baseOffset()));
        long expected = 0;
        for (Appended a : all) {
            assertThat(a.baseOffset()).isEqualTo(expected);
            expected += a.recordCount();
        }
        assertThat(log.logEndOffset()).isEqualTo(expected).isEqualTo(perThread * (1 + 2 + 3 + 4));

        // Each stored batch carries the epoch its writer used, which is its record count here
        // (or the lease's epoch, the only one a leased log accepts).
        for (RecordBatch b : readAll(log, 0, 1 << 20)) {
            assertThat(b.writerEpoch()).isEqualTo(epoch(b.recordCount()));
            assertThat(b.isCrcValid()).isTrue();
        }
    }

    @Test
    void readsConcurrentWithAppendsSeeOnlyWholeAppendedBatches() throws Exception {
        PartitionLog log = open();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 400; i++) {
                await(log.append(batch(2, 1000 + i, 300), epoch(1), Durability.APPENDED));
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!writer.isDone() && System.nanoTime() < deadline) {
            long end = log.logEndOffset();
            LogSlice slice = await(log.read(0, 1 << 20));
            List<RecordBatch> batches = RecordBatch.split(slice.batches());
            assertThat(slice.batches().remaining()).isEqualTo(batches.stream().mapToInt(RecordBatch::sizeInBytes).sum());
            assertThat(batches).allSatisfy(b -> assertThat(b.isCrcValid()).isTrue());
            if (!batches.isEmpty()) {
                assertThat(batches.get(batches.size() - 1).nextOffset()).isLessThanOrEqualTo(slice.logEndOffset());
            }
            assertThat(slice.logEndOffset()).isGreaterThanOrEqualTo(end);
        }
        writer.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(log.logEndOffset()).isEqualTo(800);
    }

    // ---------------------------------------------------------------- fencing

    /** An epoch for this suite's own fencing tests, above the suite's lease epoch. */
    private int fencingEpoch() {
        return Math.max(1, lease().epoch() + 1);
    }

    @Test
    void appendsFailFencedOnceTheLeaseIsInvalidAndTheLogStaysFenced() {
        PartitionId id = new PartitionId("fencing", 1);
        TestLease lease = TestLease.of(fencingEpoch());
        PartitionLog log = await(engine.open(id, logConfig(), lease));
        assertThat(await(log.append(batch(3, 1000), lease.epoch(), Durability.APPENDED)).baseOffset()).isZero();

        lease.revoke();
        Throwable error = awaitFailure(log.append(batch(2, 2000), lease.epoch(), Durability.APPENDED));

        assertThat(error).isInstanceOf(FencedException.class);
        assertThat(((FencedException) error).epoch()).isEqualTo(lease.epoch());
        assertThat(((FencedException) error).partition()).isEqualTo(id);
        assertThat(awaitFailure(log.append(batch(1, 3000), lease.epoch(), Durability.DURABLE)))
                .isInstanceOf(FencedException.class);
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(readAll(log, 0, 1 << 20)).extracting(RecordBatch::baseOffset).containsExactly(0L);
    }

    @Test
    void anAppendWithAnotherEpochThanTheLeaseIsRefused() {
        TestLease lease = TestLease.of(fencingEpoch());
        PartitionLog log = await(engine.open(new PartitionId("fencing", 2), logConfig(), lease));

        Throwable error = awaitFailure(log.append(batch(1, 1000), lease.epoch() + 1, Durability.APPENDED));

        assertThat(error).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(lease.epoch() + 1))
                .hasMessageContaining(String.valueOf(lease.epoch()));
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void openingWithALowerEpochThanTheOpenLogIsFenced() {
        PartitionId id = new PartitionId("fencing", 3);
        await(engine.open(id, logConfig(), TestLease.of(fencingEpoch() + 1)));

        Throwable error = awaitFailure(engine.open(id, logConfig(), TestLease.of(fencingEpoch())));

        assertThat(error).isInstanceOf(FencedException.class);
    }

    @Test
    void openingWithAHigherEpochFencesTheOpenLogAndResumesAtItsEnd() {
        PartitionId id = new PartitionId("fencing", 4);
        TestLease first = TestLease.of(fencingEpoch());
        PartitionLog old = await(engine.open(id, logConfig(), first));
        for (int i = 0; i < 3; i++) {
            await(old.append(batch(2, 1000 + i), first.epoch(), Durability.APPENDED));
        }

        TestLease second = TestLease.of(fencingEpoch() + 1);
        PartitionLog current = await(engine.open(id, logConfig(), second));

        assertThat(current.logEndOffset()).isEqualTo(6);
        assertThat(awaitFailure(old.append(batch(1, 2000), first.epoch(), Durability.APPENDED)))
                .isInstanceOf(FencedException.class);
        assertThat(await(current.append(batch(4, 3000), second.epoch(), Durability.APPENDED)).baseOffset()).isEqualTo(6);
        assertThat(readAll(current, 0, 1 << 20)).extracting(RecordBatch::writerEpoch)
                .containsExactly(first.epoch(), first.epoch(), first.epoch(), second.epoch());
        old.close();
        assertThat(await(current.append(batch(1, 4000), second.epoch(), Durability.APPENDED)).baseOffset()).isEqualTo(10);
    }
}
