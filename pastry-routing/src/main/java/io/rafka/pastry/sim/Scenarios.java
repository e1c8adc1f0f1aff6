package io.rafka.pastry.sim;

import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryConfig;
import io.rafka.pastry.PastryNode;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The simulator's scenarios. Every network is built by real joins through the protocol, one at a time
 * (each join runs until no message is left), through a random active node.
 *
 * <ul>
 *   <li>{@code stable}: lookups of random keys from random nodes on the built network.</li>
 *   <li>{@code kill10-before}: 10 % of the nodes, chosen at random, crash at once; lookups start at once, with
 *       no maintenance round: nodes find failures only when a send times out (and then repair as usual).</li>
 *   <li>{@code kill10-after}: then one maintenance round (heartbeats to leaves, probes of every routing-table
 *       entry, one row exchange per row, and the repairs these trigger) runs until quiet, and lookups again.</li>
 *   <li>{@code churn}: on a fresh build (same seed, so the same network), nodes leave at random with
 *       exponentially distributed session times and new nodes arrive as a Poisson process at the rate that keeps
 *       the population steady, during a virtual hour with maintenance on; lookups are spread over the hour.</li>
 * </ul>
 */
public final class Scenarios {

    /** Scenario selection and parameters (see {@link SimulatorMain} for the command-line names). */
    public record Options(int nodes, long seed, int lookups, Set<String> scenarios, PastryConfig pastry,
                          boolean proximity, long churnMillis, long meanSessionMillis, double gracefulFraction,
                          long lookupSpacingMillis) {

        public static final Set<String> ALL = Set.of("stable", "kill10", "churn");

        public Options {
            if (nodes < 1 || nodes > 10_000_000) {
                throw new IllegalArgumentException("nodes must be between 1 and 10000000, was " + nodes);
            }
            if (lookups < 0) {
                throw new IllegalArgumentException("lookups must not be negative, was " + lookups);
            }
            if (scenarios.isEmpty() || !ALL.containsAll(scenarios)) {
                throw new IllegalArgumentException("scenarios must be among " + ALL + ", were " + scenarios);
            }
            if (churnMillis <= 0 || meanSessionMillis <= 0) {
                throw new IllegalArgumentException("churn duration and mean session must be positive, were "
                        + churnMillis + " ms and " + meanSessionMillis + " ms");
            }
            if (!(gracefulFraction >= 0 && gracefulFraction <= 1)) {
                throw new IllegalArgumentException("graceful fraction must be between 0 and 1, was " + gracefulFraction);
            }
            if (lookupSpacingMillis < 0) {
                throw new IllegalArgumentException("lookup spacing must not be negative, was " + lookupSpacingMillis);
            }
        }

        public static Options defaults(int nodes, long seed) {
            return new Options(nodes, seed, 10_000, ALL, PastryConfig.defaults(), false, 3_600_000, 3_600_000, 0.5, 1);
        }
    }

    private final Options options;
    private final PrintStream log;

