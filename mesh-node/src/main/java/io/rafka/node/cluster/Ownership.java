package io.rafka.node.cluster;

import io.rafka.node.partition.Broker;
import io.rafka.node.partition.Topic;
import io.rafka.pastry.NodeId;
import io.rafka.storage.FencedException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.WriterLease;
import io.rafka.supernode.Lease;
import io.rafka.supernode.LeaseResult;
import io.rafka.supernode.NodeSession;
import io.rafka.supernode.SupernodeStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions this node serves. Every tick (a fifth of the session TTL) it renews the node's
 * session, reads the live sessions (the ring) and the topics, and for every partition compares
 * the member closest to its key with the lease holder:
 * <ul>
 *   <li>closest is this node and it holds no lease: acquire one (a new epoch; granted once the
 *       previous holder released it or its session is dead), then open the log under it, fenced;</li>
 *   <li>this node serves a partition whose closest member is now another node (a node joined),
 *       or whose topic is gone: stop serving, then release the lease so the new owner takes it at
 *       once (without waiting for a TTL).</li>
 * </ul>
 * Safety does not depend on ticks being timely: a node acknowledges appends only while its
 * session deadline, counted from the moment it sent the renewal, has not passed ({@link
 * #writerLease}), and the supernodes hand a lease to another node only after that session was
 * declared dead, which happens later than the deadline. Storage fences any write of an older
 * epoch that lands late.
 *
 * <p>Ticks run on one dedicated thread (they block on the supernodes); nothing here runs on an
 * event loop.
 */
public final class Ownership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);

    private final SupernodeStore store;
    private final ClusterMetadata metadata;
    private final Broker broker;
    private final Duration ttl;
    private final Supplier<NodeSession> register;
    private final ScheduledExecutorService ticker;
    /** Polls for create-topic callers, so that waiting never delays a tick. */
    private final ScheduledExecutorService waiter;
    private final Map<PartitionId, Held> held = new ConcurrentHashMap<>();
    private volatile NodeSession session;
    private volatile long sessionDeadlineNanos;
    private volatile Ring ring = new Ring(List.of());
    private volatile Map<PartitionId, Lease> leases = Map.of();
    private volatile boolean closed;

    /** A partition this node holds the lease of; {@code open} once its log is served. */
    private static final class Held {
        final Topic topic;
        final int partition;
        final Lease lease;
        final SessionLease writerLease;
        final CompletableFuture<Void> opened = new CompletableFuture<>();

        Held(Topic topic, int partition, Lease lease, SessionLease writerLease) {
            this.topic = topic;
            this.partition = partition;
            this.lease = lease;
            this.writerLease = writerLease;
        }
    }

    /** Valid while the session deadline holds and the partition was not given up. */
    private final class SessionLease implements WriterLease {
        private final int epoch;
        private final NodeSession owner;
        private volatile boolean revoked;

        SessionLease(int epoch, NodeSession owner) {
            this.epoch = epoch;
            this.owner = owner;
        }

        @Override
        public int epoch() {
            return epoch;
        }

        @Override
        public boolean isValid() {
            return !revoked && session == owner && System.nanoTime() - sessionDeadlineNanos < 0;
        }

        void revoke() {
            revoked = true;
        }

        @Override
        public String toString() {
            return "lease epoch " + epoch + (isValid() ? "" : " (expired)");
        }
    }

    /**
     * @param register opens a new session (blocking); called at start and after a session was lost
     */
    public Ownership(SupernodeStore store, ClusterMetadata metadata, Broker broker, Duration ttl,
                     Supplier<NodeSession> register) {
        this.store = store;
        this.metadata = metadata;
        this.broker = broker;
        this.ttl = ttl;
        this.register = register;
        this.ticker = daemon("rafka-ownership");
        this.waiter = daemon("rafka-ownership-wait");
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Registers the session (blocking; fails e.g. on a duplicate node id), then ticks in the background. */
    public void start() {
        long sent = System.nanoTime();
        session = register.get();
        sessionDeadlineNanos = sent + safeTtlNanos();
        tick();
        long period = Math.max(50, ttl.toMillis() / 5);
        ticker.scheduleWithFixedDelay(this::tickSafely, period, period, TimeUnit.MILLISECONDS);
    }

    /** Runs a tick now (for example after a topic was created here). */
    public void nudge() {
        if (!closed) {
            onTicker(this::tickSafely);
        }
    }

    public NodeSession session() {
        return session;
    }

    public Ring ring() {
        return ring;
    }

    /** The last known lease of every partition, for routing and describe. */
    public Map<PartitionId, Lease> leases() {
        return leases;
    }

    /**
     * Where requests for a partition should go: its lease holder while that node is live, else
     * the member closest to its key (who is about to take it).
     */
    public Optional<Ring.Member> owner(String topic, int partition) {
        Ring r = ring;
        Lease lease = leases.get(new PartitionId(topic, partition));
        if (lease != null && lease.ownerNodeId() != null) {
            Optional<Ring.Member> m = r.member(lease.ownerNodeId());
            if (m.isPresent()) {
                return m;
            }
        }
        return r.closest(Ring.key(topic, partition));
    }

    /**
     * When this node holds the partition's lease and is opening its log: a stage that completes
     * once it serves it. Requests that arrive meanwhile wait for it rather than bounce.
     */
    public Optional<CompletionStage<Void>> opening(String topic, int partition) {
        Held h = held.get(new PartitionId(topic, partition));
        return h == null || h.opened.isDone() ? Optional.empty() : Optional.of(h.opened);
    }

    /**
     * Completes once every partition of the topic has a lease held by a live node (or after
     * {@code timeout}, successfully either way: ownership settles in the background).
     */
    public CompletionStage<Void> awaitOwners(Topic topic, Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<String> keys = new HashSet<>();
        for (int p = 0; p < topic.partitions(); p++) {
            keys.add(leaseKey(topic, p));
        }
        nudge();
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            boolean all;
            try {
                Map<String, Lease> now = store.leases(keys);
                Ring r = ring;
                all = now.size() == keys.size() && now.values().stream()
                        .allMatch(l -> l.ownerNodeId() != null && r.member(l.ownerNodeId()).isPresent());
            } catch (RuntimeException e) {
                all = false;
            }
            if (all || System.nanoTime() > deadline || closed) {
                done.complete(null);
            } else {
                waiter.schedule(check[0], 50, TimeUnit.MILLISECONDS);
            }
        };
        waiter.execute(check[0]);
        return done;
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.warn("ownership tick failed: {}", e.toString());
        }
    }

    private synchronized void tick() {
        if (closed) {
            return;
        }
        renewSession();
        ring = Ring.of(store.liveSessions());
        metadata.refresh();
        NodeSession me = session;
        NodeId myId = NodeId.fromHex(me.nodeId());
        Set<PartitionId> wanted = new HashSet<>();
        Map<String, Topic> byName = new HashMap<>();
        for (Topic t : metadata.topics()) {
            byName.put(t.name(), t);
            for (int p = 0; p < t.partitions(); p++) {
                PartitionId id = new PartitionId(t.name(), p);
                Optional<Ring.Member> closest = ring.closest(Ring.key(t.name(), p));
                if (closest.isPresent() && closest.get().id().equals(myId)) {
                    wanted.add(id);
                }
            }
        }
        // give up what is no longer ours (a closer node joined, the topic is gone or was re-created)
        for (Map.Entry<PartitionId, Held> e : held.entrySet()) {
            Held h = e.getValue();
            Topic current = byName.get(h.topic.name());
            boolean topicGone = current == null || current.incarnation() != h.topic.incarnation();
            if (topicGone || !wanted.contains(e.getKey())) {
                giveUp(e.getKey(), h, topicGone);
            }
        }
        for (PartitionId id : wanted) {
            if (!held.containsKey(id)) {
                take(byName.get(id.topic()), id.partition());
            }
        }
        Set<String> keys = new HashSet<>();
        Map<String, PartitionId> byKey = new HashMap<>();
        for (Topic t : byName.values()) {
            for (int p = 0; p < t.partitions(); p++) {
                String k = leaseKey(t, p);
                keys.add(k);
                byKey.put(k, new PartitionId(t.name(), p));
            }
        }
        Map<PartitionId, Lease> view = new HashMap<>();
        store.leases(keys).forEach((k, lease) -> view.put(byKey.get(k), lease));
        leases = Map.copyOf(view);
    }

    private void renewSession() {
        long sent = System.nanoTime();
        if (store.renew(session, ttl)) {
            sessionDeadlineNanos = sent + safeTtlNanos();
            return;
        }
        LOG.warn("session {} of node {} expired (the node was paused or cut off for longer than {} ms): "
                + "dropping {} partitions and registering again", session.sessionId(), session.nodeId(),
                ttl.toMillis(), held.size());
        for (Map.Entry<PartitionId, Held> e : held.entrySet()) {
            e.getValue().writerLease.revoke();
            broker.dropPartition(e.getValue().topic, e.getValue().partition, false);
        }
        held.clear();
        long again = System.nanoTime();
        session = register.get();
        sessionDeadlineNanos = again + safeTtlNanos();
    }

    /** The session's life as this node may count on it: the TTL less a margin for clock-rate drift. */
    private long safeTtlNanos() {
        long t = ttl.toNanos();
        return t - Math.max(TimeUnit.MILLISECONDS.toNanos(100), t / 10);
    }

    private void take(Topic topic, int partition) {
        String key = leaseKey(topic, partition);
        LeaseResult result = store.acquire(key, session);
        if (result instanceof LeaseResult.HeldBy h) {
            LOG.debug("{} still held by {} (epoch {})", key, h.current().ownerNodeId(), h.current().epoch());
            return;
        }
        Lease lease = ((LeaseResult.Acquired) result).lease();
        PartitionId id = new PartitionId(topic.name(), partition);
        SessionLease writer = new SessionLease(lease.epoch(), session);
        Held h = new Held(topic, partition, lease, writer);
        held.put(id, h);
        long started = System.nanoTime();
        broker.openPartition(topic, partition, writer).whenComplete((p, err) -> {
            if (err != null) {
                LOG.warn("opening {} under epoch {} failed: {}", id, lease.epoch(), err.toString());
                held.remove(id, h);
                h.opened.completeExceptionally(err);
                if (!(unwrap(err) instanceof FencedException)) {
                    // a blocking supernode call: not on the storage thread that completed the open
                    onTicker(() -> store.release(key, session));
                }
                return;
            }
            h.opened.complete(null);
            LOG.info("serving {} with epoch {} (opened in {} ms)", id, lease.epoch(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        });
    }

    private void giveUp(PartitionId id, Held h, boolean topicGone) {
        held.remove(id);
        h.writerLease.revoke();
        LOG.info("giving up {} (epoch {}){}", id, h.lease.epoch(), topicGone ? ": topic deleted" : ": a closer node joined");
        broker.dropPartition(h.topic, h.partition, topicGone).whenComplete((v, err) -> {
            if (err != null) {
                LOG.warn("closing {} failed: {}", id, err.toString());
            }
            if (!topicGone) {
                onTicker(() -> store.release(leaseKey(h.topic, h.partition), session));
            }
        });
    }

    /** Runs a blocking supernode call on the ownership thread; dropped once ownership is closed (close releases all). */
    private void onTicker(Runnable call) {
        try {
            ticker.execute(call);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            LOG.debug("ownership closed; {} dropped", call);
        }
    }

    /** The lease key of a partition: the topic's storage name (incarnation included) and index. */
    static String leaseKey(Topic topic, int partition) {
        return topic.storageName() + "/" + partition;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof java.util.concurrent.CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Stops serving every partition and releases leases and the session, so others take over at once. */
    @Override
    public void close() {
        closed = true;
        waiter.shutdownNow();
        ticker.shutdown();
        try {
            ticker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Map.Entry<PartitionId, Held> e : held.entrySet()) {
            e.getValue().writerLease.revoke();
            broker.dropPartition(e.getValue().topic, e.getValue().partition, false);
            try {
                store.release(leaseKey(e.getValue().topic, e.getValue().partition), session);
            } catch (RuntimeException ex) {
                LOG.warn("releasing {} failed: {}", e.getKey(), ex.toString());
            }
        }
        held.clear();
        try {
            store.release(session);
        } catch (RuntimeException e) {
            LOG.warn("releasing the session failed: {}", e.toString());
        }
    }
}
