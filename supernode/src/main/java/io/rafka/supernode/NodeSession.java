package io.rafka.supernode;

import java.io.Serializable;

/**
 * One life of a node in the cluster, like a ZooKeeper session: created by
 * {@link SupernodeStore#register}, kept alive by {@link SupernodeStore#renew}, and once expired or
 * dead never live again. A restarted node gets a new {@code sessionId}.
 *
 * @param name        the stable identity the node id derives from (pod or node name), for display
 * @param expiresAtMs wall-clock deadline on the member that granted or renewed the session
 * @param dead        declared dead (released, or found expired): final
 */
public record NodeSession(String nodeId, String name, long sessionId, String grpcAddress, String httpAddress, boolean supernode,
                          long expiresAtMs, boolean dead) implements Serializable {

    public NodeSession {
        Checks.requireNonEmpty(nodeId, "node id");
        java.util.Objects.requireNonNull(name, "name");
        if (sessionId == 0) {
            throw new IllegalArgumentException("session id of node '" + nodeId + "' must not be 0");
        }
        if (grpcAddress == null || httpAddress == null) {
            throw new IllegalArgumentException("addresses of node '" + nodeId + "' must not be null, got grpc="
                    + grpcAddress + " http=" + httpAddress);
        }
    }

    /** Live at {@code nowMs}: not dead and not expired ({@code expiresAtMs >= nowMs}). */
    public boolean isLiveAt(long nowMs) {
        return !dead && expiresAtMs >= nowMs;
    }

    /** Whether {@code other} is this very session (same node id and session id). */
    public boolean sameSession(String otherNodeId, long otherSessionId) {
        return nodeId.equals(otherNodeId) && sessionId == otherSessionId;
    }
}
