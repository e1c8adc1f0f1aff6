package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaProducer;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.NodeDescription;
import io.rafka.proto.v1.PartitionOwner;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three node JVMs on 127.0.0.1 forming one mesh over a real CQL server: ring agreement, requests
 * through any node, concurrent topic creation, and kill -9 of an owner under acks=ALL production.
 */
@ExtendWith(CqlServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshIT {
    @TempDir
    static Path dir;
    static Mesh mesh;

    @BeforeAll
    static void startMesh(CqlEndpoint cql) throws Exception {
        mesh = new Mesh(cql, dir, 3, 3, Map.of());
    }

    @AfterAll
    static void stopMesh() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    /** Waits until every node reports {@code nodes} live nodes and an owner with an epoch for every partition. */
    static Map<String, String> settledOwners(int nodes, int... among) {
        Map<String, String>[] seen = new Map[among.length];
        Poll.until(Duration.ofSeconds(60), "all nodes agree on the ring and the owners", () -> {
            for (int i = 0; i < among.length; i++) {
                DescribeClusterResponse d = mesh.describe(among[i]);
                if (d.getNodesCount() != nodes || d.getOwnersList().stream().anyMatch(o -> o.getEpoch() < 1 || o.getOwnerId().isEmpty())) {
                    return false;
                }
                seen[i] = d.getOwnersList().stream().collect(Collectors.toMap(o -> o.getTopic() + "/" + o.getPartition(),
                        PartitionOwner::getOwnerId));
            }
            for (Map<String, String> s : seen) {
                if (!s.equals(seen[0])) {
                    return false;
                }
            }
            return true;
        });
        return seen[0];
    }

    @Test
    @Order(1)
    void threeNodesAgreeOnTheRingAndTheOwners() {
        mesh.admin(0).createTopic(CreateTopicRequest.newBuilder().setName("ring").setPartitions(12).build());
        Map<String, String> owners = settledOwners(3, 0, 1, 2);
        DescribeClusterResponse d = mesh.describe(1);
        List<String> ids = d.getNodesList().stream().map(NodeDescription::getId).toList();
        assertThat(ids).hasSize(3).isSorted().doesNotHaveDuplicates();
        assertThat(d.getNodesList()).allMatch(NodeDescription::getSupernode);
        assertThat(d.getNodesList().stream().map(NodeDescription::getName)).containsExactlyInAnyOrder("node-0", "node-1", "node-2");
        // each partition belongs to the node numerically closest to its key
        for (Map.Entry<String, String> e : owners.entrySet()) {
            io.rafka.pastry.NodeId key = io.rafka.pastry.NodeId.ofKey(e.getKey());
            String closest = ids.stream().map(io.rafka.pastry.NodeId::fromHex)
                    .min(io.rafka.pastry.NodeId.byClosenessTo(key)).orElseThrow().toHex();
            assertThat(e.getValue()).as("owner of %s", e.getKey()).isEqualTo(closest);
        }
        assertThat(new HashSet<>(owners.values())).as("12 partitions spread over 3 nodes").hasSizeGreaterThan(1);
    }

    @Test
    @Order(2)
    void produceThroughAnyNodeAndFetchThroughAnyOther() {
        mesh.admin(1).createTopic(CreateTopicRequest.newBuilder().setName("any").setPartitions(6).build());
        settledOwners(3, 0, 1, 2);
        for (int p = 0; p < 6; p++) {
            for (int n = 0; n < 3; n++) {
                ProduceResponse r = mesh.broker(n).produce(request("any", p, "n" + n, 5));
                assertThat(r.getBaseOffset()).as("partition %d via node %d", p, n).isEqualTo(n * 5L);
            }
        }
        for (int p = 0; p < 6; p++) {
            for (int n = 0; n < 3; n++) {
                List<String> values = readAll(n, "any", p);
                assertThat(values).as("partition %d read via node %d", p, n).containsExactly(
                        "n0-0", "n0-1", "n0-2", "n0-3", "n0-4", "n1-0", "n1-1", "n1-2", "n1-3", "n1-4",
                        "n2-0", "n2-1", "n2-2", "n2-3", "n2-4");
            }
        }
        // a partition index out of range is refused by whichever node is asked
        assertThatThrownBy(() -> mesh.broker(2).produce(request("any", 6, "x", 1)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("6 partitions");
                });
    }

    @Test
    @Order(3)
    void concurrentCreateOfOneNameOnTwoNodesYieldsOneTopic() throws Exception {
        for (int round = 0; round < 5; round++) {
            String name = "race-" + round;
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Status.Code>> results = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                int node = n;
                results.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        mesh.admin(node).createTopic(CreateTopicRequest.newBuilder().setName(name).setPartitions(2 + node).build());
                        return Status.Code.OK;
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            go.countDown();
            List<Status.Code> codes = results.stream().map(CompletableFuture::join).toList();
            assertThat(codes).as("round %d", round).containsExactlyInAnyOrder(Status.Code.OK, Status.Code.ALREADY_EXISTS);
            int partitions = mesh.admin(2).describeTopic(io.rafka.proto.v1.DescribeTopicRequest.newBuilder().setName(name).build())
                    .getTopic().getPartitionCount();
            int winner = codes.get(0) == Status.Code.OK ? 0 : 1;
            assertThat(partitions).as("the winner's topic is the one every node sees").isEqualTo(2 + winner);
        }
    }

    @Test
    @Order(4)
    void killMinus9OfAnOwnerUnderAcksAllLosesNoAcknowledgedRecordAndProductionResumes() throws Exception {
        int partitions = 12;
        mesh.admin(0).createTopic(CreateTopicRequest.newBuilder().setName("kill").setPartitions(partitions).build());
        Map<String, String> owners = settledOwners(3, 0, 1, 2);
        DescribeClusterResponse d = mesh.describe(0);
        String victimId = d.getNodesList().stream().filter(nd -> !nd.getAddress().equals(mesh.address(0)))
                .max((a, b) -> Long.compare(count(owners, a.getId()), count(owners, b.getId()))).orElseThrow().getId();
        int victim = mesh.indexOf(d.getNodesList().stream().filter(nd -> nd.getId().equals(victimId)).findFirst().orElseThrow().getAddress());
        Set<Integer> victimPartitions = new HashSet<>();
        owners.forEach((k, v) -> {
            if (k.startsWith("kill/") && v.equals(victimId)) {
                victimPartitions.add(Integer.parseInt(k.substring(5)));
            }
        });
        assertThat(victimPartitions).as("node %d owns partitions of 'kill'", victim).isNotEmpty();

        Map<Long, String>[] acked = new Map[partitions];
        for (int p = 0; p < partitions; p++) {
            acked[p] = new ConcurrentHashMap<>();
        }
        AtomicLong ackCount = new AtomicLong();
        AtomicLong killedAt = new AtomicLong();
        AtomicLong firstAfterKill = new AtomicLong();
        AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        ProducerConfig config = ProducerConfig.builder("127.0.0.1:" + mesh.node(0).grpcPort())
                .acks(Acks.ACKS_ALL).idempotence(true).lingerMs(2).deliveryTimeoutMs(120_000).requestTimeoutMs(5_000)
                .retryBackoffMs(50).retryBackoffMaxMs(500).build();
        try (RafkaProducer producer = new RafkaProducer(config)) {
            Thread sender = new Thread(() -> {
                List<CompletableFuture<?>> window = new ArrayList<>();
                for (long seq = 0; ackCount.get() < stopAt.get(); seq++) {
                    int p = (int) (seq % partitions);
                    String value = "k" + p + "-" + seq;
                    window.add(producer.send(new ProducerRecord("kill", p, null, value.getBytes(StandardCharsets.UTF_8), List.of(), 0))
                            .whenComplete((md, err) -> {
                                if (err != null) {
                                    failures.add(err);
                                    return;
                                }
                                acked[md.partition()].put(md.offset(), value);
                                ackCount.incrementAndGet();
                                if (killedAt.get() != 0 && victimPartitions.contains(md.partition())) {
                                    firstAfterKill.compareAndSet(0, System.nanoTime());
                                }
                            }));
                    if (window.size() >= 200) {
                        window.forEach(f -> f.exceptionally(e -> null).join());
                        window.clear();
                    }
                    if (!failures.isEmpty()) {
                        return;
                    }
                }
                window.forEach(f -> f.exceptionally(e -> null).join());
            }, "kill-producer");
            sender.start();
            Poll.until(Duration.ofSeconds(60), "3,000 records acknowledged before the kill", () -> ackCount.get() >= 3_000 || !failures.isEmpty());
            // metadata written before the kill: a committed offset (the victim is one of the three supernodes)
            io.rafka.proto.v1.OffsetsGrpc.newBlockingStub(mesh.channel(0)).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .commitOffsets(io.rafka.proto.v1.CommitOffsetsRequest.newBuilder().setGroup("survivors").setGeneration(-1)
                            .addOffsets(io.rafka.proto.v1.OffsetCommit.newBuilder().setTopic("kill").setPartition(0).setOffset(42))
                            .build());
            mesh.node(victim).kill9();
            killedAt.set(System.nanoTime());
            stopAt.set(ackCount.get() + 3_000);
            sender.join(180_000);
            assertThat(sender.isAlive()).as("producer finished").isFalse();
        }
        assertThat(failures).as("no record failed: the producer retried through the takeover").isEmpty();
        assertThat(firstAfterKill.get()).as("a partition of the killed node was produced to after the kill").isNotZero();
        System.out.printf("failover: kill -9 of node-%d to first acknowledged produce on its %d partitions: %d ms%n",
                victim, victimPartitions.size(), TimeUnit.NANOSECONDS.toMillis(firstAfterKill.get() - killedAt.get()));

        int reader = victim == 1 ? 2 : 1;
        for (int p = 0; p < partitions; p++) {
            List<long[]> seqs = new ArrayList<>();
            Map<Long, String> stored = new HashMap<>();
            long offset = 0;
            long end = mesh.broker(reader).listOffsets(ListOffsetsRequest.newBuilder().setTopic("kill").setPartition(p).setLatest(true).build()).getOffset();
            while (offset < end) {
                FetchResponse r = mesh.broker(reader).fetch(FetchRequest.newBuilder().setTopic("kill").setPartition(p).setOffset(offset).build());
                for (RecordBatch b : RecordBatch.split(r.getBatches().asReadOnlyByteBuffer())) {
                    assertThat(b.isCrcValid()).isTrue();
                    for (Record rec : b.records()) {
                        if (rec.offset() >= offset) {
                            String v = new String(rec.value(), StandardCharsets.UTF_8);
                            stored.put(rec.offset(), v);
                            seqs.add(new long[] {rec.offset(), Long.parseLong(v.substring(v.indexOf('-') + 1))});
                        }
                    }
                }
                offset = r.getNextOffset();
            }
            assertThat(stored.keySet()).as("partition %d offsets are dense", p).hasSize((int) end);
            for (Map.Entry<Long, String> e : acked[p].entrySet()) {
                assertThat(stored.get(e.getKey())).as("acknowledged offset %d of partition %d", e.getKey(), p).isEqualTo(e.getValue());
            }
            List<Long> order = seqs.stream().map(s -> s[1]).toList();
            assertThat(order).as("partition %d: every record exactly once, in send order", p).isSorted().doesNotHaveDuplicates();
            assertThat(new HashSet<>(stored.values())).as("partition %d holds every acknowledged record", p)
                    .containsAll(acked[p].values());
        }

        // losing one of three supernodes lost no metadata: every topic and the committed offset are there
        int survivor = victim == 1 ? 2 : 1;
        assertThat(mesh.admin(survivor).listTopics(io.rafka.proto.v1.ListTopicsRequest.getDefaultInstance()).getNamesList())
                .contains("ring", "any", "kill", "race-0", "race-4");
        assertThat(io.rafka.proto.v1.OffsetsGrpc.newBlockingStub(mesh.channel(survivor)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .fetchCommittedOffsets(io.rafka.proto.v1.FetchCommittedOffsetsRequest.newBuilder().setGroup("survivors")
                        .addPartitions(io.rafka.proto.v1.TopicPartition.newBuilder().setTopic("kill").setPartition(0)).build())
                .getOffsets(0).getOffset()).isEqualTo(42);

        // the killed node comes back with the same identity and takes its key range back
        mesh.start(victim, true);
        // the interim owners hand the range back at their next tick: poll until every node reports it
        Poll.until(Duration.ofSeconds(60), "the restarted node owns its partitions again", () -> {
            Map<String, String> after = settledOwners(3, 0, 1, victim);
            return victimPartitions.stream().allMatch(p -> victimId.equals(after.get("kill/" + p)));
        });
        for (int p : victimPartitions) {
            // and serves them: a produce through another node reaches it (retried as a client would
            // while the restarted node is still opening the partition it now owns)
            ProduceRequest back = request("kill", p, "back", 1);
            assertThat(Poll.untilPresent(Duration.ofSeconds(30), "kill/" + p + " served by the restarted node",
                    () -> produceOrUnavailable(mesh.broker(0), back)).getBaseOffset()).isGreaterThan(0);
        }
    }

    private static long count(Map<String, String> owners, String id) {
        return owners.entrySet().stream().filter(e -> e.getKey().startsWith("kill/") && e.getValue().equals(id)).count();
    }

    /** A produce that succeeded, or empty on UNAVAILABLE (the partition is changing hands: retry). */
    static Optional<ProduceResponse> produceOrUnavailable(BrokerGrpc.BrokerBlockingStub broker, ProduceRequest request) {
        try {
            return Optional.of(broker.produce(request));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                return Optional.empty();
            }
            throw e;
        }
    }

    static ProduceRequest request(String topic, int partition, String prefix, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(records * 32);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, (prefix + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return ProduceRequest.newBuilder().setTopic(topic).setPartition(partition).setAcks(Acks.ACKS_ALL)
                .setBatch(ByteString.copyFrom(b.build())).build();
    }

    static List<String> readAll(int node, String topic, int partition) {
        List<String> out = new ArrayList<>();
        long offset = 0;
        while (true) {
            FetchResponse r = mesh.broker(node).fetch(FetchRequest.newBuilder().setTopic(topic).setPartition(partition).setOffset(offset).build());
            if (r.getBatches().isEmpty()) {
                return out;
            }
            long from = offset;
            for (RecordBatch b : RecordBatch.split(r.getBatches().asReadOnlyByteBuffer())) {
                assertThat(b.isCrcValid()).isTrue();
                for (Record rec : b.records()) {
                    if (rec.offset() >= from) {
                        out.add(new String(rec.value(), StandardCharsets.UTF_8));
                    }
                }
            }
            offset = r.getNextOffset();
        }
    }
}