    public Scenarios(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    /** Runs the selected scenarios in order stable, kill10 (before and after), churn. */
    public List<ScenarioResult> run() {
        List<ScenarioResult> results = new ArrayList<>();
        Set<String> selected = options.scenarios();
        if (selected.contains("stable") || selected.contains("kill10")) {
            Built built = build();
            if (selected.contains("stable")) {
                results.add(lookups("stable", built, options.nodes()));
            }
            if (selected.contains("kill10")) {
                results.addAll(kill10(built));
            }
        }
        if (selected.contains("churn")) {
            results.add(churn(build()));
        }
        return results;
    }

    /** A network built by joins, with the random stream used for the scenario's choices. */
    public record Built(Simulator sim, SplittableRandom choice, double joinMsgs) {
    }

    /** Builds the network of {@link Options#nodes()} nodes by real joins. */
    public Built build() {
        SimulationConfig simConfig = new SimulationConfig(options.seed(), options.pastry(), 10, 100, 500, options.proximity());
        Simulator sim = new Simulator(simConfig);
        SplittableRandom choice = new SplittableRandom(options.seed() * 0x9E3779B97F4A7C15L + 1);
        long started = System.nanoTime();
        sim.bootstrapNode(NodeId.random(choice));
        int n = options.nodes();
        int step = Math.max(1, n / 10);
        for (int i = 1; i < n; i++) {
            NodeId id = NodeId.random(choice);
            while (sim.node(id).isPresent()) {
                id = NodeId.random(choice);
            }
            sim.addNode(id, sim.randomActiveNode(choice));
            sim.runUntilQuiescent();
            if ((i + 1) % step == 0) {
                progress("built %d/%d nodes in %.1f s (%d messages)", i + 1, n, seconds(started), sim.messagesSent());
            }
        }
        if (sim.activeCount() != n) {
            throw new IllegalStateException("build ended with " + sim.activeCount() + " active nodes instead of " + n
                    + " (seed " + options.seed() + ")");
        }
        double joinMsgs = n > 1 ? (double) sim.joinMessages() / (n - 1) : 0.0;
        progress("build of %d nodes done in %.1f s, %.1f join messages per join, heap used %d MiB",
                n, seconds(started), joinMsgs, usedHeapMiB());
        return new Built(sim, choice, joinMsgs);
    }

    /** Issues the configured number of lookups, runs until they finish and summarises them. */
    public ScenarioResult lookups(String name, Built built, int nodes) {
        Simulator sim = built.sim();
        issueLookups(built, sim.now(), options.lookupSpacingMillis());
        sim.runUntilQuiescent();
        return summarise(name, built, nodes, built.joinMsgs());
    }

    private List<ScenarioResult> kill10(Built built) {
        Simulator sim = built.sim();
        int nodes = sim.activeCount();
        int victims = (int) Math.round(nodes * 0.10);
        List<NodeId> chosen = new ArrayList<>();
        for (int i = 0; i < victims; i++) {
            chosen.add(sim.randomActiveNode(built.choice()).id());
            sim.kill(chosen.get(i));
        }
        progress("killed %d of %d nodes at once", victims, nodes);
        ScenarioResult before = lookups("kill10-before", built, nodes);
        long started = System.nanoTime();
        sim.setMaintenance(true);
        sim.runUntil(sim.now() + options.pastry().heartbeatIntervalMillis() + 10_000);
        sim.setMaintenance(false);
        sim.runUntilQuiescent();
        progress("repair round done in %.1f s (%d messages so far)", seconds(started), sim.messagesSent());
        ScenarioResult after = lookups("kill10-after", built, nodes);
        return List.of(before, after);
    }

    ScenarioResult churn(Built built) {
        Simulator sim = built.sim();
        SplittableRandom choice = built.choice();
        int population = sim.activeCount();
        long start = sim.now();
        long end = start + options.churnMillis();
        double meanSession = options.meanSessionMillis();
        long joinMessagesBefore = sim.joinMessages();
        long joinsBefore = sim.joinsCompleted();
        long started = System.nanoTime();

        sim.setMaintenance(true);
        for (PastryNode node : sim.activeNodes()) {
            scheduleDeparture(sim, choice, node.id(), end, meanSession);
        }
        sim.onJoined(h -> scheduleDeparture(sim, choice, h.id(), end, meanSession));
        scheduleArrival(sim, choice, end, meanSession / population);
        long spacing = options.lookups() == 0 ? 0 : options.churnMillis() / options.lookups();
        issueLookups(built, start, spacing);

        long reportEvery = options.churnMillis() / 6;
        for (long t = start + reportEvery; t <= end; t += reportEvery) {
            sim.runUntil(t);
            progress("churn at %d of %d virtual minutes: %d live nodes, %d joins, %.1f s",
                    (t - start) / 60_000, options.churnMillis() / 60_000, sim.activeCount(),
                    sim.joinsCompleted() - joinsBefore, seconds(started));
        }
        sim.runUntil(end);
        sim.setMaintenance(false);
        sim.onJoined(null);
        sim.runUntilQuiescent();
        long joins = sim.joinsCompleted() - joinsBefore;
        double joinMsgs = joins == 0 ? 0.0 : (double) (sim.joinMessages() - joinMessagesBefore) / joins;
        progress("churn done in %.1f s: %d joins, %d live nodes, %d join failures", seconds(started), joins,
                sim.activeCount(), sim.joinsFailed());
        return summarise("churn", built, population, joinMsgs);
    }

    private void scheduleDeparture(Simulator sim, SplittableRandom choice, NodeId id, long end, double meanSession) {
        long at = sim.now() + exponential(choice, meanSession);
        if (at >= end) {
            return;
        }
        boolean graceful = choice.nextDouble() < options.gracefulFraction();
        sim.at(at, () -> {
            if (graceful) {
                sim.leave(id);
            } else {
                sim.kill(id);
            }
        });
    }

    private void scheduleArrival(Simulator sim, SplittableRandom choice, long end, double meanGap) {
        long at = sim.now() + exponential(choice, meanGap);
        if (at >= end) {
            return;
        }
        sim.at(at, () -> {
            if (sim.activeCount() > 0) {
                NodeId id = NodeId.random(choice);
                if (sim.node(id).isEmpty() && !sim.isAlive(id)) {
                    sim.addNode(id, sim.randomActiveNode(choice));
                }
            }
            scheduleArrival(sim, choice, end, meanGap);
        });
    }

    private void issueLookups(Built built, long start, long spacing) {
        Simulator sim = built.sim();
        SplittableRandom choice = built.choice();
        for (int i = 0; i < options.lookups(); i++) {
            sim.at(start + i * spacing, () -> {
                if (sim.activeCount() > 0) {
                    sim.lookup(sim.randomActiveNode(choice).id(), NodeId.random(choice));
                }
            });
        }
    }

    ScenarioResult summarise(String name, Built built, int nodes, double joinMsgs) {
        Simulator sim = built.sim();
        List<Simulator.LookupResult> results = sim.takeLookupResults();
        int lost = sim.abandonPendingLookups();
        long state = 0;
        List<PastryNode> live = sim.activeNodes();
        for (PastryNode node : live) {
            state += node.stateSize();
        }
        double stateAvg = live.isEmpty() ? 0.0 : (double) state / live.size();
        ScenarioResult result = ScenarioResult.of(name, nodes, results.size() + lost, results, stateAvg, joinMsgs);
        results.stream().filter(r -> !r.correct()).limit(10).forEach(r -> progress(
                "%s: wrong lookup of %s at %d ms: delivered at %s, closest live node %s (joined at %s ms), %d hops",
                name, r.key(), r.startedAt() + r.latencyMillis(), r.root().map(NodeId::toHex).orElse("nowhere (dropped)"),
                r.expectedRoot().map(NodeId::toHex).orElse("none"),
                r.expectedRoot().flatMap(id -> sim.joinedAt(id).stream().boxed().findFirst()).map(String::valueOf).orElse("?"),
                r.hops()));
        if (lost > 0) {
            progress("%s: %d lookups lost (a message dropped or its holder died)", name, lost);
        }
        progress("%s", result.line());
        return result;
    }

    private static long exponential(SplittableRandom random, double mean) {
        return Math.max(1L, Math.round(-mean * Math.log(1.0 - random.nextDouble())));
    }

    private void progress(String format, Object... args) {
        if (log != null) {
            log.println("# " + String.format(Locale.ROOT, format, args));
            log.flush();
        }
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    static long usedHeapMiB() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }
}
