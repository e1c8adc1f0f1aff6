package io.rafka.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.rafka.node.TestNode;
import io.rafka.testkit.Poll;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.CommitOffsetsRequest;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DeleteTopicRequest;
import io.rafka.proto.v1.DescribeClusterRequest;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.InitProducerRequest;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.ListTopicsRequest;
import io.rafka.proto.v1.OffsetCommit;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.proto.v1.StartPosition;
import io.rafka.proto.v1.SubscribeRequest;
import io.rafka.proto.v1.SubscribeResponse;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rafka.v1 API of a standalone node, through real gRPC channels. */
class BrokerApiIT {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir, Map.of("limits.max-batch-bytes", "65536"));
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    static byte[] batch(int records, String prefix) {
        RecordBatchBuilder b = new RecordBatchBuilder(1024);
        for (int i = 0; i < records; i++) {
            b.append(1_000_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return b.build();
    }

    static byte[] idempotentBatch(long producerId, int baseSeq, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(1024);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("seq" + (baseSeq + i)).getBytes(StandardCharsets.UTF_8));
        }
        return b.build(producerId, (short) 0, baseSeq);
    }

    void createTopic(String name, int partitions) {
        node.admin().createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(partitions).build());
    }

    ProduceResponse produce(String topic, int partition, byte[] batch, Acks acks) {
        return node.broker().produce(ProduceRequest.newBuilder().setTopic(topic).setPartition(partition)
                .setAcks(acks).setBatch(ByteString.copyFrom(batch)).build());
    }

    static List<Record> records(ByteString batches, long from) {
        List<Record> out = new ArrayList<>();
        RecordBatch.forEach(batches.asReadOnlyByteBuffer(), b -> {
            assertThat(b.isCrcValid()).as("CRC of %s", b).isTrue();
            b.records().stream().filter(r -> r.offset() >= from).forEach(out::add);
        });
        return out;
    }

    static String value(Record r) {
        return new String(r.value(), StandardCharsets.UTF_8);
    }

    static void assertStatus(Runnable call, Status.Code code, String... fragments) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            for (String f : fragments) {
                assertThat(e.getStatus().getDescription()).contains(f);
            }
        });
    }

    static void waitFor(String what, Duration timeout, BooleanSupplier condition) {
        Poll.until(timeout, what, condition);
    }

    @Test
    void topicsAreCreatedListedDescribedAndDeleted() {
        createTopic("orders", 3);
        createTopic("audit.log-v2", 1);
        assertThat(node.admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList())
                .containsExactly("audit.log-v2", "orders");
        var described = node.admin().describeTopic(DescribeTopicRequest.newBuilder().setName("orders").build()).getTopic();
        assertThat(described.getPartitionCount()).isEqualTo(3);
        assertThat(described.getPartitionsList()).extracting(p -> p.getOwnerId())
                .containsOnly(node.node.identity().id());
        node.admin().deleteTopic(DeleteTopicRequest.newBuilder().setName("orders").build());
        assertThat(node.admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList())
                .containsExactly("audit.log-v2");
        assertStatus(() -> node.admin().describeTopic(DescribeTopicRequest.newBuilder().setName("orders").build()),
                Status.Code.NOT_FOUND, "orders");
    }

    @Test
    void producedBatchesAreFetchedWithDenseOffsetsAndIntactBytes() {
        createTopic("t", 2);
        ProduceResponse first = produce("t", 1, batch(10, "a"), Acks.ACKS_LEADER);
        ProduceResponse second = produce("t", 1, batch(5, "b"), Acks.ACKS_ALL);
        assertThat(first.getBaseOffset()).isZero();
        assertThat(second.getBaseOffset()).isEqualTo(10);
        FetchResponse fetched = node.broker().fetch(FetchRequest.newBuilder().setTopic("t").setPartition(1).setOffset(3).build());
        List<Record> records = records(fetched.getBatches(), 3);
        assertThat(records).extracting(Record::offset).containsExactlyElementsOf(
                java.util.stream.LongStream.range(3, 15).boxed().toList());
        assertThat(value(records.get(0))).isEqualTo("a3");
        assertThat(value(records.get(7))).isEqualTo("b0");
        assertThat(fetched.getHighWatermark()).isEqualTo(15);
        assertThat(fetched.getNextOffset()).isEqualTo(15);
        assertThat(node.broker().fetch(FetchRequest.newBuilder().setTopic("t").setPartition(0).setOffset(0).build())
                .getBatches().isEmpty()).isTrue();
    }

    @Test
    void acksNoneAnswersWithoutAnOffsetButStillAppends() throws Exception {
        createTopic("fire", 1);
        assertThat(produce("fire", 0, batch(3, "x"), Acks.ACKS_NONE).getBaseOffset()).isEqualTo(-1);
        waitFor("the unacknowledged batch to land", Duration.ofSeconds(10), () -> node.broker()
                .listOffsets(ListOffsetsRequest.newBuilder().setTopic("fire").setPartition(0).setLatest(true).build())
                .getOffset() == 3);
    }

    @Test
    void aRetriedIdempotentBatchIsAcknowledgedWithItsOriginalOffsetAndStoredOnce() {
        createTopic("idem", 1);
        long pid = node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId();
        byte[] b0 = idempotentBatch(pid, 0, 4);
        byte[] b1 = idempotentBatch(pid, 4, 4);
        assertThat(produce("idem", 0, b0, Acks.ACKS_ALL).getBaseOffset()).isZero();
        assertThat(produce("idem", 0, b1, Acks.ACKS_ALL).getBaseOffset()).isEqualTo(4);
        ProduceResponse retry = produce("idem", 0, b0, Acks.ACKS_ALL);
        assertThat(retry.getDuplicate()).isTrue();
        assertThat(retry.getBaseOffset()).isZero();
        assertThat(node.broker().listOffsets(ListOffsetsRequest.newBuilder().setTopic("idem").setPartition(0)
                .setLatest(true).build()).getOffset()).isEqualTo(8);
        assertStatus(() -> produce("idem", 0, idempotentBatch(pid, 20, 1), Acks.ACKS_ALL),
                Status.Code.ABORTED, "expected 8", "got 20");
        long other = node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId();
        assertThat(other).isNotEqualTo(pid);
        assertStatus(() -> produce("idem", 0, idempotentBatch(other, 3, 1), Acks.ACKS_ALL),
                Status.Code.FAILED_PRECONDITION, "must have sequence 0, got 3");
    }

    @Test
    void idempotentProducerStateSurvivesARestart() throws Exception {
        createTopic("idem", 1);
        long pid = node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId();
        byte[] b0 = idempotentBatch(pid, 0, 3);
        produce("idem", 0, b0, Acks.ACKS_ALL);
        node.close();
        node = TestNode.start(dir);
        ProduceResponse retry = produce("idem", 0, b0, Acks.ACKS_ALL);
        assertThat(retry.getDuplicate()).isTrue();
        assertThat(retry.getBaseOffset()).isZero();
        assertThat(node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId()).isGreaterThan(pid);
    }

    @Test
    void producerIdsFoundInALogAreNeverHandedOutAgainAfterTheMetadataIsLost() throws Exception {
        createTopic("idem", 1);
        long pid = node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId();
        produce("idem", 0, idempotentBatch(pid, 0, 5), Acks.ACKS_ALL);
        node.close();
        // the metadata goes (topics, producer-id counter), the log stays: as a wiped data directory
        // does to a node on ScyllaDB storage, whose logs live in the keyspace
        try (var files = java.nio.file.Files.walk(dir.resolve("meta"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        node = TestNode.start(dir, Map.of("limits.max-batch-bytes", "65536"));
        createTopic("idem", 1); // opens the kept log and reads back its producers
        long fresh = node.broker().initProducer(InitProducerRequest.getDefaultInstance()).getProducerId();
        assertThat(fresh).as("a new producer never gets the id of one the log knows").isGreaterThan(pid);
        assertThat(produce("idem", 0, idempotentBatch(fresh, 0, 2), Acks.ACKS_ALL).getBaseOffset()).isEqualTo(5);
        assertThat(produce("idem", 0, idempotentBatch(pid, 5, 1), Acks.ACKS_ALL).getBaseOffset())
                .as("the old producer goes on where it was").isEqualTo(7);
    }

    @Test
    void aLongPollFetchAtTheEndAnswersAsSoonAsDataArrives() throws Exception {
        createTopic("lp", 1);
        CompletableFuture<FetchResponse> pending = CompletableFuture.supplyAsync(() -> node.broker().fetch(
                FetchRequest.newBuilder().setTopic("lp").setPartition(0).setOffset(0).setMaxWaitMs(30_000).build()));
        waitFor("the fetch to be parked", Duration.ofSeconds(10), () -> !pending.isDone());
        produce("lp", 0, batch(2, "late"), Acks.ACKS_LEADER);
        FetchResponse response = pending.get(10, TimeUnit.SECONDS); // well before the 30 s wait
        assertThat(records(response.getBatches(), 0)).extracting(BrokerApiIT::value).containsExactly("late0", "late1");
    }

    @Test
    void aLongPollFetchWithNoDataAnswersEmptyAtItsDeadline() {
        createTopic("lp", 1);
        FetchResponse response = node.broker().fetch(FetchRequest.newBuilder().setTopic("lp").setPartition(0)
                .setOffset(0).setMaxWaitMs(200).build());
        assertThat(response.getBatches().isEmpty()).isTrue();
        assertThat(response.getNextOffset()).isZero();
    }

    @Test
    void aSubscriptionStreamsFromEarliestAndFollowsTheTail() throws Exception {
        createTopic("sub", 1);
        produce("sub", 0, batch(3, "old"), Acks.ACKS_LEADER);
        List<Record> seen = new CopyOnWriteArrayList<>();
        var call = node.brokerAsync().withDeadlineAfter(60, TimeUnit.SECONDS);
        io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
        ctx.run(() -> call.subscribe(SubscribeRequest.newBuilder().setTopic("sub").setPartition(0)
                .setStart(StartPosition.newBuilder().setEarliest(true)).build(), new io.grpc.stub.StreamObserver<>() {
                    public void onNext(SubscribeResponse r) {
                        seen.addAll(records(r.getBatches(), 0));
                    }

                    public void onError(Throwable t) {
                    }

                    public void onCompleted() {
                    }
                }));
        waitFor("the retained records", Duration.ofSeconds(10), () -> seen.size() == 3);
        produce("sub", 0, batch(2, "new"), Acks.ACKS_LEADER);
        waitFor("the new records", Duration.ofSeconds(10), () -> seen.size() == 5);
        assertThat(seen).extracting(Record::offset).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(value(seen.get(4))).isEqualTo("new1");
        ctx.cancel(null);
    }

    @Test
    void aSubscriberThatStopsReadingLosesNothingWhenItResumes() throws Exception {
        createTopic("slow", 1);
        int batches = 200;
        for (int i = 0; i < batches; i++) {
            produce("slow", 0, batch(50, "r" + i + "-"), Acks.ACKS_LEADER);
        }
        List<Long> offsets = new CopyOnWriteArrayList<>();
        ClientCallStreamObserver<SubscribeRequest>[] holder = new ClientCallStreamObserver[1];
        node.brokerAsync().subscribe(SubscribeRequest.newBuilder().setTopic("slow").setPartition(0).setMaxBytes(4096)
                .setStart(StartPosition.newBuilder().setOffset(0)).build(), new ClientResponseObserver<SubscribeRequest, SubscribeResponse>() {
                    public void beforeStart(ClientCallStreamObserver<SubscribeRequest> s) {
                        holder[0] = s;
                        s.disableAutoRequestWithInitial(1);
                    }

                    public void onNext(SubscribeResponse r) {
                        records(r.getBatches(), offsets.isEmpty() ? 0 : offsets.get(offsets.size() - 1) + 1)
                                .forEach(rec -> offsets.add(rec.offset()));
                    }

                    public void onError(Throwable t) {
                    }

                    public void onCompleted() {
                    }
                });
        waitFor("the first message", Duration.ofSeconds(10), () -> !offsets.isEmpty());
        int afterOne = offsets.size();
        assertThat(afterOne).isLessThan(batches * 50);
        holder[0].request(Integer.MAX_VALUE);
        waitFor("every record", Duration.ofSeconds(30), () -> offsets.size() == batches * 50);
        assertThat(offsets).isEqualTo(java.util.stream.LongStream.range(0, batches * 50L).boxed().toList());
        holder[0].cancel("done", null);
    }

    @Test
    void offsetsAreListedByEarliestLatestAndTimestamp() {
        createTopic("ts", 1);
        RecordBatchBuilder early = new RecordBatchBuilder(128);
        early.append(1_000L, null, new byte[] {1}).append(2_000L, null, new byte[] {2});
        RecordBatchBuilder late = new RecordBatchBuilder(128);
        late.append(5_000L, null, new byte[] {3});
        produce("ts", 0, early.build(), Acks.ACKS_LEADER);
        produce("ts", 0, late.build(), Acks.ACKS_LEADER);
        ListOffsetsRequest.Builder q = ListOffsetsRequest.newBuilder().setTopic("ts").setPartition(0);
        assertThat(node.broker().listOffsets(q.clone().setEarliest(true).build()).getOffset()).isZero();
        assertThat(node.broker().listOffsets(q.clone().setLatest(true).build()).getOffset()).isEqualTo(3);
        assertThat(node.broker().listOffsets(q.clone().setTimestamp(3_000L).build()).getOffset()).isEqualTo(2);
        assertThat(node.broker().listOffsets(q.clone().setTimestamp(9_000L).build()).getOffset()).isEqualTo(3);
        assertThat(node.broker().listOffsets(q.clone().setTimestamp(0L).build()).getOffset()).isZero();
    }

    @Test
    void committedOffsetsAreStoredNeverRewoundByAccidentAndSurviveARestart() throws Exception {
        createTopic("c", 2);
        commit("g1", "c", 1, 42, false);
        assertThat(committed("g1", "c", 1)).isEqualTo(42);
        assertThat(committed("g1", "c", 0)).isEqualTo(-1);
        assertStatus(() -> commit("g1", "c", 1, 10, false), Status.Code.FAILED_PRECONDITION, "below the committed offset 42");
        commit("g1", "c", 1, 10, true);
        node.close();
        node = TestNode.start(dir);
        assertThat(committed("g1", "c", 1)).isEqualTo(10);
        assertStatus(() -> node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("g1").setGeneration(3)
                .setMemberId("m-1").addOffsets(OffsetCommit.newBuilder().setTopic("c").setPartition(0).setOffset(1)).build()),
                Status.Code.ABORTED, "member 'm-1' is not in group 'g1'");
    }

    void commit(String group, String topic, int partition, long offset, boolean rewind) {
        node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup(group).setGeneration(-1)
                .setAllowRewind(rewind)
                .addOffsets(OffsetCommit.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset)).build());
    }

    long committed(String group, String topic, int partition) {
        return node.offsets().fetchCommittedOffsets(FetchCommittedOffsetsRequest.newBuilder().setGroup(group)
                .addPartitions(TopicPartition.newBuilder().setTopic(topic).setPartition(partition)).build())
                .getOffsets(0).getOffset();
    }

    @Test
    void dataTopicsAndOffsetsSurviveARestart() throws Exception {
        createTopic("keep", 1);
        produce("keep", 0, batch(7, "v"), Acks.ACKS_ALL);
        node.close();
        node = TestNode.start(dir);
        FetchResponse fetched = node.broker().fetch(FetchRequest.newBuilder().setTopic("keep").setPartition(0).setOffset(0).build());
        assertThat(records(fetched.getBatches(), 0)).hasSize(7);
        assertThat(produce("keep", 0, batch(1, "w"), Acks.ACKS_ALL).getBaseOffset()).isEqualTo(7);
    }

    @Test
    void describeClusterNamesThisNodeAsOwnerOfEveryPartition() {
        createTopic("o", 2);
        var cluster = node.admin().describeCluster(DescribeClusterRequest.getDefaultInstance());
        assertThat(cluster.getNodesList()).hasSize(1);
        assertThat(cluster.getNodes(0).getId()).hasSize(32).isEqualTo(cluster.getThisNodeId());
        assertThat(cluster.getOwnersList()).hasSize(2).extracting(o -> o.getOwnerId()).containsOnly(cluster.getThisNodeId());
    }

    @Test
    void healthAndReadinessAnswerOverHttp() throws Exception {
        for (String path : List.of("/health/live", "/health/ready")) {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + node.node.httpPort() + path).toURL().openConnection();
            assertThat(c.getResponseCode()).as(path).isEqualTo(200);
            c.disconnect();
        }
    }

    @Test
    void prometheusMetricsCountProducedRecordsAndErrors() throws Exception {
        createTopic("m", 1);
        produce("m", 0, batch(7, "x"), Acks.ACKS_LEADER);
        assertStatus(() -> produce("m", 5, batch(1, "x"), Acks.ACKS_LEADER), Status.Code.INVALID_ARGUMENT);
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + node.node.httpPort() + "/metrics").toURL().openConnection();
        assertThat(c.getResponseCode()).isEqualTo(200);
        String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(body).contains("rafka_produced_records_total 7.0")
                .containsPattern("rafka_request_errors_total\\{method=\"Produce\",status=\"INVALID_ARGUMENT\"\\} 1.0")
                .contains("rafka_partitions 1.0").contains("jvm_memory_used_bytes");
    }

    // ---- bad input ----

    @Test
    void unknownTopicsAreNotFound() {
        assertStatus(() -> produce("nope", 0, batch(1, "x"), Acks.ACKS_ALL), Status.Code.NOT_FOUND, "'nope'");
        assertStatus(() -> node.broker().fetch(FetchRequest.newBuilder().setTopic("nope").build()), Status.Code.NOT_FOUND, "'nope'");
        assertStatus(() -> node.admin().deleteTopic(DeleteTopicRequest.newBuilder().setName("nope").build()), Status.Code.NOT_FOUND);
    }

    @Test
    void badTopicNamesAreRefusedNamingTheRule() {
        assertStatus(() -> createTopic("", 1), Status.Code.INVALID_ARGUMENT, "must not be empty");
        assertStatus(() -> createTopic("x".repeat(250), 1), Status.Code.INVALID_ARGUMENT, "250 characters", "limit is 249");
        assertStatus(() -> createTopic("a/b", 1), Status.Code.INVALID_ARGUMENT, "[a-zA-Z0-9._-]");
        assertStatus(() -> createTopic("..", 1), Status.Code.INVALID_ARGUMENT, "'..'");
        assertStatus(() -> createTopic("ok", 0 - 1), Status.Code.INVALID_ARGUMENT, "between 1 and 10000", "was -1");
        assertStatus(() -> node.admin().createTopic(CreateTopicRequest.newBuilder().setName("cfg").setPartitions(1)
                .putConfig("retention.hours", "3").build()), Status.Code.INVALID_ARGUMENT, "retention.hours");
        assertThat(node.admin().listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList()).isEmpty();
    }

    @Test
    void creatingAnExistingTopicIsAlreadyExists() {
        createTopic("dup", 1);
        assertStatus(() -> createTopic("dup", 4), Status.Code.ALREADY_EXISTS, "'dup'");
        assertThat(node.admin().describeTopic(DescribeTopicRequest.newBuilder().setName("dup").build())
                .getTopic().getPartitionCount()).isEqualTo(1);
    }

    @Test
    void partitionsOutOfRangeAreRefusedNamingThePartitionCount() {
        createTopic("p", 3);
        assertStatus(() -> produce("p", 3, batch(1, "x"), Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "partition 3", "has 3 partitions");
        assertStatus(() -> produce("p", -1, batch(1, "x"), Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "has 3 partitions");
    }

    @Test
    void offsetsOutsideTheLogAreOutOfRangeNamingBothBounds() {
        createTopic("r", 1);
        produce("r", 0, batch(5, "x"), Acks.ACKS_ALL);
        assertStatus(() -> node.broker().fetch(FetchRequest.newBuilder().setTopic("r").setOffset(6).build()),
                Status.Code.OUT_OF_RANGE, "offset 6", "earliest is 0", "latest is 5");
        assertStatus(() -> node.broker().fetch(FetchRequest.newBuilder().setTopic("r").setOffset(-1).build()),
                Status.Code.OUT_OF_RANGE, "earliest is 0", "latest is 5");
    }

    @Test
    void oversizeAndCorruptBatchesAreRefusedAndNothingIsAppended() {
        createTopic("big", 1);
        RecordBatchBuilder huge = new RecordBatchBuilder(1024);
        huge.append(1L, null, new byte[70_000]);
        assertStatus(() -> produce("big", 0, huge.build(), Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "limit of 65536");
        byte[] corrupt = batch(3, "x");
        corrupt[corrupt.length - 1] ^= 0x55;
        assertStatus(() -> produce("big", 0, corrupt, Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "CRC mismatch");
        assertStatus(() -> produce("big", 0, new byte[] {1, 2, 3}, Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "header");
        assertStatus(() -> produce("big", 0, new byte[0], Acks.ACKS_ALL), Status.Code.INVALID_ARGUMENT, "no batch");
        assertThat(node.broker().listOffsets(ListOffsetsRequest.newBuilder().setTopic("big").setLatest(true).build())
                .getOffset()).isZero();
        assertStatus(() -> node.broker().fetch(FetchRequest.newBuilder().setTopic("big").setMaxBytes(1 << 30).build()),
                Status.Code.INVALID_ARGUMENT, "limit of 8388608");
    }

    @Test
    void garbageOnTheGrpcPortClosesThatConnectionAndTheNodeKeepsServing() throws Exception {
        createTopic("alive", 1);
        try (Socket s = new Socket("127.0.0.1", node.node.grpcPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GARBAGE\r\n\r\n\u0000\u0001\u0002 not http/2 at all".getBytes(StandardCharsets.ISO_8859_1));
            byte[] junk = new byte[64 * 1024];
            new java.util.Random(7).nextBytes(junk);
            try {
                out.write(junk);
                out.flush();
            } catch (java.io.IOException closedAlready) {
                // the server may close before all junk is written: that is the expected outcome
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) >= 0) {
                    assertThat(n).isGreaterThanOrEqualTo(0);
                }
            } catch (java.net.SocketException reset) {
                // a reset is also a closed connection
            }
        }
        assertThat(produce("alive", 0, batch(1, "still"), Acks.ACKS_ALL).getBaseOffset()).isZero();
    }
}
