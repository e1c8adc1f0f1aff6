package io.rafka.pastry.sim;

import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryConfig;
import io.rafka.pastry.PastryNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-style checks over many seeds: every lookup reaches the numerically closest live node. Each
 * failure message names its seed; rerun one with {@code SimulatorTest.network(seed, ...)}.
 */
class RoutingPropertyTest {

    @Test
    void everyLookupReachesTheClosestLiveNodeOnAStableNetwork() {
        for (long seed = 1; seed <= 25; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            int n = 1 + random.nextInt(400);
            int leafSet = 2 * (1 + random.nextInt(8));
            Simulator sim = SimulatorTest.network(seed, n, PastryConfig.defaults().withLeafSetSize(leafSet));
            List<Simulator.LookupResult> results = SimulatorTest.lookups(sim, seed, 300);
            long seedForMessage = seed;
            assertThat(results).as("seed=%d nodes=%d leafSet=%d", seed, n, leafSet).hasSize(300)
                    .allSatisfy(r -> assertThat(r.correct()).as("seed=%d lookup %s", seedForMessage, r).isTrue());
        }
    }

    @Test
    void everyLookupReachesTheClosestLiveNodeAfterTenPercentFailAtOnce() {
        for (long seed = 100; seed < 115; seed++) {
            Simulator sim = SimulatorTest.network(seed, 500, PastryConfig.defaults());
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 50; i++) {
                sim.kill(sim.randomActiveNode(random).id());
            }
            List<Simulator.LookupResult> results = SimulatorTest.lookups(sim, seed, 400);
            long seedForMessage = seed;
            assertThat(results).as("seed=%d", seed).hasSize(400)
                    .allSatisfy(r -> assertThat(r.correct()).as("seed=%d lookup %s", seedForMessage, r).isTrue());
        }
    }

    @Test
    void leafSetsMatchTheGlobalRingAfterJoins() {
        for (long seed = 200; seed < 210; seed++) {
            Simulator sim = SimulatorTest.network(seed, 300, PastryConfig.defaults());
            List<NodeId> ring = sim.activeNodes().stream().map(PastryNode::id).sorted().toList();
            for (PastryNode node : sim.activeNodes()) {
                int i = ring.indexOf(node.id());
                for (int d = 1; d <= 8; d++) {
                    NodeId cw = ring.get((i + d) % ring.size());
                    NodeId ccw = ring.get(Math.floorMod(i - d, ring.size()));
                    assertThat(node.leafSet().contains(cw)).as("seed=%d node %s misses clockwise leaf %d", seed, node.id(), d).isTrue();
                    assertThat(node.leafSet().contains(ccw)).as("seed=%d node %s misses counter-clockwise leaf %d", seed, node.id(), d).isTrue();
                }
            }
        }
    }

    @Test
    void lookupsStayCorrectUnderChurnOverManySeeds() {
        for (long seed = 300; seed < 304; seed++) {
            Scenarios.Options options = new Scenarios.Options(300, seed, 2_000, java.util.Set.of("churn"),
                    PastryConfig.defaults(), false, 20 * 60_000, 30 * 60_000, 0.5, 1);
            ScenarioResult result = new Scenarios(options, null).run().get(0);
            assertThat(result.correct()).as("seed=%d %s", seed, result.line()).isGreaterThanOrEqualTo(0.999);
        }
    }
}
