package io.rafka.supernode.internal;

import com.hazelcast.map.EntryProcessor;
import io.rafka.supernode.CommittedOffset;
import io.rafka.supernode.ConsumerGroup;
import io.rafka.supernode.GroupException;
import io.rafka.supernode.Membership;
import io.rafka.supernode.Lease;
import io.rafka.supernode.LeaseResult;
import io.rafka.supernode.NodeSession;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The processors' decisions on plain map entries; the Hazelcast behaviour is covered by the *IT tests. */
class ProcessorsTest {
    private static final long FAR_FUTURE = Long.MAX_VALUE / 2;

    @Test
    void aBackupGetsThePrimarysValueEvenWhereItsOwnClockWouldDecideOtherwise() {
        NodeSession live = session(1, FAR_FUTURE, false);
        Map.Entry<String, NodeSession> primary = entry(live);
        SessionOps.Renew renew = new SessionOps.Renew(1, 60_000);

        assertThat(renew.process(primary)).isTrue();
        EntryProcessor<String, NodeSession, Boolean> backup = renew.getBackupProcessor();
        Map.Entry<String, NodeSession> staleReplica = entry(session(1, 0, false)); // would count as expired

        backup.process(staleReplica);

        assertThat(staleReplica.getValue()).isEqualTo(primary.getValue());
    }

    @Test
    void aProcessorThatChangesNothingSendsNoBackup() {
        SessionOps.ExpireIfDue expire = new SessionOps.ExpireIfDue(1);

        assertThat(expire.process(entry(session(1, FAR_FUTURE, false)))).isFalse();

        assertThat(expire.getBackupProcessor()).isNull();
    }

    @Test
    void anExpiredSessionIsMarkedDeadAndStaysDead() {
        Map.Entry<String, NodeSession> entry = entry(session(1, 1, false));

        assertThat(new SessionOps.Renew(1, 60_000).process(entry)).isFalse();
        assertThat(entry.getValue().dead()).isTrue();
        entry.setValue(session(1, FAR_FUTURE, true)); // even with a deadline far ahead

        assertThat(new SessionOps.Renew(1, 60_000).process(entry)).isFalse();
        assertThat(new SessionOps.ExpireIfDue(1).process(entry)).isTrue();
    }

    @Test
    void registerWaitsForALiveHolderButReplacesAnExpiredOne() {
        Map.Entry<String, NodeSession> entry = entry(session(1, FAR_FUTURE, false));

        assertThat(new SessionOps.Register("n", "name", 2, "g", "h", false, 1_000).process(entry))
                .isEqualTo(new SessionOps.Occupied(session(1, FAR_FUTURE, false)));
        entry.setValue(session(1, 1, false));
        SessionOps.RegisterOutcome outcome = new SessionOps.Register("n", "name", 2, "g", "h", false, 1_000).process(entry);

        assertThat(outcome).isInstanceOf(SessionOps.Registered.class);
        assertThat(entry.getValue().sessionId()).isEqualTo(2);
        assertThat(new SessionOps.Register("n", "name", 2, "g", "h", false, 1_000).process(entry))
                .as("a retried register finds its own session").isEqualTo(outcome);
    }

    @Test
    void aTakeOverHappensOnlyOnTheObservedLease() {
        Lease observed = new Lease("k", "a", 1, 3);
        Map.Entry<String, Lease> entry = entry(new Lease("k", "c", 3, 4)); // someone else was faster

        assertThat(new LeaseOps.TakeOver(observed, "b", 2).process(entry)).isEqualTo(new Lease("k", "c", 3, 4));
        entry.setValue(observed);

        assertThat(new LeaseOps.TakeOver(observed, "b", 2).process(entry)).isEqualTo(new Lease("k", "b", 2, 4));
        assertThat(new LeaseOps.Acquire("k", "b", 2).process(entry))
                .isEqualTo(new LeaseResult.Acquired(new Lease("k", "b", 2, 4), false));
    }

