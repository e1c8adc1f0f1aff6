package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.scylla.internal.EpochClock;
import io.rafka.storage.scylla.internal.ScyllaPartitionLog;
import io.rafka.testkit.Poll;
import io.rafka.testkit.TestLease;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Writer fencing against a real CQL server: two engines are two nodes taking a partition over
 * from each other. Engines that name the server by the same contact points also fence each other
 * inside this JVM ({@code OpenWriters}); an engine that names it differently ("localhost" for
 * "127.0.0.1") stands for a node in another process, fenced only by its lease and by storage.
 */
@ExtendWith(CqlServerExtension.class)
class ScyllaFencingIT {
    private static final long TIMEOUT_SECONDS = 30;
    private static final LogConfig FOREVER = new LogConfig(-1, -1, 256 * 1024);

    private final CqlEndpoint endpoint;
    private final List<ScyllaLogEngine> engines = new ArrayList<>();
    private String keyspace;
    private CqlSession inspector;

    ScyllaFencingIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @BeforeEach
    void setUp() {
        keyspace = ScyllaTestSupport.freshKeyspace("fence");
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

    /** A node in this process: same contact points as every other such node. */
    private ScyllaLogEngine node() {
        return node(UnaryOperator.identity());
    }

    private ScyllaLogEngine node(UnaryOperator<ScyllaConfig.Builder> settings) {
        return start(settings.apply(ScyllaTestSupport.config(endpoint, keyspace).bucketOffsets(10)).build());
    }

    /** A node standing for another process: the same server under another name. */
    private ScyllaLogEngine nodeElsewhere() {
        List<String> renamed = endpoint.contactPointStrings().stream()
                .map(cp -> cp.startsWith("127.0.0.1:") ? "localhost:" + cp.substring("127.0.0.1:".length()) : cp)
                .toList();
        assumeThat(renamed).as("the server has a second name").isNotEqualTo(endpoint.contactPointStrings());
        return node(b -> b.contactPoints(renamed));
    }

    /** One batch per CQL write and 8 writes in flight, so that many stay queued or in flight for a while. */
    private static ScyllaConfig.Builder oneBatchPerWrite(ScyllaConfig.Builder b) {
        return b.writeGroupBytes(1).maxInFlightWrites(8);
    }

    private ScyllaLogEngine start(ScyllaConfig config) {
        ScyllaLogEngine e = ScyllaLogEngine.connect(config);
        engines.add(e);
        return e;
    }

    // ---------------------------------------------------------------- takeover

    @Test
    void aNewOwnerResumesAtTheOldOwnersEndSeesItsRecordsAndTheOldOwnerIsFenced() {
        PartitionId p = new PartitionId("takeover", 0);
        TestLease leaseA = TestLease.of(1);
        PartitionLog a = await(node().open(p, FOREVER, leaseA));
        Written written = new Written();
        for (int i = 0; i < 20; i++) {
            written.acknowledged(await(a.append(written.next(1 + i % 4), 1, Durability.DURABLE)));
        }

        PartitionLog b = await(nodeElsewhere().open(p, FOREVER, TestLease.of(2)));

        assertThat(b.logEndOffset()).isEqualTo(a.logEndOffset()).isEqualTo(written.acknowledgedEnd);
        written.assertExactlyAcknowledged(readAll(b));
        leaseA.revoke();
        assertThat(awaitFailure(a.append(written.next(2), 1, Durability.DURABLE))).isInstanceOf(FencedException.class);
        assertThat(awaitFailure(a.append(written.next(2), 1, Durability.APPENDED))).isInstanceOf(FencedException.class);

        Written mine = new Written(written.acknowledgedEnd);
        for (int i = 0; i < 5; i++) {
            mine.acknowledged(await(b.append(mine.next(3), 2, Durability.DURABLE)));
        }
        List<RecordBatch> all = readAll(b);
        written.assertExactlyAcknowledged(all.subList(0, 20));
        mine.assertExactlyAcknowledged(all.subList(20, all.size()));
        assertThat(all).extracting(RecordBatch::writerEpoch).containsOnly(1, 2);

        // A third owner reads the same log from storage alone.
        PartitionLog c = await(nodeElsewhere().open(p, FOREVER, TestLease.of(3)));
        assertThat(readAll(c)).extracting(RecordBatch::toByteArray).usingElementComparator(Arrays::compare)
                .containsExactlyElementsOf(all.stream().map(RecordBatch::toByteArray).toList());
    }

    @Test
    void writesInFlightWhenANewOwnerOpensInTheSameProcessAreAcknowledgedExactlyWhenVisible() throws Exception {
        PartitionId p = new PartitionId("inflight", 0);
        PartitionLog a = await(node(ScyllaFencingIT::oneBatchPerWrite).open(p, FOREVER, TestLease.of(1)));
        ScyllaLogEngine nodeB = node();
        Written written = new Written();
        List<CompletableFuture<Appended>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(a.append(written.next(1 + i % 5), 1, Durability.APPENDED).toCompletableFuture());
        }

        PartitionLog b = await(nodeB.open(p, FOREVER, TestLease.of(2)));

        int acked = written.settle(futures);
        assertThat(((ScyllaPartitionLog) a).isFenced()).isTrue();
        assertThat(acked).isLessThan(1000);
        assertThat(b.logEndOffset()).as("B resumes exactly at the acknowledged end (%d of 1000 acknowledged)", acked)
                .isEqualTo(written.acknowledgedEnd);
        written.assertExactlyAcknowledged(readAll(b));
        Written mine = new Written(written.acknowledgedEnd);
        for (int i = 0; i < 30; i++) {
            mine.acknowledged(await(b.append(mine.next(2), 2, Durability.APPENDED)));
        }
        List<RecordBatch> all = readAll(b);
        written.assertExactlyAcknowledged(all.subList(0, acked));
        mine.assertExactlyAcknowledged(all.subList(acked, all.size()));
    }

