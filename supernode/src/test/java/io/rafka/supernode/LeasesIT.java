package io.rafka.supernode;

import io.rafka.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(SharedCluster.class)
class LeasesIT {
    private static final Duration LONG = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SupernodeStore onFull;
    private final SupernodeStore onLite;

    LeasesIT(TestCluster cluster) {
        onFull = new SupernodeStore(cluster.full(0));
        onLite = new SupernodeStore(cluster.lite(0));
    }

    @Test
    void theFirstAcquireGetsEpochOneAndTheSameSessionKeepsIt() {
        NodeSession me = register(onLite, "lease-first", LONG);

        LeaseResult first = onLite.acquire("first/0", me);
        LeaseResult again = onFull.acquire("first/0", me);

        assertThat(first).isEqualTo(new LeaseResult.Acquired(new Lease("first/0", "lease-first", me.sessionId(), 1), true));
        assertThat(again).isEqualTo(new LeaseResult.Acquired(new Lease("first/0", "lease-first", me.sessionId(), 1), false));
    }

    @Test
    void anotherNodeGetsHeldByWhileTheOwnerRenewsAndTheNextEpochOnceItExpired() throws Exception {
        NodeSession owner = register(onFull, "lease-owner", Duration.ofSeconds(1));
        NodeSession other = register(onLite, "lease-other", LONG);
        Lease owned = ((LeaseResult.Acquired) onFull.acquire("handover/0", owner)).lease();
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
        renewer.scheduleAtFixedRate(() -> onFull.renew(owner, Duration.ofSeconds(1)), 100, 100, TimeUnit.MILLISECONDS);
        long renewedUntil = System.currentTimeMillis() + 1_500;
        try {
            Poll.until(WAIT, "1.5 s of HeldBy while the owner renews", () -> {
                assertThat(onLite.acquire("handover/0", other)).isEqualTo(new LeaseResult.HeldBy(owned));
                return System.currentTimeMillis() > renewedUntil;
            });
        } finally {
            renewer.shutdownNow();
            assertThat(renewer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        LeaseResult.Acquired taken = Poll.untilPresent(WAIT, "the other node takes the lease over",
                () -> onLite.acquire("handover/0", other) instanceof LeaseResult.Acquired a ? Optional.of(a) : Optional.empty());

        assertThat(taken).isEqualTo(new LeaseResult.Acquired(new Lease("handover/0", "lease-other", other.sessionId(), 2), true));
        assertThat(onFull.renew(owner, LONG)).as("the old owner's session stays dead").isFalse();
        assertThat(onFull.acquire("handover/0", owner)).isEqualTo(new LeaseResult.HeldBy(taken.lease()));
    }

    @Test
    void releaseThenAcquireBumpsTheEpoch() {
        NodeSession a = register(onFull, "release-a", LONG);
        NodeSession b = register(onLite, "release-b", LONG);
        onFull.acquire("released/0", a);

        assertThat(onLite.release("released/0", b)).as("b does not hold it").isFalse();
        assertThat(onFull.release("released/0", a)).isTrue();
        assertThat(onFull.release("released/0", a)).as("released already").isFalse();
        assertThat(onLite.leases(Set.of("released/0", "never/0")))
                .isEqualTo(Map.of("released/0", new Lease("released/0", null, 0, 1)));
        LeaseResult byB = onLite.acquire("released/0", b);

        assertThat(byB).isEqualTo(new LeaseResult.Acquired(new Lease("released/0", "release-b", b.sessionId(), 2), true));
    }

    @Test
    void myOwnOldSessionIsTakenOverOnlyOnceItIsDead() {
        NodeSession oldLife = register(onFull, "lease-restart", Duration.ofMillis(1500));
        onFull.acquire("restart/0", oldLife);
        NodeSession impostor = new NodeSession("lease-restart", "name", oldLife.sessionId() + 1, "x", "y", false, Long.MAX_VALUE, false);
        assertThat(onLite.acquire("restart/0", impostor)).as("the old session is still live")
                .isEqualTo(new LeaseResult.HeldBy(new Lease("restart/0", "lease-restart", oldLife.sessionId(), 1)));

        NodeSession newLife = onLite.register("lease-restart", "lease-restart", "127.0.0.1:1", "127.0.0.1:2", false, LONG, WAIT);
        LeaseResult result = onLite.acquire("restart/0", newLife);

        assertThat(result).isEqualTo(new LeaseResult.Acquired(new Lease("restart/0", "lease-restart", newLife.sessionId(), 2), true));
    }

    @Test
    void concurrentAcquiresOfOneKeyByTwoNodesYieldExactlyOneOwner() throws Exception {
        NodeSession a = register(onFull, "race-a", LONG);
        NodeSession b = register(onLite, "race-b", LONG);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 40; round++) {
                String key = "race/" + round;
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<LeaseResult>> attempts = new ArrayList<>();
                for (Map.Entry<SupernodeStore, NodeSession> node : Map.of(onFull, a, onLite, b).entrySet()) {
                    Callable<LeaseResult> acquire = () -> {
                        start.await();
                        return node.getKey().acquire(key, node.getValue());
                    };
                    attempts.add(pool.submit(acquire));
                }
                List<LeaseResult> results = new ArrayList<>();
                for (Future<LeaseResult> attempt : attempts) {
                    results.add(attempt.get());
                }

                List<Lease> won = results.stream().filter(r -> r instanceof LeaseResult.Acquired)
                        .map(r -> ((LeaseResult.Acquired) r).lease()).toList();
                assertThat(won).as("round %d: %s", round, results).hasSize(1);
                assertThat(won.get(0).epoch()).isEqualTo(1);
                assertThat(results).contains(new LeaseResult.Acquired(won.get(0), true), new LeaseResult.HeldBy(won.get(0)));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void epochsStrictlyIncreaseUnderContention() throws Exception {
        NodeSession a = register(onFull, "contend-a", LONG);
        NodeSession b = register(onLite, "contend-b", LONG);
        List<Integer> granted = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CyclicBarrier start = new CyclicBarrier(2);
            List<Future<List<Integer>>> threads = new ArrayList<>();
            for (Map.Entry<SupernodeStore, NodeSession> node : Map.of(onFull, a, onLite, b).entrySet()) {
                Callable<List<Integer>> contend = () -> {
                    start.await();
                    List<Integer> mine = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        if (node.getKey().acquire("contended/0", node.getValue()) instanceof LeaseResult.Acquired acquired) {
                            assertThat(acquired.fresh()).isTrue();
                            mine.add(acquired.lease().epoch());
                            granted.add(acquired.lease().epoch());
                            assertThat(node.getKey().release("contended/0", node.getValue())).isTrue();
                        }
                    }
                    return mine;
                };
                threads.add(pool.submit(contend));
            }
            for (Future<List<Integer>> thread : threads) {
                assertThat(thread.get()).isSorted().doesNotHaveDuplicates();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(granted).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, granted.size()).boxed().toList());
        assertThat(onFull.leases(Set.of("contended/0")).get("contended/0").epoch()).isEqualTo(granted.size());
    }

    @Test
    void leasesOfListsANodesLeasesSortedByKey() {
        NodeSession me = register(onLite, "lister", LONG);
        for (String key : List.of("list/2", "list/0", "list/1")) {
            onLite.acquire(key, me);
        }

        assertThat(onFull.leasesOf("lister")).extracting(Lease::partitionKey).containsExactly("list/0", "list/1", "list/2");
        assertThat(onFull.leases(Set.of("list/1"))).containsOnlyKeys("list/1");
    }

    private static NodeSession register(SupernodeStore store, String nodeId, Duration ttl) {
        return store.register(nodeId, nodeId, "127.0.0.1:7000", "127.0.0.1:7001", false, ttl, Duration.ZERO);
    }
}
