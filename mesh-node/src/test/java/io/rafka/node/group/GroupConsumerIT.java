package io.rafka.node.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.rafka.client.AutoOffsetReset;
import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.RafkaException;
import io.rafka.client.RafkaProducer;
import io.rafka.client.TopicPartitionRef;
import io.rafka.node.TestNode;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.testkit.Poll;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RafkaConsumers as members of one group on a standalone node: sharing, handing over, leaving, resuming. */
class GroupConsumerIT {
    static final int PARTITIONS = 6;

    @TempDir
    Path dir;
    TestNode node;
    String bootstrap;
    RafkaProducer producer;
    final List<MemberLoop.Consumed> log = Collections.synchronizedList(new ArrayList<>());
    final AtomicLong seq = new AtomicLong();
    final Set<String> produced = Collections.synchronizedSet(new HashSet<>());

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir);
        node.admin().createTopic(CreateTopicRequest.newBuilder().setName("events").setPartitions(PARTITIONS).build());
        bootstrap = "127.0.0.1:" + node.node.grpcPort();
        producer = new RafkaProducer(ProducerConfig.builder(bootstrap).lingerMs(1).build());
    }

    @AfterEach
    void stop() throws Exception {
        if (producer != null) {
            producer.close();
        }
        if (node != null) {
            node.close();
        }
    }

    ConsumerConfig.Builder member(String name) {
        return ConsumerConfig.builder(bootstrap).groupId("workers").clientId(name).autoOffsetReset(AutoOffsetReset.EARLIEST)
                .sessionTimeoutMs(60_000).autoCommitIntervalMs(200).fetchMaxWaitMs(100);
    }

    /** Produces {@code perPartition} records to every partition; remembers each as "partition/offset". */
    void produce(int perPartition) throws Exception {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int i = 0; i < perPartition; i++) {
            for (int p = 0; p < PARTITIONS; p++) {
                sent.add(producer.send(new ProducerRecord("events", p, null, ("r" + i).getBytes(StandardCharsets.UTF_8),
                        List.of(), 0L)).thenAccept(md -> produced.add(md.partition() + "/" + md.offset())));
            }
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    Set<String> consumedKeys() {
        synchronized (log) {
            return log.stream().map(c -> c.partition() + "/" + c.offset()).collect(Collectors.toSet());
        }
    }

    void awaitAllConsumed(MemberLoop... members) {
        Poll.until(Duration.ofSeconds(60), "every produced record consumed", () -> {
            for (MemberLoop m : members) {
                m.checkAlive();
            }
            return consumedKeys().containsAll(produced);
        });
    }

    /** Records handed out more than once, as "partition/offset" to how often. */
    Map<String, Integer> duplicates() {
        Map<String, Integer> counts = new HashMap<>();
        synchronized (log) {
            log.forEach(c -> counts.merge(c.partition() + "/" + c.offset(), 1, Integer::sum));
        }
        counts.values().removeIf(n -> n == 1);
        return counts;
    }

    @Test
    void membersShareTheTopicAndHandPartitionsOverAtTheirCommittedPositionsWithoutGapsOrRereads() throws Exception {
        produce(50);
        MemberLoop first = MemberLoop.start("first", member("first").build(), List.of("events"), log, seq);
        Poll.until(Duration.ofSeconds(30), "the first member reads", () -> log.size() >= 100);

        MemberLoop second = MemberLoop.start("second", member("second").build(), List.of("events"), log, seq);
        produce(50);
        awaitAllConsumed(first, second);
        Poll.until(Duration.ofSeconds(30), "three partitions each", () ->
                first.assignment().size() == 3 && second.assignment().size() == 3);

        assertThat(first.assignment()).doesNotContainAnyElementsOf(second.assignment());
        assertThat(duplicates()).as("a live member commits what it gives up before releasing it: nothing is read twice")
                .isEmpty();

        first.close(); // commits and leaves: its partitions move at once, not after its 60 s session
        Poll.until(Duration.ofSeconds(15), "the second member takes every partition", () -> second.assignment().size() == PARTITIONS);
        produce(10);
        awaitAllConsumed(second);
        assertThat(duplicates()).isEmpty();
        second.close();

        int before = log.size();
        produce(2);
        MemberLoop third = MemberLoop.start("third", member("third").build(), List.of("events"), log, seq);
        Poll.until(Duration.ofSeconds(30), "the new member reads the new records", () -> log.size() >= before + 2 * PARTITIONS);
        third.close();
        List<MemberLoop.Consumed> resumed = new ArrayList<>(log.subList(before, log.size()));
        assertThat(resumed).as("a new member resumes at the committed offsets: only the records produced since")
                .hasSize(2 * PARTITIONS).allMatch(c -> c.offset() >= 110);
        assertThat(duplicates()).isEmpty();
    }

    @Test
    void aSubscribedConsumerCommitsWithItsGenerationAndAssignedConsumersStillCommitSimply() throws Exception {
        produce(3);
        try (RafkaConsumer member = new RafkaConsumer(member("m").enableAutoCommit(false).build());
             RafkaConsumer manual = new RafkaConsumer(member("manual").groupId("by-hand").build())) {
            member.subscribe(List.of("events"));
            assertThat(member.generation()).isEqualTo(1);
            assertThat(member.assignment()).hasSize(PARTITIONS);
            List<ConsumerRecord> got = new ArrayList<>();
            Poll.until(Duration.ofSeconds(30), "all records", () -> {
                got.addAll(member.poll(Duration.ofMillis(100)));
                return got.size() == 3 * PARTITIONS;
            });
            member.commitSync();
            assertThat(member.committed(new TopicPartitionRef("events", 0))).hasValue(3);
            assertThatThrownBy(() -> member.assign(List.of(new TopicPartitionRef("events", 0))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("subscribed");

            manual.assign("events");
            assertThatThrownBy(() -> manual.subscribe(List.of("events"))).isInstanceOf(IllegalStateException.class);
            manual.seekToBeginning(manual.assignment());
            List<ConsumerRecord> read = new ArrayList<>();
            Poll.until(Duration.ofSeconds(30), "all records, by hand", () -> {
                read.addAll(manual.poll(Duration.ofMillis(100)));
                return read.size() == 3 * PARTITIONS;
            });
            manual.commitSync();
            assertThat(manual.committed(new TopicPartitionRef("events", 5))).hasValue(3);
        }
        try (RafkaConsumer lost = new RafkaConsumer(member("x").build())) {
            assertThatThrownBy(() -> lost.subscribe(List.of("events", "missing")))
                    .isInstanceOfSatisfying(RafkaException.class, e -> {
                        assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
                        assertThat(e).hasMessageContaining("topic 'missing' does not exist");
                    });
        }
    }
}
