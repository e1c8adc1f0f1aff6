package io.rafka.pastry.sim;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Figures of one scenario, printed as one line:
 * {@code pastry scenario=<name> nodes=<N> lookups=<n> avg_hops=<x> p99_hops=<n> max_hops=<n> correct=<fraction>
 * state_avg=<entries> join_msgs=<avg>}.
 *
 * @param correct  share of the lookups issued that were delivered to the numerically closest live node
 *                 (a lost or dropped lookup counts as incorrect)
 * @param avgHops  average hops over the lookups that were delivered
 * @param stateAvg average routing-table entries plus leaves per live node
 * @param joinMsgs average join-protocol messages per completed join
 */
public record ScenarioResult(String name, int nodes, int lookups, double avgHops, int p99Hops, int maxHops,
                             double correct, double stateAvg, double joinMsgs) {

    public ScenarioResult {
        if (name == null || name.isBlank() || name.contains(" ")) {
            throw new IllegalArgumentException("scenario name must be one non-blank word, was '" + name + "'");
        }
    }

    /** Summarises lookups: {@code issued} may exceed the results when some were lost. */
    public static ScenarioResult of(String name, int nodes, int issued, List<Simulator.LookupResult> results,
                                    double stateAvg, double joinMsgs) {
        int[] hops = results.stream().filter(r -> r.root().isPresent()).mapToInt(Simulator.LookupResult::hops).toArray();
        Arrays.sort(hops);
        long correct = results.stream().filter(Simulator.LookupResult::correct).count();
        double avg = hops.length == 0 ? 0.0 : Arrays.stream(hops).average().orElse(0.0);
        int p99 = hops.length == 0 ? 0 : hops[Math.max(0, (int) Math.ceil(0.99 * hops.length) - 1)];
        int max = hops.length == 0 ? 0 : hops[hops.length - 1];
        return new ScenarioResult(name, nodes, issued, avg, p99, max, issued == 0 ? 0.0 : (double) correct / issued,
                stateAvg, joinMsgs);
    }

    /** The line in the documented format. */
    public String line() {
        return String.format(Locale.ROOT,
                "pastry scenario=%s nodes=%d lookups=%d avg_hops=%.3f p99_hops=%d max_hops=%d correct=%.5f state_avg=%.1f join_msgs=%.1f",
                name, nodes, lookups, avgHops, p99Hops, maxHops, correct, stateAvg, joinMsgs);
    }
}
