package io.rafka.node.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.rafka.pastry.Action;
import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryConfig;
import io.rafka.pastry.PastryNode;
import io.rafka.pastry.ProximityMetric;
import io.rafka.pastry.RouteDecision;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs this node's Pastry state machine ({@link PastryNode}) and carries its messages over the
 * clustered Vert.x event bus. Guarantees:
 * <ul>
 *   <li>The state machine is touched only on this verticle's event-loop context (asserted); other
 *       threads ask for routes through {@link #route}, which hops onto that context.</li>
 *   <li>Every message is an event-bus request to {@code rafka.pastry.<id hex>@<gRPC address>} in the
 *       {@link PastryCodec} wire form, answered with an empty reply on receipt. No handler, no reply
 *       within {@link #SEND_TIMEOUT_MS} or a broken connection is a failed delivery:
 *       {@code onSendFailed}, which starts repair and reroutes a join in flight. The address names the
 *       gRPC address too, so a node restarted elsewhere under the same id never receives what was
 *       meant for its previous incarnation.</li>
 *   <li>Join: with no other live session in the ring the node starts a new Pastry ring; else it joins
 *       through a live member, retrying through the others after a retryable failure. If joins keep
 *       failing (every member is itself still joining) the member with the smallest id starts the ring.</li>
 *   <li>The session ring (read from {@link Ownership}) is the failure detector of record: a member whose
 *       session ended is removed at once ({@code onNodeFailed}). Ring neighbours missing from the leaf
 *       set are asked for their leaf sets, which also heals two rings started apart.</li>
 * </ul>
 * The routing state is published for metrics after every input; the leaf set is logged when it changes.
 */
public final class PastryPeer extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(PastryPeer.class);
    static final String ADDRESS_PREFIX = "rafka.pastry.";
    /** How long a sent message waits for the receiver's acknowledgement before it counts as failed. */
    static final long SEND_TIMEOUT_MS = 2_000;
    /** Period of {@code tick}: join retries, heartbeats, the ring check. */
    static final long TICK_MS = 250;
    /** A ring neighbour missing from the leaf set is asked for its leaf set at most this often. */
    static final long ASK_INTERVAL_MS = 5_000;
    /** Retryable join failures after which the member with the smallest id starts the ring. */
    static final int FAILED_JOINS_BEFORE_BOOTSTRAP = 3;

    /**
     * L = 16 (a mesh of up to 17 nodes has everyone in every leaf set: one hop), heartbeats to the
     * leaves every second, table maintenance every minute, joins retried after 2 s, dead nodes not
     * re-learnt second-hand for 30 s (the ring tells when they are back).
     */
    public static final PastryConfig MESH_CONFIG = new PastryConfig(PastryConfig.DEFAULT_LEAF_SET_SIZE, 0, 1_000, 60_000,
            2_000, 2, 30_000, 64);

    /** The routing state as last published by the peer's context, for other threads. */
    public record State(PastryNode.Status status, List<NodeHandle> leaves, int routingTableEntries) {
    }

    private final NodeHandle self;
    private final PastryConfig config;
    private final Supplier<Ring> ring;
    private final LongSupplier clock;
    private final PastryNode node;
    private final DeliveryOptions delivery = new DeliveryOptions().setSendTimeout(SEND_TIMEOUT_MS);
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sendFailures = new AtomicLong();
    private volatile State state;

    // confined to the context
    /** The event loop of the context (handlers may run on duplicates of the context, never on another thread). */
    private Thread loop;
    private MessageConsumer<Buffer> consumer;
    private long timer = -1;
    private Ring lastRing;
    private Set<NodeHandle> lastLeaves = Set.of();
    private final Map<NodeId, Long> askedAt = new HashMap<>();
    private long joinStartedAt = -1;
    private NodeHandle joinVia;
    private int joinAttempts;
    private int failedJoins;
    private long nextJoinAt;

    /**
     * @param ring  the live sessions as {@link Ownership} last read them
     * @param clock milliseconds, monotonic
     */
    PastryPeer(NodeHandle self, PastryConfig config, Supplier<Ring> ring, LongSupplier clock, SplittableRandom random) {
        this.self = self;
        this.config = config;
        this.ring = ring;
        this.clock = clock;
        this.node = new PastryNode(self, config, ProximityMetric.NONE, random);
        this.state = new State(PastryNode.Status.NEW, List.of(), 0);
    }

    /** Deploys the peer on its own event-loop context; it joins the Pastry ring in the background. */
    public static Future<PastryPeer> start(Vertx vertx, NodeHandle self, Supplier<Ring> ring) {
        long origin = System.nanoTime();
        PastryPeer peer = new PastryPeer(self, MESH_CONFIG, ring, () -> (System.nanoTime() - origin) / 1_000_000,
                new SplittableRandom());
        return vertx.deployVerticle(peer).map(id -> peer);
    }

    static String address(NodeHandle h) {
        return ADDRESS_PREFIX + h.id().toHex() + "@" + h.address();
    }

    public NodeHandle self() {
        return self;
    }

    public State state() {
        return state;
    }

    /**
     * Pastry's route decision for {@code key}, taken on the peer's context ({@code closerOnly}: see
     * {@link PastryNode#route(NodeId, boolean)}).
     */
    public Future<RouteDecision> route(NodeId key, boolean closerOnly) {
        Promise<RouteDecision> decided = Promise.promise();
        context.runOnContext(v -> decided.complete(node.route(key, closerOnly)));
        return decided.future();
    }

    /** Leaves the Pastry ring (tells the leaves) and stops; completes within a few seconds at most. */
    public Future<Void> close() {
        return vertx.undeploy(deploymentID());
    }

    /** Publishes the routing state and message counts under {@code rafka_pastry_*}. */
    public void bindMetrics(MeterRegistry registry) {
        Gauge.builder("rafka_pastry_active", this, p -> p.state.status() == PastryNode.Status.ACTIVE ? 1 : 0)
                .description("1 once this node has joined the Pastry ring").register(registry);
        Gauge.builder("rafka_pastry_leaf_set_size", this, p -> p.state.leaves().size())
                .description("Distinct nodes in this node's Pastry leaf set").register(registry);
        Gauge.builder("rafka_pastry_routing_table_entries", this, p -> p.state.routingTableEntries())
                .description("Entries in this node's Pastry routing table").register(registry);
        FunctionCounter.builder("rafka_pastry_messages_sent", sent, AtomicLong::get)
                .description("Pastry messages sent over the event bus").register(registry);
        FunctionCounter.builder("rafka_pastry_messages_received", received, AtomicLong::get)
                .description("Pastry messages received over the event bus").register(registry);
        FunctionCounter.builder("rafka_pastry_send_failures", sendFailures, AtomicLong::get)
                .description("Pastry messages not acknowledged (no handler, timeout): reported as failed nodes")
                .register(registry);
    }

    @Override
    public Future<?> start() {
        loop = Thread.currentThread();
        consumer = vertx.eventBus().consumer(address(self), this::receive);
        return consumer.completion().onSuccess(v -> {
            timer = vertx.setPeriodic(TICK_MS, id -> tick());
            tick();
        });
    }

    @Override
    public Future<?> stop() {
        checkContext();
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        List<Future<?>> leaving = new ArrayList<>();
        for (Action a : node.leave(clock.getAsLong())) {
            if (a instanceof Action.Send s) {
                leaving.add(vertx.eventBus().request(address(s.to()), Buffer.buffer(PastryCodec.encode(s.message())), delivery));
            }
        }
        publish();
        return Future.join(leaving).otherwiseEmpty().transform(ar -> consumer.unregister());
    }

    // ------------------------------------------------------------------------------------- context

    private void checkContext() {
        assert Thread.currentThread() == loop
                : "the Pastry node must be used on its own event loop " + loop.getName() + " only, not on "
                + Thread.currentThread().getName();
    }

    private void receive(io.vertx.core.eventbus.Message<Buffer> delivered) {
        checkContext();
        Message m;
        try {
            m = PastryCodec.decode(delivered.body().getBytes());
        } catch (IllegalArgumentException e) {
            LOG.warn("pastry: dropping a malformed message: {}", e.getMessage());
            delivered.fail(400, e.getMessage());
            return;
        }
        received.incrementAndGet();
        delivered.reply(null);
        apply(node.handle(m, clock.getAsLong()));
    }

    private void send(NodeHandle to, Message m) {
        sent.incrementAndGet();
        vertx.eventBus().request(address(to), Buffer.buffer(PastryCodec.encode(m)), delivery).onFailure(err -> {
            checkContext();
            if (err instanceof ReplyException re && re.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
                LOG.warn("pastry: node {} refused a {}: {}", to, m.getClass().getSimpleName(), re.getMessage());
                return;
            }
            sendFailures.incrementAndGet();
            LOG.debug("pastry: {} to {} failed: {}", m.getClass().getSimpleName(), to, err.toString());
            apply(node.onSendFailed(to, m, clock.getAsLong()));
        });
    }

    private void apply(List<Action> actions) {
        for (Action a : actions) {
            if (a instanceof Action.Send s) {
                send(s.to(), s.message());
            } else if (a instanceof Action.Joined) {
                onJoined();
            } else if (a instanceof Action.JoinFailed f) {
                onJoinFailed(f);
            } else if (a instanceof Action.Dropped d) {
                // the mesh routes requests with route(), not with lookups; nothing waits for one
                LOG.debug("pastry: lookup dropped: {}", d.reason());
            }
        }
        publish();
    }

    private void tick() {
        checkContext();
        long now = clock.getAsLong();
        Ring r = ring.get();
        if (r != lastRing) {
            removeGone(r, now);
            lastRing = r;
        }
        switch (node.status()) {
            case NEW -> {
                if (now >= nextJoinAt) {
                    join(r, now);
                }
            }
            case JOINING -> apply(node.tick(now));
            case ACTIVE -> {
                apply(node.tick(now));
                askMissingNeighbours(r, now);
            }
            case LEFT -> {
                // stopping
            }
        }
    }

    private void join(Ring r, long now) {
        List<Ring.Member> others = r.members().stream().filter(m -> !m.id().equals(self.id())).toList();
        if (joinStartedAt < 0) {
            joinStartedAt = now;
        }
        boolean smallest = others.stream().allMatch(m -> m.id().compareTo(self.id()) > 0);
        if (others.isEmpty() || (failedJoins >= FAILED_JOINS_BEFORE_BOOTSTRAP && smallest)) {
            joinVia = null;
            apply(node.bootstrap(now));
            return;
        }
        Ring.Member via = others.get(joinAttempts++ % others.size());
        joinVia = new NodeHandle(via.id(), via.grpcAddress());
        apply(node.join(joinVia, now));
    }

    private void onJoined() {
        long took = clock.getAsLong() - joinStartedAt;
        if (joinVia == null) {
            LOG.info("pastry: node {} started a new ring{} ({} ms)", self,
                    failedJoins == 0 ? " (no other live node)" : " after " + failedJoins + " failed joins", took);
        } else {
            LOG.info("pastry: node {} joined the ring through {} in {} ms (attempt {}): leaf set {}, {} routing-table entries",
                    self, joinVia, took, joinAttempts, describe(node.leafSet().members()), node.routingTable().size());
        }
    }

    private void onJoinFailed(Action.JoinFailed f) {
        failedJoins++;
        long backoff = f.retryable() ? 500 : 5_000;
        nextJoinAt = clock.getAsLong() + backoff;
        if (f.retryable()) {
            LOG.info("pastry: join of node {} through {} failed ({}); retrying in {} ms", self, joinVia, f.reason(), backoff);
        } else {
            LOG.warn("pastry: join of node {} through {} was refused ({}); retrying in {} ms", self, joinVia, f.reason(), backoff);
        }
    }

    /** Members whose session ended since the last look (or that came back at another address) are failed nodes. */
    private void removeGone(Ring r, long now) {
        if (lastRing == null || node.status() != PastryNode.Status.ACTIVE) {
            return;
        }
        Set<NodeHandle> live = r.members().stream().map(PastryPeer::handle).collect(Collectors.toSet());
        List<NodeHandle> known = node.knownNodes();
        for (Ring.Member m : lastRing.members()) {
            NodeHandle h = handle(m);
            if (!live.contains(h) && known.contains(h)) {
                LOG.info("pastry: node {} left the session ring; node {} drops it", h, self);
                apply(node.onNodeFailed(h.id(), now));
            }
        }
    }

    /**
     * Asks the ring neighbours that belong in the leaf set but are missing from it for their leaf
     * sets: heals announcements that were lost and rings that were started apart.
     */
    private void askMissingNeighbours(Ring r, long now) {
        List<Ring.Member> members = r.members();
        int n = members.size();
        int at = -1;
        for (int i = 0; i < n; i++) {
            if (members.get(i).id().equals(self.id())) {
                at = i;
                break;
            }
        }
        if (at < 0) {
            return; // this node's session is being renewed or registered again
        }
        Set<NodeHandle> expected = new HashSet<>();
        for (int k = 1; k <= Math.min(config.leafSetSize() / 2, n - 1); k++) {
            expected.add(handle(members.get((at + k) % n)));
            expected.add(handle(members.get((at - k + n) % n)));
        }
        List<NodeHandle> leaves = node.leafSet().members();
        askedAt.keySet().removeIf(id -> expected.stream().noneMatch(h -> h.id().equals(id)));
        for (NodeHandle h : expected) {
            if (!leaves.contains(h) && now - askedAt.getOrDefault(h.id(), Long.MIN_VALUE / 2) >= ASK_INTERVAL_MS) {
                askedAt.put(h.id(), now);
                send(h, new Message.LeafSetRequest(self));
            }
        }
    }

    private void publish() {
        List<NodeHandle> leaves = node.leafSet().members();
        State next = new State(node.status(), leaves, node.routingTable().size());
        state = next;
        Set<NodeHandle> set = Set.copyOf(leaves);
        if (next.status() == PastryNode.Status.ACTIVE && !set.equals(lastLeaves)) {
            lastLeaves = set;
            LOG.info("pastry: leaf set of node {} is now {} ({} leaves, {} routing-table entries)", self.id().toHex(),
                    describe(leaves), leaves.size(), next.routingTableEntries());
        }
    }

    private static String describe(List<NodeHandle> handles) {
        return handles.stream().map(h -> h.id().toHex()).sorted().collect(Collectors.joining(",", "[", "]"));
    }

    private static NodeHandle handle(Ring.Member m) {
        return new NodeHandle(m.id(), m.grpcAddress());
    }
}
