package io.rafka.pastry.bench;

import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryNode;
import io.rafka.pastry.RouteDecision;
import io.rafka.pastry.sim.Scenarios;
import io.rafka.pastry.sim.Simulator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The route decision and join handling on a node of a network built by real joins in the simulator.
 *
 * <pre>
 * cd /work/main && mvn -q -pl pastry-routing -Pjmh test-compile exec:exec
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PastryBenchmark {

    private static final int KEYS = 4096;

    @Param({"10000"})
    public int nodes;

    private Simulator sim;
    private SplittableRandom choice;
    private PastryNode node;
    private NodeId[] keys;
    private NodeId[] nearbyKeys;
    private Message.JoinRequest[] joinRequests;
    private Message.NodeArrived arrival;
    private long now;
    private int next;

    @Setup(Level.Trial)
    public void buildNetwork() {
        Scenarios.Options options = Scenarios.Options.defaults(nodes, 42);
        Scenarios.Built built = new Scenarios(options, null).build();
        sim = built.sim();
        choice = new SplittableRandom(7);
        List<PastryNode> active = sim.activeNodes();
        node = active.get(choice.nextInt(active.size()));
        PastryNode previousHop = active.get(choice.nextInt(active.size()));
        keys = new NodeId[KEYS];
        nearbyKeys = new NodeId[KEYS];
        List<NodeHandle> leaves = node.leafSet().members();
        joinRequests = new Message.JoinRequest[KEYS];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = NodeId.random(choice);
            // a key just past a random leaf: always within the leaf set's range, so the whole leaf set is scanned
            nearbyKeys[i] = leaves.get(choice.nextInt(leaves.size())).id().plus(new NodeId(0, choice.nextLong() >>> 1));
            NodeHandle joiner = new NodeHandle(NodeId.random(choice), "bench-" + i);
            joinRequests[i] = new Message.JoinRequest(previousHop.self(), joiner, List.of(), 1, false);
        }
        PastryNode announcer = active.get(choice.nextInt(active.size()));
        arrival = new Message.NodeArrived(announcer.self(), announcer.knownNodes());
        now = sim.now();
    }

    /** Pastry's route decision for a random key (leaf set, routing table or rare case). */
    @Benchmark
    public RouteDecision routeDecision() {
        return node.route(keys[next++ & (KEYS - 1)]);
    }

    /** The route decision for a key within the leaf set's range: the closest of L + 1 nodes. */
    @Benchmark
    public RouteDecision routeDecisionInLeafSetRange() {
        return node.route(nearbyKeys[next++ & (KEYS - 1)]);
    }

    /** One hop of a join: route the request and add this node's shared rows to it. */
    @Benchmark
    public Object joinRequestHop() {
        return node.handle(joinRequests[next++ & (KEYS - 1)], now);
    }

    /** A node taking in an announcement with a full copy of the newcomer's state (~80 nodes at 10,000). */
    @Benchmark
    public Object nodeArrived() {
        return node.handle(arrival, now);
    }

    /** A whole join through the simulator: request route, reply, announcements and acknowledgements. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int fullJoin() {
        NodeId id = NodeId.random(choice);
        sim.addNode(id, sim.randomActiveNode(choice));
        sim.runUntilQuiescent();
        return sim.activeCount();
    }
}
