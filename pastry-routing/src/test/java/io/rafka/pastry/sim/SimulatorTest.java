package io.rafka.pastry.sim;

import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorTest {

    /** Builds {@code n} nodes by joins, one at a time, and returns the simulator. */
    static Simulator network(long seed, int n, PastryConfig config) {
        Simulator sim = new Simulator(SimulationConfig.defaults(seed).withPastry(config));
        SplittableRandom choice = new SplittableRandom(seed + 1);
        sim.bootstrapNode(NodeId.random(choice));
        for (int i = 1; i < n; i++) {
            sim.addNode(NodeId.random(choice), sim.randomActiveNode(choice));
            sim.runUntilQuiescent();
        }
        return sim;
    }

    static List<Simulator.LookupResult> lookups(Simulator sim, long seed, int count) {
        SplittableRandom choice = new SplittableRandom(seed + 2);
        for (int i = 0; i < count; i++) {
            sim.lookup(sim.randomActiveNode(choice).id(), NodeId.random(choice));
        }
        sim.runUntilQuiescent();
        return sim.takeLookupResults();
    }

    @Test
    void networkOfOneDeliversEveryLookupAtItself() {
        Simulator sim = new Simulator(SimulationConfig.defaults(1));
        NodeHandle only = sim.bootstrapNode(NodeId.ofIdentity("only"));
        for (NodeId key : new NodeId[] {NodeId.ZERO, NodeId.MAX, only.id(), NodeId.ofKey("t/0")}) {
            sim.lookup(only.id(), key);
        }
        sim.runUntilQuiescent();
        assertThat(sim.takeLookupResults()).hasSize(4).allSatisfy(r -> {
            assertThat(r.correct()).isTrue();
            assertThat(r.hops()).isZero();
            assertThat(r.root()).contains(only.id());
        });
    }

    @Test
    void networkOfTwoJoinsAndSplitsTheRing() {
        Simulator sim = new Simulator(SimulationConfig.defaults(2));
        NodeHandle a = sim.bootstrapNode(NodeId.fromHex("40000000000000000000000000000000"));
        NodeHandle b = sim.addNode(NodeId.fromHex("c0000000000000000000000000000000"), a);
        sim.runUntilQuiescent();

        assertThat(sim.activeCount()).isEqualTo(2);
        assertThat(sim.node(a.id()).orElseThrow().leafSet().members()).containsExactly(b);
        assertThat(lookups(sim, 2, 200)).hasSize(200).allSatisfy(r -> assertThat(r.correct()).isTrue());
        // exactly half way (0x80.. and 0x00..): the counter-clockwise node is the root
        sim.lookup(b.id(), NodeId.fromHex("80000000000000000000000000000000"));
        sim.lookup(a.id(), NodeId.ZERO);
        sim.runUntilQuiescent();
        assertThat(sim.takeLookupResults()).extracting(r -> r.root().orElseThrow()).containsExactly(a.id(), b.id());
    }

    @Test
    void sameSeedReproducesTheRunBitForBit() {
        long first = runForTrace(11);
        long second = runForTrace(11);
        long other = runForTrace(12);
        assertThat(second).as("seed 11 twice").isEqualTo(first);
        assertThat(other).as("seed 12").isNotEqualTo(first);
    }

    private static long runForTrace(long seed) {
        Simulator sim = network(seed, 150, PastryConfig.defaults());
        SplittableRandom choice = new SplittableRandom(seed);
        for (int i = 0; i < 15; i++) {
            sim.kill(sim.randomActiveNode(choice).id());
        }
        sim.setMaintenance(true);
        sim.setDropProbability(0.01);
        for (int i = 0; i < 300; i++) {
            sim.after(i * 7L, () -> sim.lookup(sim.randomActiveNode(choice).id(), NodeId.random(choice)));
        }
        sim.runUntil(sim.now() + 120_000);
        return sim.traceHash() ^ sim.messagesSent() * 31 ^ sim.takeLookupResults().size();
    }

    @Test
    void killedNodesAreRoutedAroundAndLookupsStillReachTheClosestLiveNode() {
        Simulator sim = network(3, 300, PastryConfig.defaults());
        SplittableRandom choice = new SplittableRandom(3);
        for (int i = 0; i < 30; i++) {
            sim.kill(sim.randomActiveNode(choice).id());
        }
        List<Simulator.LookupResult> results = lookups(sim, 3, 2000);
        assertThat(results).hasSize(2000).allSatisfy(r -> assertThat(r.correct()).as("seed 3, %s", r).isTrue());
        assertThat(sim.sendFailures()).isPositive();
    }

    @Test
    void droppedMessagesLoseTheirLookups() {
        Simulator sim = network(4, 50, PastryConfig.defaults());
        sim.setDropProbability(1.0);
        SplittableRandom choice = new SplittableRandom(4);
        int started = 0;
        for (int i = 0; i < 100; i++) {
            sim.lookup(sim.randomActiveNode(choice).id(), NodeId.random(choice));
            started++;
        }
        sim.runUntilQuiescent();
        int delivered = sim.takeLookupResults().size();
        assertThat(sim.pendingLookups()).isEqualTo(started - delivered).isPositive();
        assertThat(sim.messagesDropped()).isPositive();
        assertThatThrownBy(() -> sim.setDropProbability(1.5)).hasMessage("drop probability must be between 0 and 1, was 1.5");
    }

    @Test
    void extraDelayIsAddedToEveryMessage() {
        Simulator sim = network(5, 20, PastryConfig.defaults());
        sim.setExtraDelayMillis(1_000);
        List<Long> arrivals = new ArrayList<>();
        long start = sim.now();
        sim.observeDeliveries((time, from, to, m) -> arrivals.add(time - start));
        NodeHandle any = sim.randomActiveNode(new SplittableRandom(5));
        NodeId far = any.id().plus(NodeId.fromHex("80000000000000000000000000000000"));
        sim.lookup(any.id(), far);
        sim.runUntilQuiescent();
        assertThat(arrivals).isNotEmpty().allSatisfy(t -> assertThat(t).isGreaterThanOrEqualTo(1_010));
    }

    @Test
    void partitionMakesTheOtherSideUnreachableUntilHealed() {
        Simulator sim = network(6, 40, PastryConfig.defaults());
        List<NodeId> side = sim.activeNodes().stream().limit(20).map(n -> n.id()).toList();
        NodeId inside = side.get(0);
        NodeId outside = sim.activeNodes().get(30).id();
        sim.partition(side);
        List<String> crossings = new ArrayList<>();
        sim.observeDeliveries((time, from, to, m) -> {
            if (side.contains(from.id()) != side.contains(to.id())) {
                crossings.add(from + "->" + to);
            }
        });
        long failuresBefore = sim.sendFailures();
        sim.lookup(inside, outside);
        sim.runUntilQuiescent();
        assertThat(crossings).isEmpty();
        assertThat(sim.sendFailures()).isGreaterThan(failuresBefore);
        assertThat(sim.takeLookupResults()).singleElement().satisfies(r -> assertThat(r.correct()).isFalse());

        // after healing, forgotten nodes come back once their failure memory expires and maintenance
        // (heartbeats, row exchanges) re-learns them
        sim.healPartition();
        sim.observeDeliveries(null);
        sim.setMaintenance(true);
        sim.runUntil(sim.now() + 2 * PastryConfig.defaults().failedNodeMemoryMillis());
        sim.setMaintenance(false);
        sim.runUntilQuiescent();
        assertThat(lookups(sim, 6, 500)).allSatisfy(r -> assertThat(r.correct()).as("seed 6, %s", r).isTrue());
    }

    @Test
    void gracefulLeaveHandsOverTheKeys() {
        Simulator sim = network(7, 100, PastryConfig.defaults());
        NodeId leaver = sim.activeNodes().get(10).id();
        sim.leave(leaver);
        sim.runUntilQuiescent();
        assertThat(sim.isAlive(leaver)).isFalse();
        sim.lookup(sim.activeNodes().get(0).id(), leaver);
        sim.runUntilQuiescent();
        assertThat(sim.takeLookupResults()).singleElement().satisfies(r -> assertThat(r.correct()).isTrue());
        assertThat(sim.node(sim.activeNodes().get(0).id()).orElseThrow().leafSet().contains(leaver)).isFalse();
    }

    @Test
    void simulatorRefusesASecondLiveNodeWithTheSameIdAndTheRingStaysConsistent() {
        Simulator sim = network(8, 30, PastryConfig.defaults());
        NodeId taken = sim.activeNodes().get(5).id();
        long failedBefore = sim.joinsFailed();
        assertThatThrownBy(() -> sim.addNode(taken, sim.activeNodes().get(0).self()))
                .hasMessageContaining("already exists");
        assertThat(sim.joinsFailed()).isEqualTo(failedBefore);
        assertThat(lookups(sim, 8, 300)).allSatisfy(r -> assertThat(r.correct()).isTrue());
    }

    @Test
    void runUntilQuiescentIsRefusedWhileMaintenanceTicks() {
        Simulator sim = network(9, 5, PastryConfig.defaults());
        sim.setMaintenance(true);
        assertThatThrownBy(sim::runUntilQuiescent).hasMessageContaining("maintenance off");
        sim.runUntil(sim.now() + 200_000);
        assertThat(sim.messagesDelivered()).isPositive();
        sim.setMaintenance(false);
        sim.runUntilQuiescent();
        assertThat(sim.queuedEvents()).isZero();
    }

    @Test
    void joinMessagesAreCounted() {
        Simulator sim = network(10, 64, PastryConfig.defaults());
        assertThat(sim.joinsCompleted()).isEqualTo(64);
        assertThat(sim.joinMessages()).isGreaterThan(63L * 3);
    }
}
