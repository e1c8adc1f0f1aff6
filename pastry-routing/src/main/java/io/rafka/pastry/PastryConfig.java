package io.rafka.pastry;

/**
 * Settings of one Pastry node, all validated on construction.
 *
 * @param leafSetSize                  L, the number of leaves: L/2 on each side of the node (even, 2 to 64)
 * @param neighbourhoodSize            M, the number of proximity-nearest nodes kept (0 disables the set)
 * @param heartbeatIntervalMillis      how often {@link PastryNode#tick(long)} probes every leaf
 * @param tableMaintenanceIntervalMillis how often a tick probes every routing-table entry and asks one
 *                                     entry per row for its row (0 disables it)
 * @param joinTimeoutMillis            how long a joining node waits for its join reply before retrying
 * @param maxJoinAttempts              join attempts through one bootstrap before giving up
 * @param failedNodeMemoryMillis       how long a node that was found dead is refused when learnt second-hand
 * @param maxHops                      a routed message that has made this many hops is dropped (loop guard)
 */
public record PastryConfig(int leafSetSize, int neighbourhoodSize, long heartbeatIntervalMillis,
                           long tableMaintenanceIntervalMillis, long joinTimeoutMillis, int maxJoinAttempts,
                           long failedNodeMemoryMillis, int maxHops) {

    public static final int DEFAULT_LEAF_SET_SIZE = 16;

    public PastryConfig {
        if (leafSetSize < 2 || leafSetSize > 64 || leafSetSize % 2 != 0) {
            throw new IllegalArgumentException("leaf set size must be even and between 2 and 64, was " + leafSetSize);
        }
        if (neighbourhoodSize < 0 || neighbourhoodSize > 256) {
            throw new IllegalArgumentException("neighbourhood size must be between 0 and 256, was " + neighbourhoodSize);
        }
        if (heartbeatIntervalMillis <= 0) {
            throw new IllegalArgumentException("heartbeat interval must be positive, was " + heartbeatIntervalMillis + " ms");
        }
        if (tableMaintenanceIntervalMillis < 0) {
            throw new IllegalArgumentException("table maintenance interval must be 0 (off) or positive, was "
                    + tableMaintenanceIntervalMillis + " ms");
        }
        if (joinTimeoutMillis <= 0) {
            throw new IllegalArgumentException("join timeout must be positive, was " + joinTimeoutMillis + " ms");
        }
        if (maxJoinAttempts < 1 || maxJoinAttempts > 100) {
            throw new IllegalArgumentException("max join attempts must be between 1 and 100, was " + maxJoinAttempts);
        }
        if (failedNodeMemoryMillis < 0) {
            throw new IllegalArgumentException("failed node memory must not be negative, was " + failedNodeMemoryMillis + " ms");
        }
        if (maxHops < 1 || maxHops > 1024) {
            throw new IllegalArgumentException("max hops must be between 1 and 1024, was " + maxHops);
        }
    }

    /** L = 16, no neighbourhood set, heartbeats every 30 s, table maintenance every 10 min. */
    public static PastryConfig defaults() {
        return new PastryConfig(DEFAULT_LEAF_SET_SIZE, 0, 30_000, 600_000, 5_000, 3, 600_000, 64);
    }

    public PastryConfig withLeafSetSize(int size) {
        return new PastryConfig(size, neighbourhoodSize, heartbeatIntervalMillis, tableMaintenanceIntervalMillis,
                joinTimeoutMillis, maxJoinAttempts, failedNodeMemoryMillis, maxHops);
    }

    public PastryConfig withNeighbourhoodSize(int size) {
        return new PastryConfig(leafSetSize, size, heartbeatIntervalMillis, tableMaintenanceIntervalMillis,
                joinTimeoutMillis, maxJoinAttempts, failedNodeMemoryMillis, maxHops);
    }

    public PastryConfig withHeartbeatIntervalMillis(long millis) {
        return new PastryConfig(leafSetSize, neighbourhoodSize, millis, tableMaintenanceIntervalMillis,
                joinTimeoutMillis, maxJoinAttempts, failedNodeMemoryMillis, maxHops);
    }

    public PastryConfig withTableMaintenanceIntervalMillis(long millis) {
        return new PastryConfig(leafSetSize, neighbourhoodSize, heartbeatIntervalMillis, millis,
                joinTimeoutMillis, maxJoinAttempts, failedNodeMemoryMillis, maxHops);
    }
}
