package io.rafka.pastry;

/**
 * The outcome of {@link PastryNode#route(NodeId)}: never null.
 *
 * <ul>
 *   <li>{@link DeliverLocally}: this node is the numerically closest live node it knows of.</li>
 *   <li>{@link Forward}: send the message to {@code next}; {@code rule} tells which Pastry rule chose it.</li>
 *   <li>{@link NoRoute}: the node cannot route at all (it has not finished joining, or it has left).</li>
 * </ul>
 */
public sealed interface RouteDecision permits RouteDecision.DeliverLocally, RouteDecision.Forward, RouteDecision.NoRoute {

    /** Which of Pastry's routing rules produced a decision. */
    enum Rule {
        /** The key equals this node's id. */
        EXACT,
        /** The key is within the leaf set's range: the closest of leaf set and self. */
        LEAF_SET,
        /** The routing-table entry that shares one more digit with the key. */
        ROUTING_TABLE,
        /** No such entry: any known node sharing at least as long a prefix and numerically closer. */
        RARE_CASE
    }

    /** This node is the key's root as far as its state shows. */
    record DeliverLocally(Rule rule) implements RouteDecision {
        public DeliverLocally {
            if (rule == null) {
                throw new IllegalArgumentException("rule must not be null");
            }
        }
    }

    /** Forward to {@code next}, chosen by {@code rule}. */
    record Forward(NodeHandle next, Rule rule) implements RouteDecision {
        public Forward {
            if (next == null || rule == null) {
                throw new IllegalArgumentException("next and rule must not be null, were " + next + ", " + rule);
            }
        }
    }

    /** The node cannot route; {@code reason} says why. */
    record NoRoute(String reason) implements RouteDecision {
        public NoRoute {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("reason must be a non-blank string");
            }
        }
    }
}
