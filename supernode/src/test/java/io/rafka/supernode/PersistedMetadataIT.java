package io.rafka.supernode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.rafka.testkit.Poll;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The metadata maps written through to a {@link MetadataPersistence} and loaded back by a cluster
 * started after every member of the first one was gone. The persistence here is an in-memory
 * stand-in (the logic under test is Hazelcast's calls into it); {@code MetadataRestartIT} in
 * mesh-node does the same with node JVMs on a real CQL server.
 */
class PersistedMetadataIT {
    private static final Duration TTL = Duration.ofSeconds(30);

    @Test
    void aClusterStartedAfterTheLastMemberWentKeepsTopicsOffsetsCountersAndLeaseEpochs() {
        InMemory persistence = new InMemory();
        TopicRecord orders;
        long lastProducerId;
        try (TestCluster first = TestCluster.start(2, 1, 1, Optional.of(persistence))) {
            SupernodeStore full = new SupernodeStore(first.full(0));
            SupernodeStore lite = new SupernodeStore(first.lite(0));
            orders = lite.createTopic("orders", 3, Map.of("retention.ms", "1000"));
            lite.createTopic("gone", 1, Map.of());
            lite.deleteTopic("gone");
            NodeSession a = lite.register("node-a", "a", "127.0.0.1:1", "127.0.0.1:2", false, TTL, Duration.ZERO);
            assertThat(((LeaseResult.Acquired) lite.acquire(orders.partitionKey(0), a)).lease().epoch()).isEqualTo(1);
            full.commit("billing", List.of(new CommittedOffset("orders", 0, 41, "m", 0),
                    new CommittedOffset("orders", 2, 7, "", 0)), false);
            lastProducerId = lite.nextProducerId();
            assertThat(persistence.keys("rafka.topics")).containsExactly("orders");
            assertThat(persistence.keys("rafka.sessions")).isEmpty();
            assertThat(persistence.keys("rafka.groups")).isEmpty();
        }

        try (TestCluster second = TestCluster.start(1, 1, 1, Optional.of(persistence))) {
            SupernodeStore lite = new SupernodeStore(second.lite(0));
            assertThat(lite.topics()).containsExactly(orders);
            assertThat(lite.committed("billing")).extracting(CommittedOffset::partition, CommittedOffset::offset)
                    .containsExactly(tuple(0, 41L), tuple(2, 7L));
            assertThat(lite.nextProducerId()).isGreaterThan(lastProducerId);
            TopicRecord next = lite.createTopic("payments", 1, Map.of());
            assertThat(next.incarnation()).isGreaterThan(orders.incarnation() + 1); // "gone" took one too
            assertThatThrownBy(() -> lite.createTopic("orders", 1, Map.of())).isInstanceOf(TopicExistsException.class);

            // The old holder's session did not survive; the lease is taken over at the next epoch.
            NodeSession b = lite.register("node-b", "b", "127.0.0.1:3", "127.0.0.1:4", false, TTL, Duration.ZERO);
            Lease taken = ((LeaseResult.Acquired) lite.acquire(orders.partitionKey(0), b)).lease();
            assertThat(taken.epoch()).isEqualTo(2);
            assertThat(taken.ownerNodeId()).isEqualTo("node-b");
        }
    }

    @Test
    void aLeaseWhoseHoldersSessionVanishedWithTheSupernodesIsKeptForTheGrace() {
        InMemory persistence = new InMemory();
        try (TestCluster cluster = TestCluster.start(1, 2, 0, Optional.of(persistence))) {
            SupernodeStore x = new SupernodeStore(cluster.lite(0), Duration.ofSeconds(3));
            NodeSession holder = x.register("node-x", "x", "127.0.0.1:1", "127.0.0.1:2", false, TTL, Duration.ZERO);
            Lease held = ((LeaseResult.Acquired) x.acquire("t~1/0", holder)).lease();

            cluster.restartAllFull(); // sessions are gone, the lease came back from the persistence
            SupernodeStore y = new SupernodeStore(cluster.lite(1), Duration.ofSeconds(3));
            NodeSession other = y.register("node-y", "y", "127.0.0.1:3", "127.0.0.1:4", false, TTL, Duration.ZERO);
            assertThat(y.acquire("t~1/0", other)).as("the holder may still be acknowledging writes")
                    .isEqualTo(new LeaseResult.HeldBy(held));
            assertThat(x.renew(holder, TTL)).as("the holder learns at its next renewal that its session is gone").isFalse();
            Lease taken = Poll.untilPresent(Duration.ofSeconds(30), "the lease is taken over once the grace passed", () ->
                    y.acquire("t~1/0", other) instanceof LeaseResult.Acquired a ? Optional.of(a.lease()) : Optional.empty());
            assertThat(taken.epoch()).isEqualTo(held.epoch() + 1);
        }
    }

    @Test
    void aChangeThePersistenceRefusesIsNotApplied() {
        InMemory persistence = new InMemory();
        try (TestCluster cluster = TestCluster.start(1, 1, 0, Optional.of(persistence))) {
            SupernodeStore lite = new SupernodeStore(cluster.lite(0));
            lite.createTopic("kept", 1, Map.of());
            lite.commit("g", List.of(new CommittedOffset("kept", 0, 5, "", 0)), false);

            persistence.failing = true;
            assertThatThrownBy(() -> lite.createTopic("refused", 1, Map.of()))
                    .hasStackTraceContaining("persistence is down");
            assertThatThrownBy(() -> lite.commit("g", List.of(new CommittedOffset("kept", 0, 9, "", 0)), false))
                    .hasStackTraceContaining("persistence is down");
            persistence.failing = false;

            assertThat(lite.topics()).extracting(TopicRecord::name).containsExactly("kept");
            assertThat(lite.committed("g", "kept", 0)).map(CommittedOffset::offset).contains(5L);
            lite.commit("g", List.of(new CommittedOffset("kept", 0, 9, "", 0)), false);
            assertThat(lite.committed("g", "kept", 0)).map(CommittedOffset::offset).contains(9L);
        }
    }

    @Test
    void aClusterStartingWhileThePersistenceFailsWaitsForItsMetadata() throws Exception {
        InMemory persistence = new InMemory();
        try (TestCluster first = TestCluster.start(1, 0, 0, Optional.of(persistence))) {
            new SupernodeStore(first.full(0)).createTopic("kept", 2, Map.of());
        }
        persistence.failing = true;
        try (TestCluster second = TestCluster.start(1, 1, 0, Optional.of(persistence))) {
            CompletableFuture<SupernodeStore> opening = CompletableFuture.supplyAsync(() -> new SupernodeStore(second.lite(0)));
            Poll.until(Duration.ofSeconds(30), "the stored keys are asked for again and again",
                    () -> persistence.refused.get() >= 3);
            assertThat(opening).as("no store while its maps could not be loaded").isNotDone();
            persistence.failing = false;
            SupernodeStore store = opening.get(30, TimeUnit.SECONDS);
            assertThat(store.topics()).extracting(TopicRecord::name).containsExactly("kept");
        }
    }

    /** A stand-in for the CQL table: what was stored, per map; can be made to fail. */
    private static final class InMemory implements MetadataPersistence {
        private final Map<String, Map<String, byte[]>> maps = new ConcurrentHashMap<>();
        final AtomicInteger refused = new AtomicInteger();
        volatile boolean failing;

        private Map<String, byte[]> map(String name) {
            if (failing) {
                refused.incrementAndGet();
                throw new IllegalStateException("persistence is down");
            }
            return maps.computeIfAbsent(name, n -> new ConcurrentHashMap<>());
        }

        @Override
        public Collection<String> keys(String map) {
            return new TreeMap<>(map(map)).keySet();
        }

        @Override
        public Map<String, byte[]> load(String map, Collection<String> keys) {
            Map<String, byte[]> m = map(map);
            return keys.stream().filter(m::containsKey).collect(Collectors.toMap(k -> k, m::get));
        }

        @Override
        public void store(String map, String key, byte[] value, long version) {
            map(map).put(key, value.clone());
        }

        @Override
        public void delete(String map, String key) {
            map(map).remove(key);
        }
    }
}
