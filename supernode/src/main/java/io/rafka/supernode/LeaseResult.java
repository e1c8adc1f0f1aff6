package io.rafka.supernode;

import java.io.Serializable;

/** The outcome of {@link SupernodeStore#acquire}: either the caller holds the lease, or someone else does. */
public sealed interface LeaseResult extends Serializable permits LeaseResult.Acquired, LeaseResult.HeldBy {

    /**
     * The caller's session holds {@code lease}.
     *
     * @param fresh true if this call granted it (a new epoch); false if the session already held it
     */
    record Acquired(Lease lease, boolean fresh) implements LeaseResult {
        public Acquired {
            if (lease == null || !lease.isHeld()) {
                throw new IllegalArgumentException("an acquired lease must have an owner, got " + lease);
            }
        }
    }

    /** Another session holds the lease and is still live. */
    record HeldBy(Lease current) implements LeaseResult {
        public HeldBy {
            if (current == null || !current.isHeld()) {
                throw new IllegalArgumentException("a held lease must have an owner, got " + current);
            }
        }
    }
}
