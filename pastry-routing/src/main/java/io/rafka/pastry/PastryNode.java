package io.rafka.pastry;

import io.rafka.pastry.RouteDecision.DeliverLocally;
import io.rafka.pastry.RouteDecision.Forward;
import io.rafka.pastry.RouteDecision.NoRoute;
import io.rafka.pastry.RouteDecision.Rule;
import io.rafka.pastry.internal.U128;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * One Pastry node as a pure state machine (Rowstron and Druschel, Middleware 2001): inputs are messages,
 * failure reports and clock ticks; outputs are {@link Action}s for the host to carry out. No I/O, no
 * threads, no clock and no randomness of its own: the host passes the time, the random generator is
 * injected, so a run is reproducible step by step.
 *
 * <p><b>Routing</b> ({@link #route(NodeId)}): deliver locally when this node is the numerically closest
 * node it knows; else, when the key is within the leaf set's range, forward to the closest leaf; else
 * forward to the routing-table entry sharing one more digit with the key; else (rare case) forward to any
 * known node sharing at least as long a prefix and numerically closer.
 *
 * <p><b>Join</b>: a new node sends a {@link Message.JoinRequest} to any active node, which routes it
 * towards the new id; every node on the route adds the routing-table rows it shares with the joiner; the
 * root (the closest existing node) replies with everything collected plus its leaf set. The joiner builds
 * its state from that, becomes active, and announces itself ({@link Message.NodeArrived}) with a copy of
 * its state to every node it knows; those that take it into their leaf set answer with their own leaf set.
 *
 * <p><b>Failure and repair</b>: the host reports failed deliveries ({@link #onSendFailed}) or known
 * failures ({@link #onNodeFailed}). A failed leaf is replaced from the leaf set of the farthest live leaf on
 * that side; a failed routing-table entry is repaired lazily by asking another entry of the same row (or of
 * a deeper row, or a leaf) for its row. A lookup or join whose next hop failed is routed again. Nodes found
 * dead are not re-learnt second-hand for {@link PastryConfig#failedNodeMemoryMillis()}; any message from the
 * node itself proves it alive again.
 *
 * <p><b>Robustness</b>: duplicate joins are answered again and merged by the joiner; a join for an id that
 * another address already holds is rejected; messages from unknown nodes teach this node about their
 * sender and are otherwise handled normally; messages that make no sense in the current state are ignored.
 *
 * <p>Not thread-safe: the host must confine each node to one thread (or one event loop).
 */
public final class PastryNode {

    /** Life cycle of a node. */
    public enum Status {
        /** Created, not yet joined (or the last join failed). */
        NEW,
        /** Waiting for the reply to its join request. */
        JOINING,
        /** Part of the ring: routes and answers. */
        ACTIVE,
        /** Left the ring; ignores every input. */
        LEFT
    }

    private static final DeliverLocally DELIVER_EXACT = new DeliverLocally(Rule.EXACT);
    private static final DeliverLocally DELIVER_LEAF = new DeliverLocally(Rule.LEAF_SET);
    private static final DeliverLocally DELIVER_RARE = new DeliverLocally(Rule.RARE_CASE);

    private final NodeHandle self;
    private final PastryConfig config;
    private final RandomGenerator random;
    private final RoutingTable table;
    private final LeafSet leafSet;
    private final NeighbourhoodSet neighbourhood;

    private Status status = Status.NEW;
    private long now;
    private NodeHandle bootstrap;
    private int joinAttempts;
    private long joinDeadline;
    private long nextHeartbeat;
    private long nextTableMaintenance;
    /** Nodes found dead, by the time they were found; allocated on first failure. Insertion ordered. */
    private LinkedHashMap<NodeId, Long> failed;

    public PastryNode(NodeHandle self, PastryConfig config, ProximityMetric metric, RandomGenerator random) {
        if (self == null || config == null || metric == null || random == null) {
            throw new IllegalArgumentException("self, config, metric and random must not be null");
        }
        this.self = self;
        this.config = config;
        this.random = random;
        this.table = new RoutingTable(self, metric);
        this.leafSet = new LeafSet(self, config.leafSetSize());
        this.neighbourhood = new NeighbourhoodSet(self, config.neighbourhoodSize(), metric);
    }

    // ------------------------------------------------------------------------------------------- inputs

    /** Starts a new ring with this node as its only member. */
    public List<Action> bootstrap(long now) {
        requireStatus(Status.NEW, "bootstrap");
        this.now = now;
        activate();
        return List.of(new Action.Joined(self));
    }

    /** Joins the ring through {@code via}, any active node. */
    public List<Action> join(NodeHandle via, long now) {
        if (status != Status.NEW) {
            throw new IllegalStateException("join needs a NEW node, node " + self + " is " + status);
        }
        if (via == null || via.id().equals(self.id())) {
            throw new IllegalArgumentException("join needs another node to join through, was " + via);
        }
        this.now = now;
        this.bootstrap = via;
        this.joinAttempts = 1;
        this.status = Status.JOINING;
        this.joinDeadline = now + config.joinTimeoutMillis();
        return List.of(new Action.Send(via, new Message.JoinRequest(self, self, List.of(), 0, false)));
    }

    /** Starts a lookup of {@code key} at this node. */
    public List<Action> lookup(long requestId, NodeId key, long now) {
        this.now = now;
        List<Action> out = new ArrayList<>(1);
        routeLookup(new Message.Lookup(self, requestId, key, self, 0, false), out);
        return out;
    }

    /** Handles one message. */
    public List<Action> handle(Message message, long now) {
        this.now = now;
        List<Action> out = new ArrayList<>(2);
        if (status == Status.LEFT) {
            return out;
        }
        if (status != Status.ACTIVE) {
            handleWhileNotActive(message, out);
            return out;
        }
        if (message instanceof Message.Lookup m) {
            learnDirect(m.sender());
            if (m.hops() >= config.maxHops()) {
                out.add(new Action.Dropped(m, "lookup exceeded " + config.maxHops() + " hops"));
            } else {
                routeLookup(m, out);
            }
        } else if (message instanceof Message.Heartbeat m) {
            learnDirect(m.sender());
        } else if (message instanceof Message.JoinRequest m) {
            onJoinRequest(m, out);
        } else if (message instanceof Message.NodeArrived m) {
            learnDirect(m.sender());
            learnAll(m.state());
            if (leafSet.contains(m.sender().id())) {
                out.add(new Action.Send(m.sender(), new Message.ArrivalAck(self, leafSet.members())));
            }
        } else if (message instanceof Message.ArrivalAck m) {
            learnDirect(m.sender());
            learnAll(m.leafSet());
        } else if (message instanceof Message.JoinReply m) {
            // a duplicate reply after this node is already active: merge what it brings
            learnDirect(m.sender());
            learnAll(m.candidates());
        } else if (message instanceof Message.LeafSetRequest m) {
            learnDirect(m.sender());
            out.add(new Action.Send(m.sender(), new Message.LeafSetReply(self, leafSet.members())));
        } else if (message instanceof Message.LeafSetReply m) {
            learnDirect(m.sender());
            learnAll(m.leafSet());
        } else if (message instanceof Message.RowRequest m) {
            learnDirect(m.sender());
            List<NodeHandle> row = new ArrayList<>();
            table.collectRow(m.row(), row);
            out.add(new Action.Send(m.sender(), new Message.RowReply(self, m.row(), row)));
        } else if (message instanceof Message.RowReply m) {
            learnDirect(m.sender());
            learnAll(m.entries());
        } else if (message instanceof Message.Leave m) {
            forget(m.sender().id(), false, out);
            learnAll(m.leafSet());
        } else if (message instanceof Message.JoinRejected) {
            // not joining any more: a late or duplicate rejection carries nothing to act on
            return out;
        }
        return out;
    }

    /**
     * The host could not deliver {@code message} to {@code to} (connection refused, timeout, unreachable).
     * The node is treated as failed, repair starts, and a lookup or join in flight is routed again.
     */
    public List<Action> onSendFailed(NodeHandle to, Message message, long now) {
        this.now = now;
        List<Action> out = new ArrayList<>(2);
        if (status == Status.JOINING && message instanceof Message.JoinRequest m && m.joiner().equals(self)) {
            status = Status.NEW;
            out.add(new Action.JoinFailed(self.id(), "node " + to + " to join through is unreachable", true));
            return out;
        }
        if (status != Status.ACTIVE) {
            return out;
        }
        forget(to.id(), true, out);
        if (message instanceof Message.Lookup m) {
            routeLookup(m, Math.max(0, m.hops() - 1), out);
        } else if (message instanceof Message.JoinRequest m && !m.joiner().equals(self)) {
            routeJoin(m.joiner(), new ArrayList<>(m.candidates()), Math.max(0, m.hops() - 1), m.closerOnly(), out);
        }
        return out;
    }

    /** The host learnt that node {@code id} has failed: remove it and start repair. */
    public List<Action> onNodeFailed(NodeId id, long now) {
        this.now = now;
        List<Action> out = new ArrayList<>(2);
        if (status == Status.ACTIVE) {
            forget(id, true, out);
        }
        return out;
    }

    /**
     * Advances the node's clock: retries a join that timed out, sends heartbeats to the leaves every
     * heartbeat interval and, every table-maintenance interval, probes every routing-table entry and asks
     * one random entry per row for its row.
     */
    public List<Action> tick(long now) {
        this.now = now;
        List<Action> out = new ArrayList<>();
        if (status == Status.JOINING && now >= joinDeadline) {
            if (joinAttempts >= config.maxJoinAttempts()) {
                status = Status.NEW;
                out.add(new Action.JoinFailed(self.id(), "no join reply through " + bootstrap + " after "
                        + joinAttempts + " attempts", true));
            } else {
                joinAttempts++;
                joinDeadline = now + config.joinTimeoutMillis();
                out.add(new Action.Send(bootstrap, new Message.JoinRequest(self, self, List.of(), 0, false)));
            }
            return out;
        }
        if (status != Status.ACTIVE) {
            return out;
        }
        expireFailed();
        if (now >= nextHeartbeat) {
            nextHeartbeat = now + config.heartbeatIntervalMillis();
            Message.Heartbeat heartbeat = new Message.Heartbeat(self);
            for (NodeHandle leaf : leafSet.members()) {
                out.add(new Action.Send(leaf, heartbeat));
            }
        }
        if (config.tableMaintenanceIntervalMillis() > 0 && now >= nextTableMaintenance) {
            nextTableMaintenance = now + config.tableMaintenanceIntervalMillis();
            Message.Heartbeat probe = new Message.Heartbeat(self);
            List<NodeHandle> row = new ArrayList<>(RoutingTable.COLUMNS);
            for (int r = 0; r < RoutingTable.ROWS; r++) {
                row.clear();
                table.collectRow(r, row);
                if (row.isEmpty()) {
                    continue;
                }
                NodeHandle asked = row.get(random.nextInt(row.size()));
                for (NodeHandle entry : row) {
                    if (entry != asked && !leafSet.contains(entry.id())) {
                        out.add(new Action.Send(entry, probe));
                    }
                }
                out.add(new Action.Send(asked, new Message.RowRequest(self, r)));
            }
        }
        return out;
    }

    /** Leaves the ring gracefully: tells every leaf, handing over the leaf set. The node then ignores input. */
    public List<Action> leave(long now) {
        this.now = now;
        List<Action> out = new ArrayList<>();
        if (status == Status.ACTIVE) {
            List<NodeHandle> members = leafSet.members();
            Message.Leave leave = new Message.Leave(self, members);
            for (NodeHandle leaf : members) {
                out.add(new Action.Send(leaf, leave));
            }
        }
        status = Status.LEFT;
        return out;
    }

    // ------------------------------------------------------------------------------------------ routing

    /**
     * Pastry's routing decision for {@code key} from this node's state, for a message that has not yet
     * taken a leaf-set or rare-case hop. Never null; does not change state. Same as {@code route(key, false)}.
     */
    public RouteDecision route(NodeId key) {
        return route(key, false);
    }

    /**
     * Pastry's routing decision, in this order:
     * <ol>
     *   <li>the key is this node's id: deliver ({@link Rule#EXACT});</li>
     *   <li>the key is within the leaf set's range: the closest of leaves and self ({@link Rule#LEAF_SET});</li>
     *   <li>the routing-table entry sharing one more digit with the key ({@link Rule#ROUTING_TABLE});</li>
     *   <li>rare case: the closest known node sharing at least as long a prefix with the key as this node
     *       and numerically closer; failing that, any known node numerically closer ({@link Rule#RARE_CASE});</li>
     *   <li>otherwise this node is the closest it knows: deliver.</li>
     * </ol>
     *
     * <p>{@code closerOnly} is for a message that has already taken a leaf-set or rare-case hop: the
     * routing-table entry is then used only if it is numerically closer than this node. Table hops strictly
     * lengthen the shared prefix and the other hops strictly shorten the distance, so with this rule no
     * route can loop, even while leaf sets are inconsistent after failures (in a consistent network the
     * rule never changes a decision).
     */
    public RouteDecision route(NodeId key, boolean closerOnly) {
        if (status != Status.ACTIVE) {
            return new NoRoute("node " + self + " is " + status + ", not ACTIVE");
        }
        NodeId id = self.id();
        if (key.equals(id)) {
            return DELIVER_EXACT;
        }
        if (leafSet.covers(key)) {
            NodeHandle best = leafSet.closest(key);
            return best == self ? DELIVER_LEAF : new Forward(best, Rule.LEAF_SET);
        }
        int l = U128.sharedPrefixLength(id.hi(), id.lo(), key.hi(), key.lo());
        NodeHandle entry = table.entryOrNull(l, U128.digit(key.hi(), key.lo(), l));
        if (entry != null && (!closerOnly || entry.id().isCloserTo(key, id))) {
            return new Forward(entry, Rule.ROUTING_TABLE);
        }
        NodeHandle best = leafSet.closestSharingPrefix(key, l, self);
        best = table.closestSharingPrefix(key, l, best);
        best = neighbourhood.closestSharingPrefix(key, l, best);
        if (best == self) {
            best = leafSet.closestSharingPrefix(key, 0, self);
            best = table.closestSharingPrefix(key, 0, best);
            best = neighbourhood.closestSharingPrefix(key, 0, best);
        }
        return best == self ? DELIVER_RARE : new Forward(best, Rule.RARE_CASE);
    }

    /** The {@code k} nodes numerically closest to {@code key} that this node knows (itself included). */
    public List<NodeHandle> replicaSet(NodeId key, int k) {
        return leafSet.replicaSet(key, k);
    }

    // ------------------------------------------------------------------------------------------ queries

    public NodeHandle self() {
        return self;
    }

    public NodeId id() {
        return self.id();
    }

    public Status status() {
        return status;
    }

    public PastryConfig config() {
        return config;
    }

    /** The routing table; owned by this node, read it only from the node's thread. */
    public RoutingTable routingTable() {
        return table;
    }

    /** The leaf set; owned by this node, read it only from the node's thread. */
    public LeafSet leafSet() {
        return leafSet;
    }

    /** The neighbourhood set; owned by this node, read it only from the node's thread. */
    public NeighbourhoodSet neighbourhoodSet() {
        return neighbourhood;
    }

    /** Routing state size: routing-table entries plus distinct leaves (the paper's (2^b - 1) * rows + L). */
    public int stateSize() {
        return table.size() + leafSet.size();
    }

    /** Every node this node knows, each once: leaves, then routing-table entries, then neighbours. */
    public List<NodeHandle> knownNodes() {
        List<NodeHandle> out = new ArrayList<>();
        Set<NodeId> seen = new HashSet<>();
        for (NodeHandle h : leafSet.members()) {
            if (seen.add(h.id())) {
                out.add(h);
            }
        }
        for (NodeHandle h : table.entries()) {
            if (seen.add(h.id())) {
                out.add(h);
            }
        }
        for (NodeHandle h : neighbourhood.members()) {
            if (seen.add(h.id())) {
                out.add(h);
            }
        }
        return out;
    }

    /** Whether this node currently refuses to learn {@code id} second-hand because it found it dead. */
    public boolean believesFailed(NodeId id) {
        return isFailed(id);
    }

    @Override
    public String toString() {
        return "PastryNode[" + self + ", " + status + ", table=" + table.size() + ", leaves=" + leafSet.size() + "]";
    }

    // ---------------------------------------------------------------------------------------- internals

    private void handleWhileNotActive(Message message, List<Action> out) {
        if (message instanceof Message.JoinReply m) {
            if (status != Status.JOINING) {
                return;
            }
            learnDirect(m.sender());
            learnAll(m.candidates());
            activate();
            out.add(new Action.Joined(self));
            List<NodeHandle> state = knownNodes();
            Message.NodeArrived arrived = new Message.NodeArrived(self, state);
            for (NodeHandle h : state) {
                out.add(new Action.Send(h, arrived));
            }
        } else if (message instanceof Message.JoinRejected m) {
            if (status == Status.JOINING && m.joinerId().equals(self.id())) {
                status = Status.NEW;
                out.add(new Action.JoinFailed(self.id(), m.reason(), m.retryable()));
            }
        } else if (message instanceof Message.JoinRequest m) {
            if (!m.joiner().equals(self)) {
                out.add(new Action.Send(m.joiner(), new Message.JoinRejected(self, m.joiner().id(),
                        "node " + self + " cannot route joins while " + status, true)));
            }
        } else if (message instanceof Message.Lookup m) {
            out.add(new Action.Dropped(m, "node " + self + " is " + status + ", not ACTIVE"));
        }
        // everything else (heartbeats, announcements, repair traffic) waits until the node is active
    }

    private void activate() {
        status = Status.ACTIVE;
        nextHeartbeat = now + config.heartbeatIntervalMillis();
        nextTableMaintenance = now + config.tableMaintenanceIntervalMillis();
    }

    private void onJoinRequest(Message.JoinRequest m, List<Action> out) {
        NodeHandle joiner = m.joiner();
        if (joiner.id().equals(self.id())) {
            if (!joiner.address().equals(self.address())) {
                out.add(new Action.Send(joiner, new Message.JoinRejected(self, joiner.id(),
                        "node id " + joiner.id() + " already exists at " + self.address(), false)));
            }
            return;
        }
        if (!m.sender().equals(joiner)) {
            learnDirect(m.sender());
        }
        if (m.hops() >= config.maxHops()) {
            out.add(new Action.Send(joiner, new Message.JoinRejected(self, joiner.id(),
                    "join route exceeded " + config.maxHops() + " hops", true)));
            return;
        }
        List<NodeHandle> candidates = new ArrayList<>(m.candidates());
        int shared = Math.min(self.id().sharedPrefixLength(joiner.id()), RoutingTable.ROWS - 1);
        for (int r = 0; r <= shared; r++) {
            table.collectRow(r, candidates);
        }
        if (m.hops() == 0) {
            candidates.addAll(neighbourhood.members());
        }
        candidates.add(self);
        routeJoin(joiner, candidates, m.hops(), m.closerOnly(), out);
    }

    private void routeJoin(NodeHandle joiner, List<NodeHandle> candidates, int hops, boolean closerOnly,
                           List<Action> out) {
        RouteDecision decision = route(joiner.id(), closerOnly);
        if (decision instanceof Forward f
                && (!f.next().id().equals(joiner.id()) || !f.next().address().equals(joiner.address()))) {
            // (when another address holds the joiner's id, that node accepts or refuses; if it is dead, the
            // send fails and the join is routed again without it)
            out.add(new Action.Send(f.next(), new Message.JoinRequest(self, joiner, candidates, hops + 1,
                    closerOnly || f.rule() != Rule.ROUTING_TABLE)));
            return;
        }
        // this node is the root, or the joiner is already known at its own address (a duplicate join or a
        // restart): answer with everything collected and the leaf set
        candidates.addAll(leafSet.members());
        out.add(new Action.Send(joiner, new Message.JoinReply(self, candidates)));
    }

    private void routeLookup(Message.Lookup m, List<Action> out) {
        routeLookup(m, m.hops(), out);
    }

    /** Routes a lookup that has made {@code hops} hops so far. */
    private void routeLookup(Message.Lookup m, int hops, List<Action> out) {
        if (hops != m.hops()) {
            m = new Message.Lookup(m.sender(), m.requestId(), m.key(), m.origin(), hops, m.closerOnly());
        }
        RouteDecision decision = route(m.key(), m.closerOnly());
        if (decision instanceof Forward f) {
            out.add(new Action.Send(f.next(), new Message.Lookup(self, m.requestId(), m.key(), m.origin(), hops + 1,
                    m.closerOnly() || f.rule() != Rule.ROUTING_TABLE)));
        } else if (decision instanceof NoRoute n) {
            out.add(new Action.Dropped(m, n.reason()));
        } else {
            out.add(new Action.Deliver(m));
        }
    }

    /** Removes a node from every structure and, if {@code repair}, asks peers to fill the gaps. */
    private void forget(NodeId id, boolean repair, List<Action> out) {
        if (id.equals(self.id())) {
            return;
        }
        markFailed(id);
        int sides = leafSet.removeSides(id);
        OptionalInt row = table.remove(id);
        neighbourhood.remove(id);
        if (!repair) {
            if (row.isPresent()) {
                repairRow(row.getAsInt(), out);
            }
            return;
        }
        if (sides != 0) {
            // The paper asks the farthest live leaf on the side that lost one: its leaf set reaches L/2
            // beyond it. The nearest leaf on that side is asked too: if a distant node slipped into the
            // side while it was short (so the farthest is no longer contiguous with the rest), the nearest
            // one's leaf set still covers the gap.
            Set<NodeId> asked = new HashSet<>();
            if ((sides & LeafSet.CLOCKWISE) != 0) {
                requestLeafSet(leafSet.clockwise(), leafSet.counterClockwise(), asked, out);
            }
            if ((sides & LeafSet.COUNTER_CLOCKWISE) != 0) {
                requestLeafSet(leafSet.counterClockwise(), leafSet.clockwise(), asked, out);
            }
        }
        if (row.isPresent()) {
            repairRow(row.getAsInt(), out);
        }
    }

    /** Asks the farthest and the nearest leaf of {@code side} (or of {@code other} if it is empty) for leaf sets. */
    private void requestLeafSet(List<NodeHandle> side, List<NodeHandle> other, Set<NodeId> asked, List<Action> out) {
        List<NodeHandle> from = side.isEmpty() ? other : side;
        if (from.isEmpty()) {
            return;
        }
        for (NodeHandle h : new NodeHandle[] {from.get(from.size() - 1), from.get(0)}) {
            if (asked.add(h.id())) {
                out.add(new Action.Send(h, new Message.LeafSetRequest(self)));
            }
        }
    }

    /** Lazy routing-table repair: ask another entry of the row (else a deeper row, else a leaf) for its row. */
    private void repairRow(int row, List<Action> out) {
        List<NodeHandle> peers = new ArrayList<>(RoutingTable.COLUMNS);
        table.collectRow(row, peers);
        for (int r = row + 1; peers.isEmpty() && r < RoutingTable.ROWS; r++) {
            table.collectRow(r, peers);
        }
        if (peers.isEmpty()) {
            peers.addAll(leafSet.members());
        }
        if (!peers.isEmpty()) {
            NodeHandle asked = peers.get(random.nextInt(peers.size()));
            out.add(new Action.Send(asked, new Message.RowRequest(self, row)));
        }
    }

    /** Learns a node that has just sent this node a message: it is alive, whatever was believed before. */
    private void learnDirect(NodeHandle sender) {
        if (failed != null) {
            failed.remove(sender.id());
        }
        learn(sender);
    }

    private void learnAll(List<NodeHandle> nodes) {
        for (int i = 0, n = nodes.size(); i < n; i++) {
            learn(nodes.get(i));
        }
    }

    private void learn(NodeHandle h) {
        if (h.id().equals(self.id()) || isFailed(h.id())) {
            return;
        }
        leafSet.consider(h);
        table.consider(h);
        if (neighbourhood.capacity() > 0) {
            neighbourhood.consider(h);
        }
    }

    private void markFailed(NodeId id) {
        if (config.failedNodeMemoryMillis() == 0) {
            return;
        }
        if (failed == null) {
            failed = new LinkedHashMap<>();
        }
        failed.remove(id);
        failed.put(id, now);
    }

    private boolean isFailed(NodeId id) {
        if (failed == null) {
            return false;
        }
        Long since = failed.get(id);
        return since != null && now - since < config.failedNodeMemoryMillis();
    }

    private void expireFailed() {
        if (failed == null) {
            return;
        }
        Iterator<Map.Entry<NodeId, Long>> it = failed.entrySet().iterator();
        while (it.hasNext()) {
            if (now - it.next().getValue() >= config.failedNodeMemoryMillis()) {
                it.remove();
            } else {
                break;
            }
        }
        if (failed.isEmpty()) {
            failed = null;
        }
    }

    private void requireStatus(Status expected, String operation) {
        if (status != expected) {
            throw new IllegalStateException(operation + " needs a " + expected + " node, node " + self + " is " + status);
        }
    }
}
