package io.rafka.pastry;

/**
 * Network proximity between two nodes (for example a measured round-trip time in microseconds, or the
 * number of IP hops): smaller is nearer. Pastry uses it to fill the neighbourhood set and, between two
 * candidates for the same routing-table slot, to keep the nearer one. It must be cheap and deterministic;
 * the library calls it while handling messages.
 */
@FunctionalInterface
public interface ProximityMetric {

    /** No proximity information: every node is equally near, so the first candidate for a slot stays. */
    ProximityMetric NONE = (from, to) -> 0L;

    /** Proximity of {@code to} as seen from {@code from}; smaller is nearer, never negative. */
    long distance(NodeHandle from, NodeHandle to);
}
