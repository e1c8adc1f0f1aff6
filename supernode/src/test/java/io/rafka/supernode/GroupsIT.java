package io.rafka.supernode;

import io.rafka.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Consumer groups on the supernode maps, called from full and lite members. */
@ExtendWith(SharedCluster.class)
class GroupsIT {
    private static final Map<String, Integer> COUNTS = Map.of("t", 4);

    private final TestCluster cluster;
    private final SupernodeStore onFull;
    private final SupernodeStore onLite;

    GroupsIT(TestCluster cluster) {
        this.cluster = cluster;
        onFull = new SupernodeStore(cluster.full(0));
        onLite = new SupernodeStore(cluster.lite(0));
    }

    @Test
    void aPartitionMovesOnlyOnceItsHolderReleasedItWhicheverMemberIsAsked() {
        Membership a = onLite.joinGroup("moving", "", "a-id", "client-a", List.of("t"), COUNTS, 10_000);
        assertThat(a.partitions()).hasSize(4);

        Membership b = onFull.joinGroup("moving", "", "b-id", "client-b", List.of("t"), COUNTS, 10_000);
        assertThat(b.partitions()).isEmpty();
        a = onFull.heartbeat("moving", a.memberId(), a.generation(), List.of());
        assertThat(a.revoke()).hasSize(2);
        GroupDescription rebalancing = onLite.describeGroup("moving").orElseThrow();
        assertThat(rebalancing.state()).isEqualTo(GroupDescription.State.REBALANCING);
        assertThat(rebalancing.members()).extracting(GroupDescription.Member::clientId).containsExactly("client-a", "client-b");

        a = onLite.heartbeat("moving", a.memberId(), a.generation(), a.revoke());
        b = onLite.heartbeat("moving", b.memberId(), b.generation(), List.of());

        assertThat(b.partitions()).hasSize(2).doesNotContainAnyElementsOf(a.partitions());
        assertThat(onFull.describeGroup("moving").orElseThrow().state()).isEqualTo(GroupDescription.State.STABLE);
        assertThat(onFull.describeGroup("never-joined")).isEmpty();
    }

    @Test
    void aMembersCommitNeedsTheCurrentGenerationAndItsPartition() {
        Membership a = onLite.joinGroup("fenced", "", "a-id", "", List.of("t"), COUNTS, 10_000);
        GroupPartition p = a.partitions().get(0);
        onFull.commitAsMember("fenced", a.memberId(), a.generation(), List.of(offset(p, 10)), false);
        Membership b = onFull.joinGroup("fenced", "", "b-id", "", List.of("t"), COUNTS, 10_000);
        int current = b.generation();

        assertThatThrownBy(() -> onLite.commitAsMember("fenced", "a-id", a.generation(), List.of(offset(p, 11)), false))
                .isInstanceOfSatisfying(GroupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GroupException.Reason.STALE_GENERATION);
                    assertThat(e).hasMessageContaining("carries generation " + a.generation()
                            + ", but the current generation is " + current);
                });
        assertThatThrownBy(() -> onLite.commitAsMember("fenced", "b-id", current, List.of(offset(p, 11)), false))
                .isInstanceOfSatisfying(GroupException.class,
                        e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.NOT_OWNER));
        assertThatThrownBy(() -> onLite.commitAsMember("fenced", "a-id", current, List.of(offset(p, 9)), false))
                .isInstanceOf(OffsetRewindException.class);
        onLite.commitAsMember("fenced", "a-id", current, List.of(offset(p, 12)), false);
        onFull.commit("fenced", List.of(offset(p, 13)), false); // a simple commit, whatever the membership

        assertThat(onFull.committed("fenced", p.topic(), p.partition())).map(CommittedOffset::offset).contains(13L);
    }

    @Test
    void theSweepMovesADeadMembersPartitionsWithoutAnyCallOnTheGroup() {
        onLite.joinGroup("swept", "", "dead", "", List.of("t"), COUNTS, 6_000);
        long deadJoined = System.currentTimeMillis();
        Poll.until(Duration.ofSeconds(10), "3 s pass", () -> System.currentTimeMillis() - deadJoined > 3_000);
        onFull.joinGroup("swept", "", "alive", "", List.of("t"), COUNTS, 6_000); // its session lasts 3 s longer

        Poll.until(Duration.ofSeconds(20), "a sweep removes the silent member", () -> {
            onLite.expireGroups(); // a lite member holds no groups: a no-op
            List<String> swept = new SupernodeStore(cluster.full(0)).expireGroups();
            swept.addAll(new SupernodeStore(cluster.full(1)).expireGroups());
            return swept.contains("swept");
        });

        ConsumerGroup stored = (ConsumerGroup) cluster.full(1).getMap(SupernodeStore.GROUPS).get("swept");
        GroupDescription d = stored.describe(); // as stored: nobody called the group since
        assertThat(d.members()).extracting(GroupDescription.Member::memberId).containsExactly("alive");
        assertThat(d.members().get(0).assignment()).hasSize(4);
    }

    private static CommittedOffset offset(GroupPartition p, long offset) {
        return new CommittedOffset(p.topic(), p.partition(), offset, "", 0);
    }
}
