package io.rafka.supernode;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import io.rafka.testkit.Poll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Three full members with backup count 1 and a lite member: losing any one full member loses nothing. */
class FailoverIT {
    private static final Duration TTL = Duration.ofSeconds(60);
    private TestCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = TestCluster.start(3, 1, 1);
    }

    @AfterEach
    void stopCluster() {
        cluster.close();
    }

    @Test
    void everyTopicSessionLeaseAndOffsetSurvivesATerminatedFullMember() {
        SupernodeStore store = new SupernodeStore(cluster.lite(0));
        List<TopicRecord> topics = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            topics.add(store.createTopic("survivor-" + t, 3, Map.of("retention.ms", String.valueOf(t))));
        }
        List<NodeSession> nodes = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            NodeSession session = store.register("node-" + n, "node-" + n, "127.0.0.1:" + (9100 + n), "127.0.0.1:" + (8100 + n), n == 0, TTL, Duration.ZERO);
            // A longer ttl than at register: the stored deadline now comes from a renew on the primary.
            assertThat(store.renew(session, TTL.multipliedBy(2))).isTrue();
            nodes.add(session);
        }
        Set<String> keys = new HashSet<>();
        int k = 0;
        for (TopicRecord topic : topics) {
            for (int p = 0; p < topic.partitions(); p++, k++) {
                String key = topic.partitionKey(p);
                keys.add(key);
                NodeSession first = nodes.get(k % nodes.size());
                store.acquire(key, first);
                if (k % 3 == 0) { // hand some leases on, so epochs above 1 must survive too
                    store.release(key, first);
                    store.acquire(key, nodes.get((k + 1) % nodes.size()));
                }
            }
        }
        List<String> groups = List.of("ga", "gb", "gc", "gd", "ge", "gf", "gg", "gh");
        for (int g = 0; g < groups.size(); g++) {
            List<CommittedOffset> commits = new ArrayList<>();
            for (TopicRecord topic : topics) {
                for (int p = 0; p < topic.partitions(); p++) {
                    commits.add(new CommittedOffset(topic.name(), p, 1_000L * g + p, "g" + g, 0));
                }
            }
            store.commit(groups.get(g), commits, false);
        }
        long producerId = store.nextProducerId();
        Snapshot before = Snapshot.of(store, keys, groups);
        assertThat(before.leases()).hasSize(36);
        assertThat(before.leases().values()).anyMatch(lease -> lease.epoch() == 2);
        cluster.awaitSafe();
        HazelcastInstance victim = ownerOf("node-0");
        long leasesOnVictim = keys.stream().filter(key -> isOwnedBy(victim, key)).count();

        victim.getLifecycleService().terminate();

        Poll.until(Duration.ofSeconds(20), "the lite member sees 3 members",
                () -> cluster.lite(0).getCluster().getMembers().size() == 3);
        HazelcastInstance survivor = cluster.members().stream()
                .filter(hz -> hz != victim && !hz.getConfig().isLiteMember()).findFirst().orElseThrow();
        for (SupernodeStore reader : List.of(store, new SupernodeStore(survivor))) {
            assertThat(Snapshot.of(reader, keys, groups)).isEqualTo(before);
        }
        assertThat(leasesOnVictim).as("lease keys whose primary was on the terminated member").isPositive();
        assertThat(store.renew(nodes.get(0), TTL)).isTrue();
        String someKey = topics.get(0).partitionKey(1);
        assertThat(store.acquire(someKey, nodes.get(1))).isEqualTo(new LeaseResult.Acquired(before.leases().get(someKey), false));
        assertThat(new SupernodeStore(cluster.lite(0)).nextProducerId()).isGreaterThanOrEqualTo(producerId + SupernodeStore.PRODUCER_ID_BLOCK);
        assertThatThrownBy(() -> store.createTopic("survivor-0", 1, Map.of())).isInstanceOf(TopicExistsException.class);
    }

    private HazelcastInstance ownerOf(String key) {
        Member owner = cluster.lite(0).getPartitionService().getPartition(key).getOwner();
        return cluster.members().stream().filter(hz -> hz.getCluster().getLocalMember().equals(owner)).findFirst().orElseThrow();
    }

    private boolean isOwnedBy(HazelcastInstance member, String key) {
        return cluster.lite(0).getPartitionService().getPartition(key).getOwner().equals(member.getCluster().getLocalMember());
    }

    private record Snapshot(List<TopicRecord> topics, List<NodeSession> sessions, Map<String, Lease> leases,
                            Map<String, List<CommittedOffset>> offsets) {
        static Snapshot of(SupernodeStore store, Set<String> keys, List<String> groups) {
            Map<String, List<CommittedOffset>> offsets = new LinkedHashMap<>();
            groups.forEach(group -> offsets.put(group, store.committed(group)));
            return new Snapshot(store.topics(), store.liveSessions(), store.leases(keys), offsets);
        }
    }
}
