package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.client.AutoOffsetReset;
import io.rafka.client.ConsumerConfig;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaProducer;
import io.rafka.node.group.MemberLoop;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.CommittedOffset;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DescribeGroupRequest;
import io.rafka.proto.v1.DescribeGroupResponse;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.GroupMember;
import io.rafka.proto.v1.GroupsGrpc;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.OffsetsGrpc;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One consumer group across a mesh of three node JVMs on a real CQL server: members connected to
 * different nodes share a 12-partition topic under continuous production; one member is killed with
 * SIGKILL (no leave, no last commit) and a new one joins later.
 */
@ExtendWith(CqlServerExtension.class)
class GroupsMeshIT {
    static final String TOPIC = "work";
    static final String GROUP = "workers";
    static final int PARTITIONS = 12;

    @TempDir
    static Path dir;
    static Mesh mesh;

    final List<MemberLoop.Consumed> log = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong seq = new AtomicLong();
    final Set<String> produced = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void startMesh(CqlEndpoint cql) throws Exception {
        mesh = new Mesh(cql, dir, 3, 3, Map.of());
    }

    @AfterAll
    static void stopMesh() throws Exception {
        if (mesh != null) {
            for (int i = 0; i < 3; i++) { // the nodes' logs, for a failure's post-mortem
                java.nio.file.Files.write(Path.of("target", "groups-mesh-node-" + i + ".log"), mesh.node(i).output());
            }
            mesh.close();
        }
    }

    static ConsumerConfig member(int node, String name) {
        return ConsumerConfig.builder(mesh.address(node)).groupId(GROUP).clientId(name)
                .autoOffsetReset(AutoOffsetReset.EARLIEST).autoCommitIntervalMs(300).fetchMaxWaitMs(100)
                .requestTimeoutMs(10_000).build();
    }

    static DescribeGroupResponse describe(ManagedChannel channel) {
        return GroupsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .describeGroup(DescribeGroupRequest.newBuilder().setGroup(GROUP).build());
    }

    /** Stable with {@code members} members holding all partitions, counts differing by at most one. */
    static boolean balanced(DescribeGroupResponse d, int members) {
        if (!d.getState().equals("stable") || d.getMembersCount() != members) {
            return false;
        }
        Set<TopicPartition> all = new HashSet<>();
        d.getMembersList().forEach(m -> all.addAll(m.getAssignmentList()));
        int min = d.getMembersList().stream().mapToInt(GroupMember::getAssignmentCount).min().orElse(0);
        int max = d.getMembersList().stream().mapToInt(GroupMember::getAssignmentCount).max().orElse(0);
        return all.size() == PARTITIONS && max - min <= 1;
    }

    Set<String> consumedKeys() {
        synchronized (log) {
            return log.stream().map(c -> c.partition() + "/" + c.offset()).collect(Collectors.toSet());
        }
    }

