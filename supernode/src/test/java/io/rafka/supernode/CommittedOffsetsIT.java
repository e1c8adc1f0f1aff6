package io.rafka.supernode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

@ExtendWith(SharedCluster.class)
class CommittedOffsetsIT {
    private final SupernodeStore onFull;
    private final SupernodeStore onLite;

    CommittedOffsetsIT(TestCluster cluster) {
        onFull = new SupernodeStore(cluster.full(1));
        onLite = new SupernodeStore(cluster.lite(0));
    }

    @Test
    void aRefusedRewindStoresNothingOfTheCommit() {
        long before = System.currentTimeMillis();
        onLite.commit("g", List.of(offset("orders", 2, 9, "m2"), offset("orders", 1, 5, "m1")), false);

        assertThatThrownBy(() -> onFull.commit("g", List.of(offset("orders", 1, 7, ""), offset("orders", 2, 5, "")), false))
                .isInstanceOf(OffsetRewindException.class)
                .hasMessage("offset 5 for orders/2 is below the committed offset 9 of group 'g'; set allow_rewind to reset it");

        List<CommittedOffset> committed = onFull.committed("g");
        assertThat(committed).extracting(CommittedOffset::partition, CommittedOffset::offset, CommittedOffset::metadata)
                .containsExactly(tuple(1, 5L, "m1"), tuple(2, 9L, "m2"));
        assertThat(committed).allMatch(o -> o.commitTime() >= before);
    }

    @Test
    void aRewindIsStoredWhenAllowed() {
        onLite.commit("rewinding", List.of(offset("t", 0, 100, "")), false);

        onLite.commit("rewinding", List.of(offset("t", 0, 3, "reset")), true);

        assertThat(onFull.committed("rewinding", "t", 0)).map(CommittedOffset::offset).contains(3L);
        assertThat(onFull.committed("rewinding", "t", 1)).isEmpty();
        assertThat(onFull.committed("no-such-group")).isEmpty();
    }

    @Test
    void committingTheSameOffsetAgainIsNoRewind() {
        onFull.commit("same", List.of(offset("t", 0, 10, "")), false);

        onLite.commit("same", List.of(offset("t", 0, 10, "again")), false);

        assertThat(onFull.committed("same", "t", 0)).map(CommittedOffset::metadata).contains("again");
    }

    @Test
    void aPartitionTwiceInOneCommitIsRefused() {
        assertThatThrownBy(() -> onLite.commit("twice", List.of(offset("t", 0, 1, ""), offset("t", 0, 2, "")), false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("partition t/0 appears more than once in one commit of group 'twice'");
    }

    @Test
    void concurrentCommitsFromTwoMembersNeverLoseAnUpdate() throws Exception {
        int commitsPerThread = 150;
        AtomicLong sharedOffsets = new AtomicLong();
        List<Long> sharedAccepted = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<?>> threads = new ArrayList<>();
            List<SupernodeStore> stores = List.of(onFull, onLite);
            for (int t = 0; t < stores.size(); t++) {
                SupernodeStore store = stores.get(t);
                int ownPartition = t;
                threads.add(pool.submit(() -> {
                    start.await();
                    for (long i = 1; i <= commitsPerThread; i++) {
                        // Its own partition and a partition both threads move forward, in one commit.
                        long shared = sharedOffsets.incrementAndGet();
                        try {
                            store.commit("busy", List.of(offset("own", ownPartition, i, ""), offset("shared", 0, shared, "")), false);
                            sharedAccepted.add(shared);
                        } catch (OffsetRewindException e) {
                            // the other thread committed a higher shared offset first: the whole commit is refused
                            store.commit("busy", List.of(offset("own", ownPartition, i, "")), false);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> thread : threads) {
                thread.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(onFull.committed("busy")).extracting(CommittedOffset::topic, CommittedOffset::partition, CommittedOffset::offset)
                .containsExactly(
                        tuple("own", 0, (long) commitsPerThread),
                        tuple("own", 1, (long) commitsPerThread),
                        tuple("shared", 0, sharedAccepted.stream().mapToLong(Long::longValue).max().orElseThrow()));
    }

    private static CommittedOffset offset(String topic, int partition, long offset, String metadata) {
        return new CommittedOffset(topic, partition, offset, metadata, 0);
    }
}
