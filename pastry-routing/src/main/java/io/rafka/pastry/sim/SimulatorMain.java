package io.rafka.pastry.sim;

import io.rafka.pastry.PastryConfig;

import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Command-line entry point of the Pastry simulator ({@code bin/rafka simulate ...} once the CLI exists).
 *
 * <pre>
 * java -Xmx4g -cp pastry-routing/target/classes io.rafka.pastry.sim.SimulatorMain \
 *     --nodes 1000 --seed 42 --lookups 10000 --scenario all --leaf-set 16
 * </pre>
 *
 * <p>Progress lines, each starting with {@code #}, go to standard error; the scenario lines go to standard
 * output, last, one per scenario:
 * {@code pastry scenario=<name> nodes=<N> lookups=<n> avg_hops=<x> p99_hops=<n> max_hops=<n> correct=<fraction>
 * state_avg=<entries> join_msgs=<avg>}. Exit status 0 on success, 2 on bad arguments.
 */
public final class SimulatorMain {

    static final String USAGE = """
            usage: simulate [options]
              --nodes N               network size, built by real joins (default 1000)
              --seed S                seed of every random choice (default 42)
              --lookups N             lookups per scenario (default 10000)
              --scenario LIST         all | stable | kill10 | churn, comma-separated (default all)
              --leaf-set L            leaf set size, even, 2..64 (default 16)
              --neighbourhood M       neighbourhood set size (default 0: off)
              --proximity             synthetic coordinates: delays and proximity metric follow distance
              --heartbeat-seconds S   leaf heartbeat interval (default 60)
              --table-maintenance-seconds S  routing-table probe and row exchange interval (default 600)
              --churn-minutes M       length of the churn scenario in virtual minutes (default 60)
              --session-minutes M     mean session time during churn (default 60)
              --graceful F            share of departures that leave gracefully during churn (default 0.5)
              --help                  this text
            """;

    private SimulatorMain() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Runs the simulator; returns the process exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Scenarios.Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("simulate: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (options == null) {
            out.print(USAGE);
            return 0;
        }
        long started = System.nanoTime();
        List<ScenarioResult> results = new Scenarios(options, err).run();
        err.printf(Locale.ROOT, "# total wall time %.1f s, heap used now %d MiB, max heap %d MiB%n",
                (System.nanoTime() - started) / 1e9, Scenarios.usedHeapMiB(), Runtime.getRuntime().maxMemory() >> 20);
        err.flush();
        for (ScenarioResult r : results) {
            out.println(r.line());
        }
        out.flush();
        return 0;
    }

    /** Parses the arguments; null means help was asked for. */
    static Scenarios.Options parse(String[] args) {
        int nodes = 1000;
        long seed = 42;
        int lookups = 10_000;
        Set<String> scenarios = Scenarios.Options.ALL;
        int leafSet = PastryConfig.DEFAULT_LEAF_SET_SIZE;
        int neighbourhood = 0;
        boolean proximity = false;
        long heartbeatSeconds = 60;
        long tableSeconds = 600;
        long churnMinutes = 60;
        long sessionMinutes = 60;
        double graceful = 0.5;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--proximity" -> proximity = true;
                case "--nodes" -> nodes = intValue(arg, value(args, ++i, arg));
                case "--seed" -> seed = longValue(arg, value(args, ++i, arg));
                case "--lookups" -> lookups = intValue(arg, value(args, ++i, arg));
                case "--scenario" -> scenarios = scenarios(value(args, ++i, arg));
                case "--leaf-set" -> leafSet = intValue(arg, value(args, ++i, arg));
                case "--neighbourhood" -> neighbourhood = intValue(arg, value(args, ++i, arg));
                case "--heartbeat-seconds" -> heartbeatSeconds = longValue(arg, value(args, ++i, arg));
                case "--table-maintenance-seconds" -> tableSeconds = longValue(arg, value(args, ++i, arg));
                case "--churn-minutes" -> churnMinutes = longValue(arg, value(args, ++i, arg));
                case "--session-minutes" -> sessionMinutes = longValue(arg, value(args, ++i, arg));
                case "--graceful" -> graceful = doubleValue(arg, value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        PastryConfig pastry = PastryConfig.defaults()
                .withLeafSetSize(leafSet)
                .withNeighbourhoodSize(neighbourhood)
                .withHeartbeatIntervalMillis(heartbeatSeconds * 1000)
                .withTableMaintenanceIntervalMillis(tableSeconds * 1000);
        return new Scenarios.Options(nodes, seed, lookups, scenarios, pastry, proximity, churnMinutes * 60_000,
                sessionMinutes * 60_000, graceful, 1);
    }

    private static Set<String> scenarios(String value) {
        if (value.equals("all")) {
            return Scenarios.Options.ALL;
        }
        Set<String> out = new LinkedHashSet<>();
        for (String s : value.split(",")) {
            String name = s.trim();
            if (!Scenarios.Options.ALL.contains(name)) {
                throw new IllegalArgumentException("--scenario must be all or a comma-separated list of "
                        + "stable, kill10, churn; was '" + value + "'");
            }
            out.add(name);
        }
        return out;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String option, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, was '" + value + "'");
        }
    }

    private static long longValue(String option, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, was '" + value + "'");
        }
    }

    private static double doubleValue(String option, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a number, was '" + value + "'");
        }
    }
}
