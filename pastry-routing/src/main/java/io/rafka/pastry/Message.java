package io.rafka.pastry;

import java.util.List;

/**
 * Every message one {@link PastryNode} sends another. Messages are immutable values; lists are copied
 * into unmodifiable lists (an already unmodifiable list is shared, not copied), so one announcement can be
 * sent to a hundred nodes without a hundred copies.
 */
public sealed interface Message {

    /** The node that sent this message (the previous hop for routed messages). */
    NodeHandle sender();

    /** Whether the message is part of a join (request, reply, rejection, announcement, acknowledgement). */
    default boolean isJoinTraffic() {
        return false;
    }

    /**
     * A join routed towards the joiner's id. Every node on the route adds the routing-table rows it shares
     * with the joiner (the first hop also adds its neighbourhood set) to {@code candidates}; the root adds
     * its leaf set and replies. {@code closerOnly}: see {@link PastryNode#route(NodeId, boolean)}.
     */
    record JoinRequest(NodeHandle sender, NodeHandle joiner, List<NodeHandle> candidates, int hops,
                       boolean closerOnly) implements Message {
        public JoinRequest {
            requireNonNull(sender, "sender");
            requireNonNull(joiner, "joiner");
            candidates = List.copyOf(candidates);
            requireHops(hops);
        }

        @Override
        public boolean isJoinTraffic() {
            return true;
        }
    }

    /** The root's answer to a join: everything the route collected, plus the root's leaf set and itself. */
    record JoinReply(NodeHandle sender, List<NodeHandle> candidates) implements Message {
        public JoinReply {
            requireNonNull(sender, "sender");
            candidates = List.copyOf(candidates);
        }

        @Override
        public boolean isJoinTraffic() {
            return true;
        }
    }

    /** A join that cannot proceed; {@code retryable} is false when the id is taken by another node. */
    record JoinRejected(NodeHandle sender, NodeId joinerId, String reason, boolean retryable) implements Message {
        public JoinRejected {
            requireNonNull(sender, "sender");
            requireNonNull(joinerId, "joinerId");
            requireNonNull(reason, "reason");
        }

        @Override
        public boolean isJoinTraffic() {
            return true;
        }
    }

    /** A node that has just joined announces itself with a copy of its state to every node it knows. */
    record NodeArrived(NodeHandle sender, List<NodeHandle> state) implements Message {
        public NodeArrived {
            requireNonNull(sender, "sender");
            state = List.copyOf(state);
        }

        @Override
        public boolean isJoinTraffic() {
            return true;
        }
    }

    /** Sent back by a node that took the arrival into its leaf set: its own leaf set, to tighten the joiner's. */
    record ArrivalAck(NodeHandle sender, List<NodeHandle> leafSet) implements Message {
        public ArrivalAck {
            requireNonNull(sender, "sender");
            leafSet = List.copyOf(leafSet);
        }

        @Override
        public boolean isJoinTraffic() {
            return true;
        }
    }

    /** Leaf-set repair: asks the farthest live leaf on the side that lost a leaf for its leaf set. */
    record LeafSetRequest(NodeHandle sender) implements Message {
        public LeafSetRequest {
            requireNonNull(sender, "sender");
        }
    }

    /** Answer to {@link LeafSetRequest}. */
    record LeafSetReply(NodeHandle sender, List<NodeHandle> leafSet) implements Message {
        public LeafSetReply {
            requireNonNull(sender, "sender");
            leafSet = List.copyOf(leafSet);
        }
    }

    /** Routing-table repair and maintenance: asks for the receiver's routing-table row {@code row}. */
    record RowRequest(NodeHandle sender, int row) implements Message {
        public RowRequest {
            requireNonNull(sender, "sender");
            requireRow(row);
        }
    }

    /** Answer to {@link RowRequest}: the sender's row, which is a valid row for any node sharing its prefix. */
    record RowReply(NodeHandle sender, int row, List<NodeHandle> entries) implements Message {
        public RowReply {
            requireNonNull(sender, "sender");
            requireRow(row);
            entries = List.copyOf(entries);
        }
    }

    /** Keep-alive to leaves and probe of routing-table entries; a failed delivery reveals a dead node. */
    record Heartbeat(NodeHandle sender) implements Message {
        public Heartbeat {
            requireNonNull(sender, "sender");
        }
    }

    /** Graceful departure: the leaver's leaf set lets every leaf refill the gap without a repair round. */
    record Leave(NodeHandle sender, List<NodeHandle> leafSet) implements Message {
        public Leave {
            requireNonNull(sender, "sender");
            leafSet = List.copyOf(leafSet);
        }
    }

    /**
     * An application message routed to the root of {@code key}; {@code hops} counts the forwards so far.
     * {@code closerOnly} is set once a hop was chosen by the leaf-set rule or the rare case: from then on
     * every hop must be numerically closer to the key (see {@link PastryNode#route(NodeId, boolean)}).
     */
    record Lookup(NodeHandle sender, long requestId, NodeId key, NodeHandle origin, int hops,
                  boolean closerOnly) implements Message {
        public Lookup {
            requireNonNull(sender, "sender");
            requireNonNull(key, "key");
            requireNonNull(origin, "origin");
            requireHops(hops);
        }
    }

    private static void requireNonNull(Object value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    private static void requireHops(int hops) {
        if (hops < 0) {
            throw new IllegalArgumentException("hops must not be negative, was " + hops);
        }
    }

    private static void requireRow(int row) {
        if (row < 0 || row >= RoutingTable.ROWS) {
            throw new IllegalArgumentException("row must be between 0 and 31, was " + row);
        }
    }
}
