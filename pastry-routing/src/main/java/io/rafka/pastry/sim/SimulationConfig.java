package io.rafka.pastry.sim;

import io.rafka.pastry.PastryConfig;

/**
 * Settings of one simulated network.
 *
 * @param seed                 seed of every random choice in the run (latencies, drops, node randomness)
 * @param pastry               configuration of every node
 * @param minLatencyMillis     smallest one-way message delay
 * @param maxLatencyMillis     largest one-way message delay
 * @param failureTimeoutMillis after sending to a dead or unreachable node, the sender is told of the failure
 *                             this long after the send (a connection or ack timeout)
 * @param proximity            when true, nodes get synthetic plane coordinates (derived from their ids), the
 *                             delay grows with distance and nodes use it as their proximity metric; when false,
 *                             delays are uniform at random and nodes have no proximity metric
 */
public record SimulationConfig(long seed, PastryConfig pastry, long minLatencyMillis, long maxLatencyMillis,
                               long failureTimeoutMillis, boolean proximity) {

    public SimulationConfig {
        if (pastry == null) {
            throw new IllegalArgumentException("pastry config must not be null");
        }
        if (minLatencyMillis < 0 || maxLatencyMillis < minLatencyMillis) {
            throw new IllegalArgumentException("latency must satisfy 0 <= min <= max, was min " + minLatencyMillis
                    + " ms, max " + maxLatencyMillis + " ms");
        }
        if (failureTimeoutMillis <= 0) {
            throw new IllegalArgumentException("failure timeout must be positive, was " + failureTimeoutMillis + " ms");
        }
    }

    /** Seeded defaults: 10 to 100 ms delays, 500 ms failure timeout, no proximity. */
    public static SimulationConfig defaults(long seed) {
        return new SimulationConfig(seed, PastryConfig.defaults(), 10, 100, 500, false);
    }

    public SimulationConfig withPastry(PastryConfig pastryConfig) {
        return new SimulationConfig(seed, pastryConfig, minLatencyMillis, maxLatencyMillis, failureTimeoutMillis, proximity);
    }

    public SimulationConfig withProximity(boolean on) {
        return new SimulationConfig(seed, pastry, minLatencyMillis, maxLatencyMillis, failureTimeoutMillis, on);
    }
}