    @Test
    void aGroupRebalancesAroundAKilledAndANewMemberWithoutSkippingAndRereadsOnlyFromTheDeadMembersLastCommit()
            throws Exception {
        mesh.admin(0).createTopic(CreateTopicRequest.newBuilder().setName(TOPIC).setPartitions(PARTITIONS).build());
        ManagedChannel observer = NettyChannelBuilder.forAddress("127.0.0.1", mesh.node(2).grpcPort()).usePlaintext().build();
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Set<Integer> generationsSeen = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        // watches the group throughout: no partition may ever be held by two members in one generation
        Thread watcher = new Thread(() -> {
            Map<Integer, Map<TopicPartition, String>> holders = new HashMap<>();
            while (running.get()) {
                try {
                    DescribeGroupResponse d = describe(observer);
                    Map<TopicPartition, String> inGeneration = holders.computeIfAbsent(d.getGeneration(), g -> new HashMap<>());
                    for (GroupMember m : d.getMembersList()) {
                        List<TopicPartition> held = new ArrayList<>(m.getAssignmentList());
                        held.addAll(m.getRevokingList());
                        for (TopicPartition tp : held) {
                            String other = inGeneration.putIfAbsent(tp, m.getMemberId());
                            if (other != null && !other.equals(m.getMemberId())) {
                                violations.add(tp.getPartition() + " held by " + other + " and " + m.getMemberId()
                                        + " in generation " + d.getGeneration());
                            }
                        }
                    }
                    generationsSeen.add(d.getGeneration());
                } catch (RuntimeException e) {
                    // NOT_FOUND before the first join; a slow answer under load
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }, "group-watcher");
        watcher.start();

        AtomicBoolean producing = new AtomicBoolean(true);
        List<Throwable> produceFailures = Collections.synchronizedList(new ArrayList<>());
        RafkaProducer producer = new RafkaProducer(ProducerConfig.builder(mesh.address(0)).acks(Acks.ACKS_ALL).lingerMs(2)
                .build());
        Thread sender = new Thread(() -> {
            long n = 0;
            while (producing.get() && produceFailures.isEmpty()) {
                List<CompletableFuture<?>> round = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    round.add(producer.send(new ProducerRecord(TOPIC, p, null, ("n" + n++).getBytes(StandardCharsets.UTF_8),
                            List.of(), 0L)).whenComplete((md, err) -> {
                                if (err != null) {
                                    produceFailures.add(err);
                                } else {
                                    produced.add(md.partition() + "/" + md.offset());
                                }
                            }));
                }
                round.forEach(f -> f.exceptionally(e -> null).join());
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // about 500 records/s
            }
        }, "numbered-producer");
        sender.start();

        long t0 = System.nanoTime();
        GroupMemberProcess doomed = GroupMemberProcess.start(mesh.address(0), GROUP, TOPIC, "doomed", Path.of("target", "groups-mesh-doomed.log"),
                log, seq);
        Poll.until(Duration.ofSeconds(30), "the first member reads", () -> log.size() >= 200);
        MemberLoop one = MemberLoop.start("one", member(1, "one"), List.of(TOPIC), log, seq);
        MemberLoop two = MemberLoop.start("two", member(2, "two"), List.of(TOPIC), log, seq);
        Poll.until(Duration.ofSeconds(60), "three members with four partitions each", () -> balanced(describe(observer), 3));
        long threeBalanced = System.nanoTime();

        assertThat(doomed.isAlive()).as("the first member still runs until it is killed").isTrue();
        doomed.kill9();
        long killed = System.nanoTime();
        Poll.until(Duration.ofSeconds(60), "the dead member's partitions moved to the two others",
                () -> balanced(describe(observer), 2));
        long twoBalanced = System.nanoTime();
        int consumedBeforeJoin = log.size();
        MemberLoop three = MemberLoop.start("three", member(0, "three"), List.of(TOPIC), log, seq);
        Poll.until(Duration.ofSeconds(60), "the new member got its share", () -> balanced(describe(observer), 3));
        long threeAgain = System.nanoTime();
        Poll.until(Duration.ofSeconds(30), "every member reads", () -> {
            synchronized (log) {
                Set<String> readers = log.subList(consumedBeforeJoin, log.size()).stream().map(MemberLoop.Consumed::member)
                        .collect(Collectors.toSet());
                return readers.containsAll(Set.of("one", "two", "three"));
            }
        });
        producing.set(false);
        sender.join(60_000);
        producer.close();
        assertThat(produceFailures).isEmpty();
        Poll.until(Duration.ofSeconds(60), "every produced record consumed", () -> {
            one.checkAlive();
            two.checkAlive();
            three.checkAlive();
            return consumedKeys().containsAll(produced);
        });
        System.out.printf("groups: 3 members balanced after %d ms; kill -9 to 2 balanced members %d ms; "
                        + "new member to 3 balanced %d ms; %d records produced%n",
                TimeUnit.NANOSECONDS.toMillis(threeBalanced - t0), TimeUnit.NANOSECONDS.toMillis(twoBalanced - killed),
                TimeUnit.NANOSECONDS.toMillis(threeAgain - twoBalanced), produced.size());

        running.set(false);
        watcher.join(10_000);
        assertThat(violations).as("partitions held twice in one generation").isEmpty();
        assertThat(generationsSeen).as("generations the watcher checked").hasSizeGreaterThan(5);

        // duplicates only where the dead member's partitions were re-read from its last commit on
        Map<String, List<MemberLoop.Consumed>> byRecord = new HashMap<>();
        synchronized (log) {
            log.forEach(c -> byRecord.computeIfAbsent(c.partition() + "/" + c.offset(), k -> new ArrayList<>()).add(c));
        }
        Map<Integer, Long> rereadFrom = new TreeMap<>();
        for (Map.Entry<String, List<MemberLoop.Consumed>> e : byRecord.entrySet()) {
            if (e.getValue().size() < 2) {
                continue;
            }
            MemberLoop.Consumed first = e.getValue().get(0);
            assertThat(e.getValue()).as("record %s read more than once", e.getKey())
                    .anyMatch(c -> c.member().equals("doomed"));
            long lastCommit = doomed.commits.getOrDefault(first.partition(), 0L);
            assertThat(first.offset()).as("re-read record %s is at or after the dead member's last commit %d of its partition",
                    e.getKey(), lastCommit).isGreaterThanOrEqualTo(lastCommit);
            rereadFrom.merge(first.partition(), first.offset(), Math::min);
        }
        System.out.printf("groups: re-read from the dead member's last commits %s (its commits %s)%n", rereadFrom,
                new TreeMap<>(doomed.commits));

        // members that leave commit what they read; one restarted in the group resumes from there
        one.close();
        two.close();
        three.close();
        Map<Integer, Long> committed = new TreeMap<>();
        OffsetsGrpc.newBlockingStub(observer).withDeadlineAfter(10, TimeUnit.SECONDS).fetchCommittedOffsets(
                FetchCommittedOffsetsRequest.newBuilder().setGroup(GROUP).build()).getOffsetsList()
                .forEach((CommittedOffset c) -> committed.put(c.getPartition(), c.getOffset()));
        for (int p = 0; p < PARTITIONS; p++) {
            long end = mesh.broker(1).listOffsets(ListOffsetsRequest.newBuilder().setTopic(TOPIC).setPartition(p).setLatest(true)
                    .build()).getOffset();
            assertThat(committed.get(p)).as("committed offset of partition %d", p).isEqualTo(end);
        }
        int before = log.size();
        try (RafkaProducer more = new RafkaProducer(ProducerConfig.builder(mesh.address(1)).build())) {
            for (int p = 0; p < PARTITIONS; p++) {
                more.send(new ProducerRecord(TOPIC, p, null, "late".getBytes(StandardCharsets.UTF_8), List.of(), 0L));
            }
            more.flush();
        }
        MemberLoop restarted = MemberLoop.start("restarted", member(2, "restarted"), List.of(TOPIC), log, seq);
        Poll.until(Duration.ofSeconds(30), "the restarted member reads the new records", () -> {
            restarted.checkAlive();
            return log.size() >= before + PARTITIONS;
        });
        restarted.close();
        List<MemberLoop.Consumed> resumed = new ArrayList<>(log.subList(before, log.size()));
        assertThat(resumed).as("one record per partition, each at the committed offset").hasSize(PARTITIONS)
                .allMatch(c -> c.offset() == committed.get(c.partition()));
        observer.shutdownNow();
    }
}
