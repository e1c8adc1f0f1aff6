package io.rafka.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaException;
import io.rafka.client.RecordMetadata;
import io.rafka.record.PartitionHash;
import io.rafka.record.RecordBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ProducerEngineTest {
    private static final String TOPIC = "orders";

    private final FakeTransport transport = new FakeTransport();
    private final ManualTimer timer = new ManualTimer();

    private ProducerEngine engine(ProducerConfig.Builder b) {
        transport.partitionCounts.put(TOPIC, 4);
        return new ProducerEngine(b.build(), transport, timer, timer.now::get);
    }

    private static ProducerConfig.Builder config() {
        // the sealing rules under test are size and linger; sendWhenIdle has its own test
        return ProducerConfig.builder("localhost:9092").batchSizeBytes(1024).lingerMs(5)
                .retryBackoffMs(100).retryBackoffMaxMs(5000).deliveryTimeoutMs(120_000)
                .requestTimeoutMs(30_000).sendWhenIdle(false);
    }

    private static ProducerRecord record(int partition, int i) {
        byte[] value = new byte[100];
        value[0] = (byte) i;
        return new ProducerRecord(TOPIC, partition, null, value, List.of(), 0L);
    }

    /**
     * Sends one record to {@code partition} and acknowledges it, so the partition's producer id is
     * known to the broker and later batches may be pipelined; its sequence range is [0, 0].
     */
    private void confirmProducerId(ProducerEngine e, int partition) {
        CompletableFuture<RecordMetadata> f = e.send(record(partition, 99));
        timer.advance(5);
        assertThat(transport.calls).hasSize(1);
        transport.calls.get(0).succeed(0);
        assertThat(f).isCompleted();
        transport.calls.clear();
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keyedRecordsGoToThePartitionHashPartition() {
        ProducerEngine e = engine(config());
        for (String k : List.of("a", "user-17", "order-42", "", "zzzzzzzzzzzzzzzzz")) {
            e.send(new ProducerRecord(TOPIC, key(k), new byte[10]));
        }
        timer.advance(5);
        // one call per partition holding keyed records; each record's partition is the hash's
        List<Integer> expected = new ArrayList<>();
        for (String k : List.of("a", "user-17", "order-42", "", "zzzzzzzzzzzzzzzzz")) {
            expected.add(PartitionHash.partitionFor(key(k), 4));
        }
        for (FakeTransport.Call c : transport.calls) {
            int p = c.request().getPartition();
            long keysHere = expected.stream().filter(x -> x == p).count();
            assertThat((long) c.batch().recordCount()).isEqualTo(keysHere);
        }
        assertThat(transport.calls.stream().mapToInt(c -> c.batch().recordCount()).sum()).isEqualTo(5);
    }

    @Test
    void explicitPartitionBeyondTheCountFailsNamingValueAndLimit() {
        ProducerEngine e = engine(config());
        CompletableFuture<RecordMetadata> f = e.send(record(9, 0));
        assertThat(f).isCompletedExceptionally();
        RafkaException ex = unwrap(f);
        assertThat(ex.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(ex.getMessage()).contains("partition 9").contains("partition count 4");
    }

    @Test
    void nullKeysStickToOnePartitionUntilItsBatchIsSealedThenMoveOn() {
        ProducerEngine e = engine(config().batchSizeBytes(1024));
        byte[] v = new byte[100];
        // 1024-byte batches of ~110-byte records: the first batch seals by size after 8 records
        for (int i = 0; i < 8; i++) {
            e.send(new ProducerRecord(TOPIC, null, null, v, List.of(), 0L));
        }
        assertThat(transport.calls).hasSize(1);
        int first = transport.calls.get(0).request().getPartition();
        assertThat(transport.calls.get(0).batch().recordCount()).isEqualTo(8);
        e.send(new ProducerRecord(TOPIC, null, null, v, List.of(), 0L));
        timer.advance(5);
        assertThat(transport.calls).hasSize(2);
        assertThat(transport.calls.get(1).request().getPartition()).isEqualTo((first + 1) % 4);
    }

    @Test
    void batchIsSealedWhenFullAndSentWithoutWaitingForLinger() {
        ProducerEngine e = engine(config().lingerMs(1000));
        for (int i = 0; i < 8; i++) {
            e.send(record(0, i));
        }
        assertThat(transport.calls).hasSize(1);
        RecordBatch b = transport.calls.get(0).batch();
        assertThat(b.recordCount()).isEqualTo(8);
        assertThat(b.sizeInBytes()).isLessThanOrEqualTo(1024);
        b.ensureValid();
    }

    @Test
    void batchIsSealedWhenLingerPasses() {
        ProducerEngine e = engine(config().lingerMs(5));
        e.send(record(1, 0));
        e.send(record(1, 1));
        timer.advance(4);
        assertThat(transport.calls).isEmpty();
        timer.advance(1);
        assertThat(transport.calls).hasSize(1);
        assertThat(transport.calls.get(0).batch().recordCount()).isEqualTo(2);
    }

    @Test
    void sequencesAreAssignedPerPartitionAtSealAndOffsetsFollowTheBaseOffset() {
        ProducerEngine e = engine(config());
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            fs.add(e.send(record(2, i)));
        }
        e.send(record(3, 0));
        timer.advance(5);
        // only the first batch of a producer id not yet confirmed by the broker flies
        List<FakeTransport.Call> p2 = transport.calls.stream()
                .filter(c -> c.request().getPartition() == 2).toList();
        assertThat(p2).hasSize(1);
        p2.get(0).succeed(100);
        p2 = transport.calls.stream().filter(c -> c.request().getPartition() == 2).toList();
        assertThat(p2).hasSize(3);
        assertThat(p2.get(0).batch().baseSequence()).isEqualTo(0);
        assertThat(p2.get(1).batch().baseSequence()).isEqualTo(8);
        assertThat(p2.get(2).batch().baseSequence()).isEqualTo(16);
        assertThat(p2.get(0).batch().producerId()).isEqualTo(7);
        FakeTransport.Call p3 = transport.calls.stream()
                .filter(c -> c.request().getPartition() == 3).findFirst().orElseThrow();
        assertThat(p3.batch().baseSequence()).isEqualTo(0);

        p2.get(1).succeed(108);
        p2.get(2).succeed(116);
        for (int i = 0; i < 20; i++) {
            assertThat(fs.get(i).join().offset()).isEqualTo(100 + i);
            assertThat(fs.get(i).join().partition()).isEqualTo(2);
        }
    }

    @Test
    void retryableFailureResendsTheFailedAndLaterBatchesInOrderWithTheSameBytes() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(5));
        confirmProducerId(e, 0);
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 24; i++) { // three full batches, all in flight
            fs.add(e.send(record(0, i)));
        }
        assertThat(transport.calls).hasSize(3);
        List<FakeTransport.Call> first = List.copyOf(transport.calls);

        first.get(0).fail(Status.UNAVAILABLE.withDescription("storage down"));
        // the later ones were rejected by the broker as out of order: stale, ignored
        first.get(1).fail(Status.ABORTED.withDescription("out of order sequence 8, expected 0"));
        first.get(2).fail(Status.ABORTED.withDescription("out of order sequence 16, expected 0"));
        assertThat(transport.calls).hasSize(3);
        assertThat(fs).noneMatch(CompletableFuture::isDone);

        timer.advance(99);
        assertThat(transport.calls).hasSize(3);
        timer.advance(1);
        assertThat(transport.calls).hasSize(6);
        List<FakeTransport.Call> resent = transport.calls.subList(3, 6);
        for (int i = 0; i < 3; i++) {
            assertThat(resent.get(i).request().getBatch()).isEqualTo(first.get(i).request().getBatch());
            assertThat(resent.get(i).batch().baseSequence()).isEqualTo(1 + 8 * i);
        }
        resent.get(0).succeed(50);
        resent.get(1).succeed(58);
        resent.get(2).succeed(66);
        for (int i = 0; i < 24; i++) {
            assertThat(fs.get(i).join().offset()).isEqualTo(50 + i);
        }
    }

    @Test
    void batchThatOvertookAnEarlierOneIsResentWithoutBackoffOnceTheEarlierAnswered() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(5));
        confirmProducerId(e, 0);
        for (int i = 0; i < 24; i++) {
            e.send(record(0, i));
        }
        List<FakeTransport.Call> first = List.copyOf(transport.calls);
        first.get(1).fail(Status.ABORTED.withDescription("out of order sequence 8, expected 0"));
        first.get(2).fail(Status.ABORTED.withDescription("out of order sequence 16, expected 0"));
        assertThat(transport.calls).hasSize(3);
        first.get(0).succeed(0);
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence())
                .containsExactly(1, 9, 17, 9, 17);
        assertThat(timer.pendingTasks()).isZero();
    }

    @Test
    void laterBatchesWaitForTheInFlightLimitAndKeepOrderAcrossARetry() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(2));
        confirmProducerId(e, 0);
        for (int i = 0; i < 32; i++) { // four batches; two may fly
            e.send(record(0, i));
        }
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence()).containsExactly(1, 9);
        transport.calls.get(1).fail(Status.DEADLINE_EXCEEDED);
        timer.advance(100);
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence()).containsExactly(1, 9, 9);
        transport.calls.get(0).succeed(0);
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence())
                .containsExactly(1, 9, 9, 17);
        transport.calls.get(2).succeed(8);
        transport.calls.get(3).succeed(16);
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence())
                .containsExactly(1, 9, 9, 17, 25);
    }

    @Test
    void backoffGrowsExponentiallyPerBatch() {
        ProducerEngine e = engine(config());
        e.send(record(0, 0));
        timer.advance(5);
        transport.calls.get(0).fail(Status.RESOURCE_EXHAUSTED);
        timer.advance(100);
        transport.calls.get(1).fail(Status.RESOURCE_EXHAUSTED);
        timer.advance(199);
        assertThat(transport.calls).hasSize(2);
        timer.advance(1);
        assertThat(transport.calls).hasSize(3);
    }

    @Test
    void nonRetryableFailureFailsTheBatchAndLaterBatchesContinueWithAFreshProducerId() {
        ProducerEngine e = engine(config());
        confirmProducerId(e, 0);
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            fs.add(e.send(record(0, i)));
        }
        assertThat(transport.calls).hasSize(2);
        transport.calls.get(0).fail(Status.INVALID_ARGUMENT.withDescription("batch CRC mismatch"));
        RafkaException ex = unwrap(fs.get(0));
        assertThat(ex.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(ex.getMessage()).contains("batch CRC mismatch");
        assertThat(fs.subList(0, 8)).allMatch(CompletableFuture::isCompletedExceptionally);

        // the second batch is re-sent as sequence 0 of a new producer id, same records
        assertThat(transport.calls).hasSize(3);
        RecordBatch restamped = transport.calls.get(2).batch();
        restamped.ensureValid();
        assertThat(restamped.producerId()).isEqualTo(8);
        assertThat(restamped.baseSequence()).isZero();
        assertThat(restamped.records()).extracting(r -> r.value()[0])
                .containsExactlyElementsOf(transport.calls.get(1).batch().records().stream()
                        .map(r -> r.value()[0]).toList());
        transport.calls.get(1).fail(Status.ABORTED.withDescription("out of order")); // stale
        transport.calls.get(2).succeed(0);
        assertThat(fs.get(8).join().offset()).isZero();
        assertThat(fs.get(15).join().offset()).isEqualTo(7);
    }

    @Test
    void retriesStopAtTheDeliveryTimeout() {
        ProducerEngine e = engine(config().deliveryTimeoutMs(30_000).retryBackoffMaxMs(5000));
        CompletableFuture<RecordMetadata> f = e.send(record(0, 0));
        timer.advance(5);
        int answered = 0;
        while (!f.isDone()) {
            transport.calls.get(answered++).fail(Status.UNAVAILABLE.withDescription("down"));
            timer.advance(5000);
        }
        RafkaException ex = unwrap(f);
        assertThat(ex.code()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(ex.getMessage()).contains("deliveryTimeoutMs 30000").contains("down");
        assertThat(answered).isBetween(5, 12);
    }

    @Test
    void notFoundRefreshesTheTopicMetadata() {
        ProducerEngine e = engine(config());
        CompletableFuture<RecordMetadata> f = e.send(record(0, 0));
        timer.advance(5);
        int describes = transport.describeCalls;
        transport.calls.get(0).fail(Status.NOT_FOUND.withDescription("topic orders does not exist"));
        assertThat(unwrap(f).code()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(transport.describeCalls).isEqualTo(describes + 1);
    }

    @Test
    void unknownTopicFailsTheSend() {
        ProducerEngine e = engine(config());
        RafkaException ex = unwrap(e.send(new ProducerRecord("nope", null, new byte[1])));
        assertThat(ex.code()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void recordLargerThanMaxRequestBytesFails() {
        ProducerEngine e = engine(config().maxRequestBytes(2048).batchSizeBytes(1024));
        RafkaException ex = unwrap(e.send(new ProducerRecord(TOPIC, 0, null, new byte[4000],
                List.of(), 0L)));
        assertThat(ex.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(ex.getMessage()).contains("maxRequestBytes 2048");
        // a record above batchSizeBytes but within maxRequestBytes travels alone
        CompletableFuture<RecordMetadata> ok = e.send(new ProducerRecord(TOPIC, 0, null,
                new byte[1500], List.of(), 0L));
        assertThat(transport.calls).hasSize(1);
        transport.calls.get(0).succeed(3);
        assertThat(ok.join().offset()).isEqualTo(3);
    }

    @Test
    void anIdlePartitionSendsAtOnceAndRecordsArrivingMeanwhileGoWhenTheWireFrees() {
        ProducerEngine e = engine(config().sendWhenIdle(true).lingerMs(1_000));
        CompletableFuture<RecordMetadata> first = e.send(record(0, 0));
        assertThat(transport.calls).as("sent without waiting for the linger").hasSize(1);
        CompletableFuture<RecordMetadata> second = e.send(record(0, 1));
        CompletableFuture<RecordMetadata> third = e.send(record(0, 2));
        assertThat(transport.calls).as("batched behind the first while it is on the wire").hasSize(1);
        transport.calls.get(0).succeed(0);
        assertThat(first.join().offset()).isZero();
        assertThat(transport.calls).as("the gathered batch goes as soon as the wire is free").hasSize(2);
        assertThat(transport.calls.get(1).batch().recordCount()).isEqualTo(2);
        transport.calls.get(1).succeed(1);
        assertThat(second.join().offset()).isEqualTo(1);
        assertThat(third.join().offset()).isEqualTo(2);
    }

    @Test
    void timestampZeroMeansNowAndExplicitTimestampsAreKept() {
        ProducerEngine e = engine(config());
        CompletableFuture<RecordMetadata> a = e.send(record(0, 0));
        CompletableFuture<RecordMetadata> b = e.send(new ProducerRecord(TOPIC, 0, null, null,
                List.of(), 1234L));
        timer.advance(5);
        transport.calls.get(0).succeed(0);
        assertThat(a.join().timestamp()).isEqualTo(1_000_000L);
        assertThat(b.join().timestamp()).isEqualTo(1234L);
    }

    @Test
    void withoutIdempotenceBatchesCarryNoProducerIdentity() {
        ProducerEngine e = engine(config().idempotence(false));
        e.send(record(0, 0));
        timer.advance(5);
        RecordBatch b = transport.calls.get(0).batch();
        assertThat(b.producerId()).isEqualTo(-1);
        assertThat(b.baseSequence()).isEqualTo(-1);
        assertThat(b.isIdempotent()).isFalse();
    }

    @Test
    void flushSealsOpenBatchesAndWaitsForThem() throws Exception {
        ProducerEngine e = engine(config().lingerMs(60_000));
        CompletableFuture<RecordMetadata> f = e.send(record(0, 0));
        Thread answer = new Thread(() -> {
            while (true) {
                synchronized (transport) {
                    if (!transport.calls.isEmpty()) {
                        break;
                    }
                }
                Thread.onSpinWait();
            }
            transport.calls.get(0).succeed(9);
        });
        answer.start();
        e.flush();
        assertThat(f).isCompleted();
        assertThat(f.join().offset()).isEqualTo(9);
        answer.join();
    }

    @Test
    void connectionsAreChosenRoundRobinByPartition() {
        ProducerEngine e = engine(config().connections(2));
        for (int p = 0; p < 4; p++) {
            e.send(record(p, 0));
        }
        timer.advance(5);
        assertThat(transport.calls).allMatch(c -> c.connection() == c.request().getPartition() % 2);
    }

    /**
     * The stall seen in {@code rafka bench produce}: separate Produce RPCs are not ordered on an
     * HTTP/2 connection, and the broker accepts any sequence from a producer id it does not know.
     * When the second batch of a fresh producer id reached it before the first, the second was
     * appended and the first refused as out of order ("expected 16, got 0") on every retry until
     * deliveryTimeoutMs, while the partition's later batches filled the send buffer.
     */
    @Test
    void laterBatchCannotOvertakeTheFirstBatchOfAFreshProducerId() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(5));
        SequenceCheckingBroker broker = new SequenceCheckingBroker();
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // five full batches
            fs.add(e.send(record(0, i)));
        }
        // the network delivers whatever is outstanding newest first
        for (int step = 0; step < 2_000 && !fs.stream().allMatch(CompletableFuture::isDone); step++) {
            broker.answerNewestFirst(transport);
            timer.advance(100);
        }
        assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        for (int i = 0; i < 40; i++) {
            assertThat(fs.get(i).join().offset()).isEqualTo(i);
        }
    }

    @Test
    void theWindowDoesNotSlidePastAnUnansweredBatch() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(2));
        confirmProducerId(e, 0);
        for (int i = 0; i < 32; i++) {
            e.send(record(0, i));
        }
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence()).containsExactly(1, 9);
        transport.calls.get(1).succeed(9); // answered before the earlier batch: no third send yet
        assertThat(transport.calls).hasSize(2);
        transport.calls.get(0).succeed(1);
        assertThat(transport.calls).extracting(c -> c.batch().baseSequence())
                .containsExactly(1, 9, 17, 25);
    }

    @Test
    void idempotentInFlightIsCappedAtTheBrokersDedupWindow() {
        ProducerEngine e = engine(config().maxInFlightPerPartition(20));
        confirmProducerId(e, 0);
        for (int i = 0; i < 80; i++) {
            e.send(record(0, i));
        }
        assertThat(transport.calls).hasSize(PartitionProducer.MAX_IDEMPOTENT_WINDOW);
    }

    /** The broker's idempotence rules (ProducerStates): last five batches cached per producer. */
    private static final class SequenceCheckingBroker {
        private record Entry(int first, int last, long offset) {
        }

        private final java.util.Map<Long, java.util.ArrayDeque<Entry>> producers = new java.util.HashMap<>();
        private final java.util.Set<FakeTransport.Call> answered =
                java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private long end;

        void answerNewestFirst(FakeTransport transport) {
            List<FakeTransport.Call> todo = new ArrayList<>();
            synchronized (transport) {
                for (FakeTransport.Call c : transport.calls) {
                    if (answered.add(c)) {
                        todo.add(0, c);
                    }
                }
            }
            for (FakeTransport.Call c : todo) {
                handle(c);
            }
        }

        private void handle(FakeTransport.Call c) {
            RecordBatch b = c.batch();
            int first = b.baseSequence();
            int last = first + b.recordCount() - 1;
            java.util.ArrayDeque<Entry> cached = producers.get(b.producerId());
            if (cached != null) {
                for (Entry x : cached) {
                    if (x.first() == first && x.last() == last) {
                        c.succeed(x.offset());
                        return;
                    }
                }
                int expected = cached.peekLast().last() + 1;
                if (first != expected) {
                    c.fail(Status.ABORTED.withDescription("out of order sequence for producer "
                            + b.producerId() + ": expected " + expected + ", got " + first));
                    return;
                }
            } else {
                cached = new java.util.ArrayDeque<>();
                producers.put(b.producerId(), cached);
            }
            if (cached.size() == 5) {
                cached.removeFirst();
            }
            cached.addLast(new Entry(first, last, end));
            long offset = end;
            end += b.recordCount();
            c.succeed(offset);
        }
    }

    private static RafkaException unwrap(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("expected failure");
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOf(RafkaException.class);
            return (RafkaException) e.getCause();
        }
    }
}
