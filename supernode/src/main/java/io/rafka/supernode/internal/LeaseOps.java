package io.rafka.supernode.internal;

import com.hazelcast.query.Predicate;
import io.rafka.supernode.Lease;
import io.rafka.supernode.LeaseResult;

import java.util.Map;

/**
 * Entry processors of the leases map (partition key to lease). They never read the sessions map
 * (an entry processor must not touch other maps): whether a holder's session is dead is settled
 * before, by {@link SessionOps.ExpireIfDue}, and {@link TakeOver} then changes hands only if the
 * lease is still exactly the one observed.
 */
public final class LeaseOps {
    private LeaseOps() {
    }

    /** Grants a new or released lease to the caller, returns the caller's own, or reports the holder. */
    public static final class Acquire extends Mutation<Lease, LeaseResult> {
        private static final long serialVersionUID = 1L;
        private final String partitionKey;
        private final String nodeId;
        private final long sessionId;

        public Acquire(String partitionKey, String nodeId, long sessionId) {
            this.partitionKey = partitionKey;
            this.nodeId = nodeId;
            this.sessionId = sessionId;
        }

        @Override
        protected Step<Lease, LeaseResult> apply(Lease current, long nowMs) {
            if (current == null) {
                Lease first = new Lease(partitionKey, nodeId, sessionId, 1);
                return write(first, new LeaseResult.Acquired(first, true));
            }
            if (!current.isHeld()) {
                Lease next = current.grantedTo(nodeId, sessionId);
                return write(next, new LeaseResult.Acquired(next, true));
            }
            if (nodeId.equals(current.ownerNodeId()) && sessionId == current.ownerSessionId()) {
                return keep(new LeaseResult.Acquired(current, false));
            }
            return keep(new LeaseResult.HeldBy(current));
        }
    }

    /**
     * Hands the lease to the caller at the next epoch if it is still {@code observed}, whose holder
     * has been declared dead. Returns the lease as stored afterwards ({@code null} if removed).
     */
    public static final class TakeOver extends Mutation<Lease, Lease> {
        private static final long serialVersionUID = 1L;
        private final Lease observed;
        private final String nodeId;
        private final long sessionId;

        public TakeOver(Lease observed, String nodeId, long sessionId) {
            this.observed = observed;
            this.nodeId = nodeId;
            this.sessionId = sessionId;
        }

        @Override
        protected Step<Lease, Lease> apply(Lease current, long nowMs) {
            if (!observed.equals(current)) {
                return keep(current);
            }
            Lease next = current.grantedTo(nodeId, sessionId);
            return write(next, next);
        }
    }

    /** Drops the owner, keeping the epoch, if the caller's session holds the lease. */
    public static final class Release extends Mutation<Lease, Boolean> {
        private static final long serialVersionUID = 1L;
        private final String nodeId;
        private final long sessionId;

        public Release(String nodeId, long sessionId) {
            this.nodeId = nodeId;
            this.sessionId = sessionId;
        }

        @Override
        protected Step<Lease, Boolean> apply(Lease current, long nowMs) {
            if (current == null || !nodeId.equals(current.ownerNodeId()) || sessionId != current.ownerSessionId()) {
                return keep(false);
            }
            return write(current.released(), true);
        }
    }

    /** Leases held by any session of one node. */
    public record OwnedBy(String nodeId) implements Predicate<String, Lease> {
        @Override
        public boolean apply(Map.Entry<String, Lease> entry) {
            return nodeId.equals(entry.getValue().ownerNodeId());
        }
    }

    /** Entries whose key starts with {@code prefix}. */
    public record KeyPrefix<V>(String prefix) implements Predicate<String, V> {
        @Override
        public boolean apply(Map.Entry<String, V> entry) {
            return entry.getKey().startsWith(prefix);
        }
    }
}
