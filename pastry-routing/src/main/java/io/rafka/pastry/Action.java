package io.rafka.pastry;

/**
 * What a {@link PastryNode} asks its host to do after an input: send a message, hand a routed message
 * to the application, or report the outcome of a join. The host (the mesh's transport or the simulator)
 * carries these out; the node itself does no I/O.
 */
public sealed interface Action {

    /** Send {@code message} to {@code to}. If it cannot be delivered, call {@link PastryNode#onSendFailed}. */
    record Send(NodeHandle to, Message message) implements Action {
        public Send {
            if (to == null || message == null) {
                throw new IllegalArgumentException("to and message must not be null");
            }
        }
    }

    /** This node is the root of the lookup's key: deliver it to the application. */
    record Deliver(Message.Lookup lookup) implements Action {
        public Deliver {
            if (lookup == null) {
                throw new IllegalArgumentException("lookup must not be null");
            }
        }
    }

    /** A lookup this node could not route any further. */
    record Dropped(Message.Lookup lookup, String reason) implements Action {
        public Dropped {
            if (lookup == null || reason == null) {
                throw new IllegalArgumentException("lookup and reason must not be null");
            }
        }
    }

    /** The node has finished joining (or bootstrapped a new ring) and now routes. */
    record Joined(NodeHandle self) implements Action {
        public Joined {
            if (self == null) {
                throw new IllegalArgumentException("self must not be null");
            }
        }
    }

    /** The join failed; the host may retry through another node when {@code retryable}. */
    record JoinFailed(NodeId id, String reason, boolean retryable) implements Action {
        public JoinFailed {
            if (id == null || reason == null) {
                throw new IllegalArgumentException("id and reason must not be null");
            }
        }
    }
}
