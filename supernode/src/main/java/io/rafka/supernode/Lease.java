package io.rafka.supernode;

import java.io.Serializable;

/**
 * The write right to one partition. {@code epoch} grows by one at every change of hands (and at
 * every acquire after a release) and never goes back, so it fences writers: storage accepts no
 * batch with an epoch below the highest one it has seen.
 *
 * @param ownerNodeId    the holder's node id, {@code null} when released
 * @param ownerSessionId the holder's session id, 0 when released
 */
public record Lease(String partitionKey, String ownerNodeId, long ownerSessionId, int epoch) implements Serializable {

    public Lease {
        Checks.requireNonEmpty(partitionKey, "partition key");
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch of lease '" + partitionKey + "' must be at least 1, got " + epoch);
        }
        if (ownerNodeId == null ? ownerSessionId != 0 : ownerNodeId.isEmpty() || ownerSessionId == 0) {
            throw new IllegalArgumentException("lease '" + partitionKey + "' needs an owner node id and a non-zero session "
                    + "id, or neither; got owner '" + ownerNodeId + "' session " + ownerSessionId);
        }
    }

    /** Whether some session holds the lease (it was not released). */
    public boolean isHeld() {
        return ownerNodeId != null;
    }

    /** Whether {@code session} holds the lease. */
    public boolean isHeldBy(NodeSession session) {
        return session.sameSession(ownerNodeId, ownerSessionId);
    }

    /** This lease handed to {@code nodeId}'s session {@code sessionId} at the next epoch. */
    public Lease grantedTo(String nodeId, long sessionId) {
        return new Lease(partitionKey, nodeId, sessionId, Math.addExact(epoch, 1));
    }

    /** This lease with no owner, at the same epoch. */
    public Lease released() {
        return new Lease(partitionKey, null, 0, epoch);
    }
}