    @Test
    void anOldOwnerAcknowledgesNothingAfterItsLeaseRanOutAndNothingItLandsLateIsVisible() throws Exception {
        PartitionId p = new PartitionId("late", 0);
        TestLease leaseA = TestLease.of(1);
        PartitionLog a = await(node(ScyllaFencingIT::oneBatchPerWrite).open(p, FOREVER, leaseA));
        ScyllaLogEngine nodeB = nodeElsewhere();
        Written written = new Written();
        List<CompletableFuture<Appended>> futures = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            futures.add(a.append(written.next(1 + i % 3), 1, Durability.APPENDED).toCompletableFuture());
        }
        Poll.until(Duration.ofSeconds(TIMEOUT_SECONDS), "some appends of A acknowledged",
                () -> futures.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count() >= 20);

        // A's lease runs out while its writes are in flight; B, in another process, takes over at once.
        leaseA.revoke();
        PartitionLog b = await(nodeB.open(p, FOREVER, TestLease.of(2)));
        long openedAt = b.logEndOffset();
        Written mine = new Written(openedAt);
        for (int i = 0; i < 60; i++) {
            mine.acknowledged(await(b.append(mine.next(1 + i % 4), 2, Durability.APPENDED)));
        }
        int acked = written.settle(futures);

        assertThat(acked).isBetween(20, 999);
        assertThat(openedAt).isGreaterThanOrEqualTo(written.acknowledgedEnd);
        for (PartitionLog reader : List.of(b, await(nodeElsewhere().open(p, FOREVER, TestLease.of(3))))) {
            List<RecordBatch> all = readAll(reader);
            List<RecordBatch> before = all.stream().filter(x -> x.baseOffset() < openedAt).toList();
            List<RecordBatch> after = all.stream().filter(x -> x.baseOffset() >= openedAt).toList();
            // Below where B opened: every acknowledged append of A, then perhaps appends of A that
            // failed only after they were written (their outcome is open, as after a timeout).
            written.assertAcknowledgedThenOnlyAttempted(before);
            // From there on: exactly B's appends, however A's late writes landed.
            mine.assertExactlyAcknowledged(after);
        }
        assertThat(awaitFailure(a.append(written.next(1), 1, Durability.APPENDED))).isInstanceOf(FencedException.class);
    }

    // ---------------------------------------------------------------- ghost rows

    @Test
    void rowsOfAnOldEpochLandingAfterTheTakeoverAreNeverReadNorFoundByTimestamp() {
        PartitionId p = new PartitionId("ghosts", 0);
        ScyllaLogEngine first = node();
        PartitionLog a = await(first.open(p, FOREVER, TestLease.of(1)));
        List<ByteBuffer> expected = new ArrayList<>();
        for (long base = 0; base < 6; base += 3) {
            ByteBuffer batch = timestamped(base, 3);
            expected.add(batch.duplicate());
            await(a.append(batch, 1, Durability.DURABLE));
        }
        a.close();
        PartitionLog b = await(nodeElsewhere().open(p, FOREVER, TestLease.of(2)));
        assertThat(b.logEndOffset()).isEqualTo(6);

        // Late writes of epoch 1, with epoch-1 timestamps (below any of epoch 2), beyond B's end.
        long oldTs = EpochClock.base(1) + 1_000_000;
        ghost(p, 12, 14, 9_000, oldTs);     // bucket 1: B's open deleted from 6 on there
        ghost(p, 35, 35, 9_000, oldTs);     // bucket 3, inside B's batch 34..37, and early in scan order
        ghost(p, 37, 38, 9_000, oldTs);     // across B's batches 34..37 and 38..41
        ghost(p, 42, 43, 9_000, oldTs);     // where B's batch 42..45 starts: B's row replaces it
        ghost(p, 44, 49, 99_999, oldTs);    // inside B's batches 42..45 and 46..49
        ghost(p, 54, 54, 99_999, oldTs);    // beyond B's end

        for (long base = 6; base < 50; base += 4) {
            ByteBuffer batch = timestamped(base, 4);
            expected.add(batch.duplicate());
            await(b.append(batch, 2, Durability.DURABLE));
        }
        assertThat(b.logEndOffset()).isEqualTo(50);

        for (PartitionLog reader : List.of(b, await(node().open(p, FOREVER, TestLease.of(3))))) {
            List<RecordBatch> all = readAll(reader);
            assertThat(all).hasSize(expected.size());
            for (int i = 0; i < all.size(); i++) {
                assertThat(normalized(all.get(i))).as("batch %d", i).isEqualTo(normalized(RecordBatch.wrap(expected.get(i))));
            }
            for (long offset = 0; offset < 50; offset++) {
                RecordBatch holder = RecordBatch.split(await(reader.read(offset, 1)).batches()).get(0);
                assertThat(holder.baseOffset()).as("batch holding %d", offset).isLessThanOrEqualTo(offset);
                assertThat(holder.lastOffset()).as("batch holding %d", offset).isGreaterThanOrEqualTo(offset);
                assertThat(holder.maxTimestamp()).as("batch holding %d", offset).isLessThan(9_000);
            }
            // Batch max timestamps are 5000 + its last offset; the ghost at 35 (9000) comes first in scan order.
            assertThat(await(reader.offsetForTimestamp(5_040))).contains(new TimestampOffset(38, 5_041));
            assertThat(await(reader.offsetForTimestamp(9_000))).isEmpty();
            assertThat(await(reader.offsetForTimestamp(0))).contains(new TimestampOffset(0, 5_002));
        }
        Row replaced = inspector.execute(SimpleStatement.newInstance("SELECT writer_epoch, last_offset FROM " + keyspace
                + ".batches WHERE topic = 'ghosts' AND partition = 0 AND bucket = 4 AND base_offset = 42")).one();
        assertThat(replaced.getInt("writer_epoch")).isEqualTo(2);
        assertThat(replaced.getLong("last_offset")).isEqualTo(45);
        assertThat(inspector.execute(SimpleStatement.newInstance("SELECT base_offset FROM " + keyspace
                + ".batches WHERE topic = 'ghosts' AND partition = 0 AND bucket = 1 AND base_offset = 12")).one())
                .as("the ghost at 12 lands in a bucket B's open deleted: shadowed").isNull();
    }

    // ---------------------------------------------------------------- epochs at open

    @Test
    void openingWithALowerEpochThanStoredIsFencedAndSoIsTheSoleWriter() {
        PartitionId p = new PartitionId("lower", 0);
        ScyllaLogEngine here = node();
        await(here.open(p, FOREVER, TestLease.of(3))).close();
        ScyllaLogEngine elsewhere = nodeElsewhere();

        Throwable sole = awaitFailure(elsewhere.open(p, FOREVER));
        Throwable lower = awaitFailure(elsewhere.open(p, FOREVER, TestLease.of(2)));
        Throwable lowerHere = awaitFailure(here.open(p, FOREVER, TestLease.of(2)));

        assertThat(lower).isInstanceOf(FencedException.class).hasMessageContaining("epoch 3 has opened it");
        assertThat(((FencedException) lower).epoch()).isEqualTo(2);
        assertThat(sole).isInstanceOf(FencedException.class).hasMessageContaining("sole writer");
        assertThat(lowerHere).isInstanceOf(FencedException.class);
        assertThat(await(elsewhere.open(p, FOREVER, TestLease.of(3))).logEndOffset()).isZero();
    }

    @Test
    void epochsWhoseTimestampsWouldNotFitAreRefused() {
        Throwable error = awaitFailure(node().open(new PartitionId("huge", 0), FOREVER,
                TestLease.of(EpochClock.MAX_EPOCH + 1)));

        assertThat(error).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(EpochClock.MAX_EPOCH));
        assertThat(await(node().open(new PartitionId("huge", 1), FOREVER, TestLease.of(EpochClock.MAX_EPOCH)))
                .logEndOffset()).isZero();
    }

    @Test
    void aSoleWriterPartitionCanBeTakenOverAndItsRowsStayReadable() {
        PartitionId p = new PartitionId("upgrade", 0);
        PartitionLog sole = await(node().open(p, FOREVER));
        for (int i = 0; i < 4; i++) {
            await(sole.append(timestamped(i * 2L, 2), 17, Durability.DURABLE));
        }
        sole.close();

        PartitionLog fenced = await(nodeElsewhere().open(p, FOREVER, TestLease.of(1)));
        await(fenced.append(timestamped(8, 2), 1, Durability.DURABLE));

        assertThat(readAll(fenced)).extracting(RecordBatch::writerEpoch).containsExactly(17, 17, 17, 17, 1);
        assertThat(awaitFailure(node().open(p, FOREVER))).isInstanceOf(FencedException.class);
    }

    @Test
    void aReopenWithTheSameEpochWritesAboveEverythingTheEpochWroteBefore() {
        PartitionId p = new PartitionId("same", 0);
        ScyllaLogEngine one = node();
        PartitionLog first = await(one.open(p, FOREVER, TestLease.of(4)));
        for (int i = 0; i < 3; i++) {
            await(first.append(timestamped(i * 2L, 2), 4, Durability.DURABLE));
        }
        first.close();
        one.close();

        PartitionLog second = await(node().open(p, FOREVER, TestLease.of(4)));
        for (int i = 3; i < 6; i++) {
            await(second.append(timestamped(i * 2L, 2), 4, Durability.DURABLE));
        }

        List<Long> writetimes = inspector.execute(SimpleStatement.newInstance("SELECT writetime(data) FROM " + keyspace
                        + ".batches WHERE topic = 'same' AND partition = 0 AND bucket IN (0, 1)")).all().stream()
                .map(r -> r.getLong(0)).toList();
        assertThat(writetimes).hasSize(6).isSorted().doesNotHaveDuplicates()
                .allSatisfy(ts -> assertThat(EpochClock.epochOf(ts)).isEqualTo(4));
        assertThat(writetimes.get(3) - writetimes.get(2)).as("the second log started above the first's high-water mark")
                .isGreaterThan(1000);
        assertThat(readAll(second)).hasSize(6);
    }

    @Test
    void aDeletedFencedPartitionRestartsForItsEpochAndRefusesLowerOnes() {
        PartitionId p = new PartitionId("deleted", 0);
        ScyllaLogEngine here = node();
        PartitionLog log = await(here.open(p, FOREVER, TestLease.of(2)));
        await(log.append(timestamped(0, 3), 2, Durability.DURABLE));
        log.close();

        await(here.delete(p));

        ScyllaLogEngine elsewhere = nodeElsewhere();
        assertThat(awaitFailure(elsewhere.open(p, FOREVER))).isInstanceOf(FencedException.class);
        assertThat(awaitFailure(elsewhere.open(p, FOREVER, TestLease.of(1)))).isInstanceOf(FencedException.class);
        PartitionLog again = await(elsewhere.open(p, FOREVER, TestLease.of(2)));
        assertThat(again.logEndOffset()).isZero();
        assertThat(await(again.read(0, 1024)).isEmpty()).isTrue();
        assertThat(await(again.append(timestamped(0, 2), 2, Durability.DURABLE)).baseOffset()).isZero();
        assertThat(readAll(again)).singleElement().satisfies(b -> assertThat(b.recordCount()).isEqualTo(2));
    }

    // ---------------------------------------------------------------- helpers

    /** What one writer appended, in call order, and which appends were acknowledged where. */
    private static final class Written {
        final List<byte[]> attempts = new ArrayList<>();
        final Map<Long, Integer> byId = new HashMap<>();
        final List<Long> acknowledgedAt = new ArrayList<>();
        final long start;
        long acknowledgedEnd;
        long nextId;

        Written() {
            this(0);
        }

        Written(long start) {
            this.start = start;
            this.acknowledgedEnd = start;
            this.nextId = start * 1000 + 1_000_000;
        }

        /** A new batch of {@code records}, recognisable by its first timestamp. */
        ByteBuffer next(int records) {
            long id = nextId++;
            RecordBatchBuilder b = new RecordBatchBuilder(RecordBatch.HEADER_SIZE + records * 64);
            for (int i = 0; i < records; i++) {
                b.append(id * 100 + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                        ("v" + id + "-" + i).getBytes(StandardCharsets.UTF_8));
            }
            byte[] bytes = b.build();
            byId.put(id * 100, attempts.size());
            attempts.add(bytes.clone());
            acknowledgedAt.add(null);
            return ByteBuffer.wrap(bytes);
        }

        /** The last attempted append (appended and awaited alone) was acknowledged. */
        void acknowledged(Appended a) {
            acknowledged(attempts.size() - 1, a);
        }

        private void acknowledged(int index, Appended a) {
            assertThat(a.baseOffset()).as("append %d", index).isEqualTo(acknowledgedEnd);
            acknowledgedAt.set(index, a.baseOffset());
            acknowledgedEnd = a.baseOffset() + a.recordCount();
        }

        /**
         * Waits for every append; checks the acknowledged ones form a prefix and the others failed
         * with {@link FencedException}. Returns how many were acknowledged.
         */
        int settle(List<CompletableFuture<Appended>> futures) throws Exception {
            int acked = 0;
            boolean failedBefore = false;
            for (int i = 0; i < futures.size(); i++) {
                try {
                    Appended a = futures.get(i).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    assertThat(failedBefore).as("append %d acknowledged after an earlier one failed", i).isFalse();
                    acknowledged(i, a);
                    acked++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).as("append %d", i).isInstanceOf(FencedException.class);
                    failedBefore = true;
                }
            }
            return acked;
        }

        /** The batches are exactly the acknowledged appends, in order, at their offsets. */
        void assertExactlyAcknowledged(List<RecordBatch> batches) {
            List<Integer> acked = new ArrayList<>();
            for (int i = 0; i < attempts.size(); i++) {
                if (acknowledgedAt.get(i) != null) {
                    acked.add(i);
                }
            }
            assertThat(batches).hasSize(acked.size());
            assertDense(batches, start);
            for (int k = 0; k < batches.size(); k++) {
                RecordBatch got = batches.get(k);
                int i = acked.get(k);
                assertThat(got.baseOffset()).isEqualTo(acknowledgedAt.get(i));
                assertThat(normalized(got)).as("batch at %d", got.baseOffset()).isEqualTo(normalizedCopy(attempts.get(i)));
            }
        }

        /**
         * The batches start with every acknowledged append at its offset; after those come only
         * appends that were attempted and not acknowledged, in call order, each exactly as
         * appended.
         */
        void assertAcknowledgedThenOnlyAttempted(List<RecordBatch> batches) {
            assertDense(batches, start);
            int lastIndex = -1;
            int acked = (int) acknowledgedAt.stream().filter(o -> o != null).count();
            assertThat(batches.size()).isGreaterThanOrEqualTo(acked);
            for (int k = 0; k < batches.size(); k++) {
                RecordBatch got = batches.get(k);
                Integer i = byId.get(got.firstTimestamp());
                assertThat(i).as("batch at %d is one this writer appended", got.baseOffset()).isNotNull();
                assertThat(i).as("batch at %d in call order", got.baseOffset()).isGreaterThan(lastIndex);
                lastIndex = i;
                assertThat(normalized(got)).isEqualTo(normalizedCopy(attempts.get(i)));
                if (k < acked) {
                    assertThat(acknowledgedAt.get(i)).as("acknowledged append %d", i).isEqualTo(got.baseOffset());
                } else {
                    assertThat(acknowledgedAt.get(i)).as("append %d after the acknowledged ones", i).isNull();
                }
            }
        }
    }

    private static void assertDense(List<RecordBatch> batches, long from) {
        long next = from;
        for (RecordBatch b : batches) {
            assertThat(b.baseOffset()).isEqualTo(next);
            assertThat(b.isCrcValid()).as("CRC of the batch at %d", b.baseOffset()).isTrue();
            next = b.nextOffset();
        }
    }

    private static byte[] normalized(RecordBatch b) {
        return normalizedCopy(b.toByteArray());
    }

    private static byte[] normalizedCopy(byte[] bytes) {
        byte[] copy = bytes.clone();
        RecordBatch.wrap(copy).setBaseOffset(0);
        RecordBatch.wrap(copy).setWriterEpoch(0);
        return copy;
    }

    /** A batch of {@code records} whose record timestamps are 5000 + the offsets it will get. */
    private static ByteBuffer timestamped(long base, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (int i = 0; i < records; i++) {
            b.append(5_000 + base + i, null, ("r" + (base + i)).getBytes(StandardCharsets.UTF_8));
        }
        return ByteBuffer.wrap(b.build());
    }

    /** Writes a row as a late write of epoch 1 would land: raw, with a timestamp of epoch 1. */
    private void ghost(PartitionId p, long base, long last, long maxTimestamp, long timestamp) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (long o = base; o <= last; o++) {
            b.append(maxTimestamp, null, "ghost".getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = b.build();
        RecordBatch.wrap(bytes).setBaseOffset(base);
        RecordBatch.wrap(bytes).setWriterEpoch(1);
        inspector.execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".batches (topic, partition, bucket,"
                                + " base_offset, last_offset, max_timestamp, writer_epoch, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        p.topic(), p.partition(), Math.floorDiv(base, 10L), base, last, maxTimestamp, 1, ByteBuffer.wrap(bytes))
                .setQueryTimestamp(timestamp));
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

    private static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    private static Throwable awaitFailure(CompletionStage<?> stage) {
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
