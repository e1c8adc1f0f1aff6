package io.rafka.pastry.sim;

import io.rafka.pastry.Action;
import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryNode;
import io.rafka.pastry.ProximityMetric;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A deterministic discrete-event simulator of a Pastry network of {@link PastryNode}s.
 *
 * <p>Determinism: one seeded {@link SplittableRandom} drives every choice; time is a virtual clock in
 * milliseconds; pending events sit in a priority queue ordered by (time, sequence number), so two events
 * at the same instant run in the order they were scheduled. The same seed and the same calls give the same
 * run bit for bit, which {@link #traceHash()} (a hash of every event processed) makes checkable.
 *
 * <p>Transport model: a sent message arrives after a random delay (or a delay growing with synthetic
 * distance when proximity is on). A message to a dead node, or across a partition, is not delivered and
 * its sender gets {@link PastryNode#onSendFailed} one failure timeout after sending (like a connection or ack
 * timeout). A dropped message vanishes without notice.
 *
 * <p>Fault injection: {@link #kill}, {@link #leave}, {@link #setDropProbability}, {@link #setExtraDelayMillis},
 * {@link #partition} / {@link #healPartition}.
 *
 * <p>Correctness: the simulator keeps the checker's global sorted view of live active nodes
 * ({@link RingOracle}) and marks each delivered lookup correct when the delivering node is the numerically
 * closest live node at that instant.
 *
 * <p>Not thread-safe; single-threaded by design.
 */
public final class Simulator {

    /** One pending event; a plain final class (not records behind an interface) keeps the queue's comparisons cheap. */
    private static final class Event {
        static final int DELIVERY = 1;
        static final int FAILURE = 2;
        static final int TICK = 3;
        static final int TASK = 4;

        final long time;
        final long seq;
        final int kind;
        final long sentAt;
        final NodeHandle from;
        final NodeHandle to;
        final Message message;
        final SimNode node;
        final Runnable task;

        Event(long time, long seq, int kind, long sentAt, NodeHandle from, NodeHandle to, Message message,
              SimNode node, Runnable task) {
            this.time = time;
            this.seq = seq;
            this.kind = kind;
            this.sentAt = sentAt;
            this.from = from;
            this.to = to;
            this.message = message;
            this.node = node;
            this.task = task;
        }
    }

    private static final class SimNode {
        final NodeHandle handle;
        PastryNode node;
        boolean alive = true;
        int activeIndex = -1;
        boolean ticking;
        int joinAttempts;
        long joinedAt = -1;

        SimNode(NodeHandle handle, PastryNode node) {
            this.handle = handle;
            this.node = node;
        }
    }

    /**
     * The outcome of one lookup. {@code root} is empty when the lookup was dropped; {@code expectedRoot} is
     * the checker's closest live node when the lookup finished.
     */
    public record LookupResult(long requestId, NodeId key, NodeId origin, Optional<NodeId> root,
                               Optional<NodeId> expectedRoot, int hops, boolean correct, long startedAt,
                               long latencyMillis) {
    }

    private record PendingLookup(NodeId key, NodeId origin, long startedAt) {
    }

    private static final int MAX_JOIN_ATTEMPTS = 5;

    private final SimulationConfig config;
    private final SplittableRandom random;
    private final ProximityMetric metric;
    private final PriorityQueue<Event> queue = new PriorityQueue<>((a, b) -> {
        int c = Long.compare(a.time, b.time);
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    });
    private final Map<NodeId, SimNode> nodes = new HashMap<>();
    private final List<SimNode> active = new ArrayList<>();
    private final RingOracle oracle = new RingOracle();
    private final Map<Long, PendingLookup> pendingLookups = new HashMap<>();
    private final List<LookupResult> lookupResults = new ArrayList<>();
    private Set<NodeId> partitionSide = Set.of();
    private Consumer<NodeHandle> joinListener = h -> { };
    private MessageObserver observer = (time, from, to, message) -> { };

    private long now;
    private long seq;
    private long traceHash = 0x9E3779B97F4A7C15L;
    private long nextAddress;
    private long nextRequestId;
    private boolean maintenance;
    private double dropProbability;
    private long extraDelayMillis;

    private long messagesSent;
    private long messagesDelivered;
    private long messagesDropped;
    private long sendFailures;
    private long joinMessages;
    private long joinsCompleted;
    private long joinsFailed;
    private long eventsProcessed;

    public Simulator(SimulationConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("simulation config must not be null");
        }
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.metric = config.proximity() ? Simulator::syntheticDistanceMicros : ProximityMetric.NONE;
    }

    // ------------------------------------------------------------------------------------ membership

    /** Creates the first node of the ring (active at once). */
    public NodeHandle bootstrapNode(NodeId id) {
        SimNode sn = create(id);
        apply(sn, sn.node.bootstrap(now));
        return sn.handle;
    }

    /** Creates a node and starts its join through {@code via}. */
    public NodeHandle addNode(NodeId id, NodeHandle via) {
        SimNode sn = create(id);
        sn.joinAttempts = 1;
        apply(sn, sn.node.join(via, now));
        scheduleJoinTimeoutCheck(sn);
        return sn.handle;
    }

    /** Crashes a node: it stops at once, without telling anyone. */
    public void kill(NodeId id) {
        SimNode sn = nodes.get(id);
        if (sn == null || !sn.alive) {
            return;
        }
        markDead(sn);
    }

    /** A node leaves gracefully (tells its leaves) and stops. */
    public void leave(NodeId id) {
        SimNode sn = nodes.get(id);
        if (sn == null || !sn.alive) {
            return;
        }
        List<Action> actions = sn.node.leave(now);
        markDead(sn);
        apply(sn, actions);
    }

    /** Sees every message as it is delivered to a live node (for tests and debugging). */
    @FunctionalInterface
    public interface MessageObserver {
        void delivered(long time, NodeHandle from, NodeHandle to, Message message);
    }

    /** Calls {@code observer} for every message delivered from now on; null removes it. */
    public void observeDeliveries(MessageObserver observer) {
        this.observer = observer == null ? (time, from, to, message) -> { } : observer;
    }

    /** Calls {@code listener} whenever a node finishes joining. */
    public void onJoined(Consumer<NodeHandle> listener) {
        this.joinListener = listener == null ? h -> { } : listener;
    }

    // --------------------------------------------------------------------------------------- lookups

    /** Starts a lookup of {@code key} at node {@code origin} now; returns its request id. */
    public long lookup(NodeId origin, NodeId key) {
        SimNode sn = nodes.get(origin);
        if (sn == null || !sn.alive) {
            throw new IllegalArgumentException("lookup origin must be a live node, was " + origin);
        }
        long requestId = nextRequestId++;
        pendingLookups.put(requestId, new PendingLookup(key, origin, now));
        apply(sn, sn.node.lookup(requestId, key, now));
        return requestId;
    }

    /** Results of the lookups finished since the last call, in completion order; clears them. */
    public List<LookupResult> takeLookupResults() {
        List<LookupResult> out = new ArrayList<>(lookupResults);
        lookupResults.clear();
        return out;
    }

    /** Lookups started and neither delivered nor dropped yet (a dropped message loses its lookup). */
    public int pendingLookups() {
        return pendingLookups.size();
    }

    /** Forgets lookups still pending (lost), returning how many there were. */
    public int abandonPendingLookups() {
        int n = pendingLookups.size();
        pendingLookups.clear();
        return n;
    }

    // ------------------------------------------------------------------------------------ scheduling

    /** Runs {@code task} at virtual time {@code time} (not before now). */
    public void at(long time, Runnable task) {
        queue.add(new Event(Math.max(time, now), seq++, Event.TASK, 0L, null, null, null, null, task));
    }

    /** Runs {@code task} {@code delayMillis} from now. */
    public void after(long delayMillis, Runnable task) {
        at(now + delayMillis, task);
    }

    /** Turns periodic node ticks (heartbeats, table maintenance) on or off. */
    public void setMaintenance(boolean on) {
        if (on == maintenance) {
            return;
        }
        maintenance = on;
        if (on) {
            for (SimNode sn : active) {
                scheduleTick(sn, now + random.nextLong(config.pastry().heartbeatIntervalMillis()));
            }
        }
    }

    public boolean maintenance() {
        return maintenance;
    }

    /** Processes the next event; false when there is none. */
    public boolean step() {
        Event e = queue.poll();
        if (e == null) {
            return false;
        }
        now = e.time;
        eventsProcessed++;
        switch (e.kind) {
            case Event.DELIVERY -> deliver(e);
            case Event.FAILURE -> fail(e);
            case Event.TICK -> tick(e.node);
            default -> {
                trace(Event.TASK, 0L, 0L);
                e.task.run();
            }
        }
        return true;
    }

    /** Runs until no event is left. Refused while maintenance is on (periodic ticks never end). */
    public void runUntilQuiescent() {
        if (maintenance) {
            throw new IllegalStateException("runUntilQuiescent needs maintenance off: periodic ticks never stop");
        }
        while (step()) {
            // keep stepping
        }
    }

    /** Runs every event due up to and including {@code time}, then sets the clock to {@code time}. */
    public void runUntil(long time) {
        while (!queue.isEmpty() && queue.peek().time <= time) {
            step();
        }
        now = Math.max(now, time);
    }

    // ------------------------------------------------------------------------------- fault injection

    /** Every message is dropped silently with this probability. */
    public void setDropProbability(double probability) {
        if (!(probability >= 0.0 && probability <= 1.0)) {
            throw new IllegalArgumentException("drop probability must be between 0 and 1, was " + probability);
        }
        this.dropProbability = probability;
    }

    /** Every message is delayed by this much on top of its normal delay. */
    public void setExtraDelayMillis(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("extra delay must not be negative, was " + millis + " ms");
        }
        this.extraDelayMillis = millis;
    }

    /** Splits the network in two: {@code side} and everyone else. Messages across fail like sends to dead nodes. */
    public void partition(Collection<NodeId> side) {
        this.partitionSide = new HashSet<>(side);
    }

    public void healPartition() {
        this.partitionSide = Set.of();
    }

    // --------------------------------------------------------------------------------------- queries

    public long now() {
        return now;
    }

    public SimulationConfig config() {
        return config;
    }

    public RingOracle oracle() {
        return oracle;
    }

    /** The node with this id, alive or dead (a dead node's state is no longer kept). */
    public Optional<PastryNode> node(NodeId id) {
        SimNode sn = nodes.get(id);
        return sn == null ? Optional.empty() : Optional.ofNullable(sn.node);
    }

    /** When the node finished joining (virtual ms), if it ever did. */
    public java.util.OptionalLong joinedAt(NodeId id) {
        SimNode sn = nodes.get(id);
        return sn == null || sn.joinedAt < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(sn.joinedAt);
    }

    public boolean isAlive(NodeId id) {
        SimNode sn = nodes.get(id);
        return sn != null && sn.alive;
    }

    /** Live nodes that have finished joining, in the order they did. */
    public List<PastryNode> activeNodes() {
        List<PastryNode> out = new ArrayList<>(active.size());
        for (SimNode sn : active) {
            out.add(sn.node);
        }
        return out;
    }

    public int activeCount() {
        return active.size();
    }

    /** A live active node drawn with {@code random}. */
    public NodeHandle randomActiveNode(SplittableRandom choice) {
        if (active.isEmpty()) {
            throw new IllegalStateException("no active node");
        }
        return active.get(choice.nextInt(active.size())).handle;
    }

    /** A hash of every event processed so far: equal across runs exactly when the runs are identical. */
    public long traceHash() {
        return traceHash;
    }

    public long messagesSent() {
        return messagesSent;
    }

    public long messagesDelivered() {
        return messagesDelivered;
    }

    public long messagesDropped() {
        return messagesDropped;
    }

    public long sendFailures() {
        return sendFailures;
    }

    /** Messages of the join protocol sent so far (requests, replies, rejections, announcements, acks). */
    public long joinMessages() {
        return joinMessages;
    }

    public long joinsCompleted() {
        return joinsCompleted;
    }

    public long joinsFailed() {
        return joinsFailed;
    }

    public long eventsProcessed() {
        return eventsProcessed;
    }

    public int queuedEvents() {
        return queue.size();
    }

    // -------------------------------------------------------------------------------------- internals

    private SimNode create(NodeId id) {
        if (nodes.containsKey(id)) {
            SimNode existing = nodes.get(id);
            if (existing.alive) {
                throw new IllegalArgumentException("a live node with id " + id + " already exists");
            }
        }
        NodeHandle handle = new NodeHandle(id, "sim-" + nextAddress++);
        PastryNode node = new PastryNode(handle, config.pastry(), metric, new SplittableRandom(random.nextLong()));
        SimNode sn = new SimNode(handle, node);
        nodes.put(id, sn);
        return sn;
    }

    private void markDead(SimNode sn) {
        sn.alive = false;
        sn.node = null;
        oracle.remove(sn.handle.id());
        if (sn.activeIndex >= 0) {
            int i = sn.activeIndex;
            SimNode last = active.remove(active.size() - 1);
            if (last != sn) {
                active.set(i, last);
                last.activeIndex = i;
            }
            sn.activeIndex = -1;
        }
    }

    private void apply(SimNode source, List<Action> actions) {
        for (int i = 0, n = actions.size(); i < n; i++) {
            Action a = actions.get(i);
            if (a instanceof Action.Send s) {
                send(source.handle, s.to(), s.message());
            } else if (a instanceof Action.Deliver d) {
                finishLookup(d.lookup(), Optional.of(source.handle.id()));
            } else if (a instanceof Action.Dropped d) {
                finishLookup(d.lookup(), Optional.empty());
            } else if (a instanceof Action.Joined) {
                joined(source);
            } else if (a instanceof Action.JoinFailed f) {
                joinFailed(source, f);
            }
        }
    }

    private void send(NodeHandle from, NodeHandle to, Message message) {
        messagesSent++;
        if (message.isJoinTraffic()) {
            joinMessages++;
        }
        if (dropProbability > 0 && random.nextDouble() < dropProbability) {
            messagesDropped++;
            return;
        }
        long delay = latency(from, to) + extraDelayMillis;
        queue.add(new Event(now + delay, seq++, Event.DELIVERY, now, from, to, message, null, null));
    }

    private long latency(NodeHandle from, NodeHandle to) {
        long min = config.minLatencyMillis();
        long max = config.maxLatencyMillis();
        if (max == min) {
            return min;
        }
        if (config.proximity()) {
            // synthetic distance is at most sqrt(2) * 1e6 micro-units
            double fraction = Math.min(1.0, syntheticDistanceMicros(from, to) / 1_414_214.0);
            return min + Math.round(fraction * (max - min));
        }
        return min + random.nextLong(max - min + 1);
    }

    private void deliver(Event d) {
        SimNode target = nodes.get(d.to.id());
        if (target == null || !target.alive || crossesPartition(d.from.id(), d.to.id())) {
            sendFailures++;
            queue.add(new Event(Math.max(now, d.sentAt + config.failureTimeoutMillis()), seq++, Event.FAILURE, d.sentAt,
                    d.from, d.to, d.message, null, null));
            return;
        }
        messagesDelivered++;
        Message m = d.message;
        trace(Event.DELIVERY, d.to.id().hi(), d.from.id().hi() ^ m.getClass().getSimpleName().hashCode());
        if (m instanceof Message.Lookup l) {
            trace(5, l.key().hi(), l.requestId());
        }
        observer.delivered(now, d.from, d.to, m);
        apply(target, target.node.handle(m, now));
    }

    private void fail(Event f) {
        SimNode sender = nodes.get(f.from.id());
        if (sender == null || !sender.alive) {
            return;
        }
        trace(Event.FAILURE, f.from.id().hi(), f.to.id().hi());
        apply(sender, sender.node.onSendFailed(f.to, f.message, now));
    }

    private void tick(SimNode sn) {
        sn.ticking = false;
        if (!sn.alive || !maintenance || sn.node.status() != PastryNode.Status.ACTIVE) {
            return;
        }
        trace(Event.TICK, sn.handle.id().hi(), 0L);
        apply(sn, sn.node.tick(now));
        scheduleTick(sn, now + config.pastry().heartbeatIntervalMillis());
    }

    private void scheduleTick(SimNode sn, long time) {
        if (!sn.ticking) {
            sn.ticking = true;
            queue.add(new Event(time, seq++, Event.TICK, 0L, null, null, null, sn, null));
        }
    }

    private void scheduleJoinTimeoutCheck(SimNode sn) {
        at(now + config.pastry().joinTimeoutMillis(), () -> {
            if (sn.alive && sn.node.status() == PastryNode.Status.JOINING) {
                apply(sn, sn.node.tick(now));
                scheduleJoinTimeoutCheck(sn);
            }
        });
    }

    private void joined(SimNode sn) {
        joinsCompleted++;
        sn.joinedAt = now;
        oracle.add(sn.handle.id());
        sn.activeIndex = active.size();
        active.add(sn);
        if (maintenance) {
            scheduleTick(sn, now + random.nextLong(config.pastry().heartbeatIntervalMillis()));
        }
        joinListener.accept(sn.handle);
    }

    private void joinFailed(SimNode sn, Action.JoinFailed f) {
        if (f.retryable() && sn.joinAttempts < MAX_JOIN_ATTEMPTS && !active.isEmpty()) {
            sn.joinAttempts++;
            NodeHandle via = active.get(random.nextInt(active.size())).handle;
            apply(sn, sn.node.join(via, now));
            scheduleJoinTimeoutCheck(sn);
            return;
        }
        joinsFailed++;
    }

    private void finishLookup(Message.Lookup lookup, Optional<NodeId> root) {
        PendingLookup pending = pendingLookups.remove(lookup.requestId());
        if (pending == null) {
            return;
        }
        Optional<NodeId> expected = oracle.closest(pending.key());
        boolean correct = root.isPresent() && root.equals(expected);
        lookupResults.add(new LookupResult(lookup.requestId(), pending.key(), pending.origin(), root, expected,
                lookup.hops(), correct, pending.startedAt(), now - pending.startedAt()));
    }

    private boolean crossesPartition(NodeId a, NodeId b) {
        return !partitionSide.isEmpty() && partitionSide.contains(a) != partitionSide.contains(b);
    }

    private void trace(long kind, long a, long b) {
        long h = traceHash;
        h = mix(h ^ now);
        h = mix(h ^ kind);
        h = mix(h ^ a);
        h = mix(h ^ b);
        traceHash = h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Synthetic plane coordinates in [0, 1e6)^2 derived from the id, Euclidean distance in the same unit. */
    static long syntheticDistanceMicros(NodeHandle a, NodeHandle b) {
        NodeId x = a.id();
        NodeId y = b.id();
        double dx = coordinate(x.hi()) - coordinate(y.hi());
        double dy = coordinate(x.lo()) - coordinate(y.lo());
        return Math.round(Math.sqrt(dx * dx + dy * dy));
    }

    private static double coordinate(long bits) {
        return (mix(bits) >>> 11) * 0x1.0p-53 * 1_000_000.0;
    }
}
