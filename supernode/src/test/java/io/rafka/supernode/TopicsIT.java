package io.rafka.supernode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(SharedCluster.class)
class TopicsIT {
    private final SupernodeStore onFull;
    private final SupernodeStore onLite;

    TopicsIT(TestCluster cluster) {
        onFull = new SupernodeStore(cluster.full(0));
        onLite = new SupernodeStore(cluster.lite(0));
    }

    @Test
    void concurrentCreatesOfOneNameFromTwoMembersYieldOneTopic() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                String name = "race-" + round;
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<TopicRecord>> attempts = new ArrayList<>();
                for (SupernodeStore store : List.of(onFull, onLite)) {
                    Callable<TopicRecord> create = () -> {
                        start.await();
                        return store.createTopic(name, 3, Map.of());
                    };
                    attempts.add(pool.submit(create));
                }

                List<TopicRecord> created = new ArrayList<>();
                List<TopicExistsException> refused = new ArrayList<>();
                for (Future<TopicRecord> attempt : attempts) {
                    try {
                        created.add(attempt.get());
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(TopicExistsException.class);
                        refused.add((TopicExistsException) e.getCause());
                    }
                }

                assertThat(created).as("round %d", round).hasSize(1);
                assertThat(refused).hasSize(1);
                assertThat(refused.get(0).existing()).isEqualTo(created.get(0));
                assertThat(refused.get(0)).hasMessageStartingWith("topic '" + name + "' already exists");
                assertThat(onFull.topic(name)).contains(created.get(0));
                assertThat(onLite.topic(name)).contains(created.get(0));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void deletedAndRecreatedTopicIsANewIncarnation() {
        TopicRecord first = onLite.createTopic("orders", 3, Map.of("retention.ms", "60000"));

        TopicRecord deleted = onFull.deleteTopic("orders");
        TopicRecord second = onLite.createTopic("orders", 5, Map.of());

        assertThat(deleted).isEqualTo(first);
        assertThat(second.incarnation()).isGreaterThan(first.incarnation());
        assertThat(second.storageName()).isNotEqualTo(first.storageName()).startsWith("orders~");
        assertThat(second.partitionKey(0)).isNotEqualTo(first.partitionKey(0));
        assertThat(onFull.topic("orders")).contains(second);
    }

    @Test
    void deletingAnUnknownTopicFailsNamingIt() {
        assertThatThrownBy(() -> onLite.deleteTopic("no-such-topic"))
                .isInstanceOf(TopicNotFoundException.class)
                .hasMessage("topic 'no-such-topic' does not exist");
    }

    @Test
    void topicsAreSortedByNameAndTheSameOnEveryMember() {
        TopicRecord b = onLite.createTopic("listed-b", 2, Map.of("cleanup.policy", "delete", "retention.ms", "1000"));
        TopicRecord a = onFull.createTopic("listed-a", 1, Map.of());

        List<TopicRecord> fromFull = onFull.topics().stream().filter(t -> t.name().startsWith("listed-")).toList();
        List<TopicRecord> fromLite = onLite.topics().stream().filter(t -> t.name().startsWith("listed-")).toList();

        assertThat(fromFull).containsExactly(a, b);
        assertThat(fromLite).containsExactly(a, b);
        assertThat(fromLite.get(1).config()).isEqualTo(Map.of("cleanup.policy", "delete", "retention.ms", "1000"));
    }

    @Test
    void deletingATopicRemovesItsOffsetsInEveryGroupAndItsLeases() {
        TopicRecord doomed = onFull.createTopic("doomed", 2, Map.of());
        TopicRecord kept = onFull.createTopic("doomed-not", 2, Map.of());
        NodeSession node = onLite.register("delete-node", "delete-node", "127.0.0.1:1", "127.0.0.1:2", false, Duration.ofSeconds(30), Duration.ZERO);
        for (TopicRecord topic : List.of(doomed, kept)) {
            for (int p = 0; p < 2; p++) {
                assertThat(onLite.acquire(topic.partitionKey(p), node)).isInstanceOf(LeaseResult.Acquired.class);
            }
        }
        for (String group : List.of("delete-g1", "delete-g2")) {
            onLite.commit(group, List.of(new CommittedOffset("doomed", 0, 5, "", 0),
                    new CommittedOffset("doomed", 1, 6, "", 0), new CommittedOffset("doomed-not", 0, 7, "", 0)), false);
        }
        onLite.commit("delete-g3", List.of(new CommittedOffset("doomed", 1, 1, "", 0)), false);

        onLite.deleteTopic("doomed");

        for (String group : List.of("delete-g1", "delete-g2")) {
            assertThat(onFull.committed(group)).extracting(CommittedOffset::topic).containsExactly("doomed-not");
        }
        assertThat(onFull.committed("delete-g3")).isEmpty();
        assertThat(onFull.leases(Set.of(doomed.partitionKey(0), doomed.partitionKey(1)))).isEmpty();
        assertThat(onFull.leasesOf("delete-node")).extracting(Lease::partitionKey)
                .containsExactly(kept.partitionKey(0), kept.partitionKey(1));
    }
}
