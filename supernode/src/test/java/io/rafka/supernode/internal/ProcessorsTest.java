package io.rafka.supernode.internal;

import com.hazelcast.map.EntryProcessor;
import io.rafka.supernode.CommittedOffset;
import io.rafka.supernode.Lease;
import io.rafka.supernode.LeaseResult;
import io.rafka.supernode.NodeSession;
import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

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