    @Test
    void aCommitWithOneRewindStoresNothing() {
        OffsetOps.GroupOffsets stored = new OffsetOps.GroupOffsets(List.of(new CommittedOffset("t", 0, 9, "", 1)));
        Map.Entry<String, OffsetOps.GroupOffsets> entry = entry(stored);

        OffsetOps.CommitOutcome outcome = new OffsetOps.Commit(
                List.of(new CommittedOffset("t", 1, 4, "", 0), new CommittedOffset("t", 0, 8, "", 0)), false).process(entry);

        assertThat(outcome).isEqualTo(new OffsetOps.Rewound(new CommittedOffset("t", 0, 8, "", 0), 9));
        assertThat(entry.getValue()).isSameAs(stored);
    }

    @Test
    void aMembersCommitOfAPartitionGrantedAfterItsGenerationIsFencedAndStoresNothing() {
        Map.Entry<String, OffsetOps.GroupOffsets> entry = entry(null);
        new OffsetOps.Fence(Map.of("t/0", 5)).process(entry);
        new OffsetOps.Fence(Map.of("t/0", 3)).process(entry); // a late, lower fence does not lower it
        OffsetOps.GroupOffsets fenced = entry.getValue();

        OffsetOps.CommitOutcome stale = new OffsetOps.Commit(
                List.of(new CommittedOffset("t", 1, 4, "", 0), new CommittedOffset("t", 0, 8, "", 0)), false, 4).process(entry);

        assertThat(stale).isEqualTo(new OffsetOps.Fenced(new CommittedOffset("t", 0, 8, "", 0), 5));
        assertThat(entry.getValue()).isSameAs(fenced);
        assertThat(new OffsetOps.Commit(List.of(new CommittedOffset("t", 0, 8, "", 0)), false, 5).process(entry))
                .isEqualTo(new OffsetOps.Committed());
        assertThat(new OffsetOps.Commit(List.of(new CommittedOffset("t", 0, 9, "", 0)), false).process(entry))
                .as("a simple commit passes every fence").isEqualTo(new OffsetOps.Committed());
        assertThat(entry.getValue().fences()).isEqualTo(Map.of("t/0", 5));

        new OffsetOps.DropTopic("t").process(entry);
        assertThat(entry.getValue()).as("offsets and fences of a deleted topic go").isNull();
    }

    @Test
    void aRefusedGroupCallStillStoresTheExpiryItEvaluated() {
        ConsumerGroup group = new ConsumerGroup("g");
        group.join("", "old", "c", List.of("t"), Map.of("t", 4), 6_000, 0); // a session that began at the epoch
        Map.Entry<String, ConsumerGroup> entry = entry(group);
        GroupOps.Heartbeat heartbeat = new GroupOps.Heartbeat("g", "old", 1, List.of());

        GroupOps.Outcome<Membership> refused = heartbeat.process(entry); // runs on the wall clock, long after

        assertThatThrownBy(refused::get).isInstanceOfSatisfying(GroupException.class,
                e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER));
        assertThat(entry.getValue().describe().members()).as("the expired member's removal was written").isEmpty();
        assertThat(heartbeat.getBackupProcessor()).as("and goes to the backups").isNotNull();
    }

    @Test
    void aCallOnAGroupWithoutStateStoresNothing() {
        Map.Entry<String, ConsumerGroup> entry = entry(null);

        GroupOps.Describe describe = new GroupOps.Describe("none");
        assertThat(describe.process(entry).get()).isNull();
        assertThatThrownBy(() -> new GroupOps.Leave("none", "m").process(entry).get()).isInstanceOf(GroupException.class);

        assertThat(entry.getValue()).isNull();
        assertThat(describe.getBackupProcessor()).isNull();
    }

    @Test
    void counterReservationsNeverOverlap() {
        Map.Entry<String, Long> entry = entry(null);

        assertThat(new Counter(1_000).process(entry)).isEqualTo(1);
        assertThat(new Counter(1_000).process(entry)).isEqualTo(1_001);
        assertThat(entry.getValue()).isEqualTo(2_001);
    }

    private static NodeSession session(long sessionId, long expiresAtMs, boolean dead) {
        return new NodeSession("n", "name", sessionId, "g", "h", false, expiresAtMs, dead);
    }

    private static <V> Map.Entry<String, V> entry(V value) {
        return new AbstractMap.SimpleEntry<>("key", value);
    }
}
