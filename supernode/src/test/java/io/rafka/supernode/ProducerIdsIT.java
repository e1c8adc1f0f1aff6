package io.rafka.supernode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(SharedCluster.class)
class ProducerIdsIT {
    private final TestCluster cluster;

    ProducerIdsIT(TestCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void producerIdsAreUniqueAcrossStoresMembersAndThreads() throws Exception {
        List<SupernodeStore> stores = List.of(new SupernodeStore(cluster.full(0)), new SupernodeStore(cluster.full(1)),
                new SupernodeStore(cluster.lite(0)));
        int threadsPerStore = 3;
        int idsPerThread = 1_500;
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(stores.size() * threadsPerStore);
        try {
            CyclicBarrier start = new CyclicBarrier(stores.size() * threadsPerStore);
            List<Future<?>> threads = new ArrayList<>();
            for (SupernodeStore store : stores) {
                for (int t = 0; t < threadsPerStore; t++) {
                    threads.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < idsPerThread; i++) {
                            assertThat(ids.add(store.nextProducerId())).isTrue();
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> thread : threads) {
                thread.get();
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(ids).hasSize(stores.size() * threadsPerStore * idsPerThread).allMatch(id -> id > 0);
        // A store of a restarted node starts from a new block.
        long afterRestart = new SupernodeStore(cluster.lite(0)).nextProducerId();
        assertThat(ids).doesNotContain(afterRestart);
    }

    @Test
    void anIdFoundInALogIsNeverHandedOutAgainByAnyStore() {
        SupernodeStore a = new SupernodeStore(cluster.full(0));
        SupernodeStore b = new SupernodeStore(cluster.lite(0));
        long first = a.nextProducerId();
        long seen = first + 50_000; // past every block reserved so far, as after the maps were lost
        a.producerIdsAbove(seen);
        assertThat(a.nextProducerId()).as("the store drops its block below the id").isGreaterThan(seen);
        assertThat(b.nextProducerId()).as("another store reserves above it").isGreaterThan(seen);
        long next = a.nextProducerId();
        a.producerIdsAbove(first); // an id below the counter changes nothing
        assertThat(a.nextProducerId()).isEqualTo(next + 1);
    }
}
