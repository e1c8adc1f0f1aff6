package io.rafka.client.internal;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.rafka.client.RafkaException;
import io.rafka.client.TopicPartitionRef;
import io.rafka.proto.v1.GroupHeartbeatRequest;
import io.rafka.proto.v1.GroupHeartbeatResponse;
import io.rafka.proto.v1.GroupsGrpc;
import io.rafka.proto.v1.JoinGroupRequest;
import io.rafka.proto.v1.JoinGroupResponse;
import io.rafka.proto.v1.LeaveGroupRequest;
import io.rafka.proto.v1.TopicPartition;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer's membership of a group: joins, heartbeats on its own thread, and keeps the latest
 * view the broker gave (generation, the partitions to keep, those to release). The consumer reads the
 * view from its own thread ({@link #view}), stops and commits what it must release, and reports it
 * ({@link #released}); the next heartbeat, sent at once, tells the broker.
 *
 * <p>Recovery: a member the broker no longer knows (NOT_FOUND: its session expired) starts a new
 * membership, which the view shows as a new {@link View#epoch()} (the consumer then drops every
 * partition without committing); a heartbeat refused as stale (ABORTED) rejoins with the same member
 * id; transient failures are retried with backoff.
 *
 * <p>Thread-safe: the state is guarded by one lock, shared by the heartbeat thread and the consumer.
 */
public final class GroupMember {
    private static final Logger LOG = LoggerFactory.getLogger(GroupMember.class);

    /**
     * What the consumer acts on.
     *
     * @param epoch      grows each time a new membership starts (a new member id)
     * @param generation the group generation of this view, -1 without a membership
     * @param assignment partitions to consume
     * @param revoke     partitions to stop, commit and report released
     */
    public record View(long epoch, String memberId, int generation, Set<TopicPartitionRef> assignment,
                       Set<TopicPartitionRef> revoke) {
    }

    private final ManagedChannel channel;
    private final String group;
    private final String clientId;
    private final int sessionTimeoutMs;
    private final long requestTimeoutMs;
    private final long retryBackoffMs;
    private final long retryBackoffMaxMs;
    private final Runnable onChange;
    private final ScheduledExecutorService heartbeats;

    private final Object lock = new Object();
    private List<String> topics; // guarded by lock
    private View view = new View(0, "", -1, Set.of(), Set.of()); // guarded by lock
    private final Set<TopicPartitionRef> released = new LinkedHashSet<>(); // guarded by lock
    private RafkaException failure; // guarded by lock
    private long started; // guarded by lock: heartbeat rounds begun
    private long finished; // guarded by lock: heartbeat rounds ended
    private int failures; // heartbeat thread only
    private ScheduledFuture<?> next; // heartbeat thread only
    private volatile boolean stopped;

    /** @param onChange called on the heartbeat thread whenever the view changes or a failure is recorded */
    public GroupMember(ManagedChannel channel, String group, List<String> topics, String clientId, int sessionTimeoutMs,
                       long requestTimeoutMs, long retryBackoffMs, long retryBackoffMaxMs, Runnable onChange) {
        this.channel = channel;
        this.group = group;
        this.topics = List.copyOf(topics);
        this.clientId = clientId;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.requestTimeoutMs = requestTimeoutMs;
        this.retryBackoffMs = retryBackoffMs;
        this.retryBackoffMaxMs = retryBackoffMaxMs;
        this.onChange = onChange;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rafka-group-" + group);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins on the calling thread (so a refused join, such as an unknown topic, fails the caller),
     * then heartbeats in the background.
     */
    public void start() {
        JoinGroupResponse joined = Rpc.blocking(() -> join(""));
        int interval = applyJoin(joined, true);
        heartbeats.execute(() -> schedule(interval));
    }

    /** Rejoins with other topics (the same member id); partitions of topics dropped are revoked. */
    public void changeTopics(List<String> newTopics) {
        String id;
        synchronized (lock) {
            topics = List.copyOf(newTopics);
            id = view.memberId();
        }
        if (id.isEmpty()) {
            return; // the heartbeat thread is starting a new membership with the new topics
        }
        applyJoin(Rpc.blocking(() -> join(id)), false);
        onChange.run();
    }

    /** The latest view; throws the failure the heartbeat thread recorded, if any. */
    public View view() {
        synchronized (lock) {
            if (failure != null) {
                throw failure;
            }
            return view;
        }
    }

    /**
     * Reports partitions the consumer stopped (and committed); a heartbeat carrying them goes out at
     * once. Reporting one again while its heartbeat is on the way sends nothing more.
     */
    public void released(Collection<TopicPartitionRef> partitions) {
        boolean news;
        synchronized (lock) {
            news = released.addAll(partitions);
        }
        if (news) {
            beatNow();
        }
    }

    /**
     * Sends a heartbeat now and waits (at most {@code timeoutMs}) for it to be answered, to learn the
     * current generation after a commit was refused as stale.
     */
    public void refresh(long timeoutMs) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        synchronized (lock) {
            long wanted = started + 1;
            beatNow();
            while (finished < wanted && !stopped) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Stops heartbeating and, if {@code leave}, leaves the group so the partitions move at once; once. */
    public void close(boolean leave) {
        if (stopped) {
            return;
        }
        stopped = true;
        heartbeats.shutdownNow();
        try {
            heartbeats.awaitTermination(requestTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String id;
        synchronized (lock) {
            id = view.memberId();
            lock.notifyAll();
        }
        if (leave && !id.isEmpty()) {
            try {
                Rpc.blocking(() -> stub().leaveGroup(LeaveGroupRequest.newBuilder().setGroup(group).setMemberId(id).build()));
                LOG.info("member '{}' left group '{}'", id, group);
            } catch (RafkaException e) {
                LOG.warn("member '{}' could not leave group '{}' ({}); its partitions move when its session expires",
                        id, group, e.getMessage());
            }
        }
    }

    // ---- heartbeat thread ----

    private void beatNow() {
        if (!stopped) {
            try {
                heartbeats.execute(this::beat);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        }
    }

    private void schedule(long delayMs) {
        if (next != null) {
            next.cancel(false);
        }
        if (!stopped) {
            next = heartbeats.schedule(this::beat, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void beat() {
        String id;
        int generation;
        List<TopicPartitionRef> reporting;
        synchronized (lock) {
            if (stopped || failure != null) {
                return;
            }
            started++;
            id = view.memberId();
            generation = view.generation();
            reporting = List.copyOf(released);
        }
        long delay;
        try {
            if (id.isEmpty()) {
                delay = applyJoin(join(""), true);
            } else {
                GroupHeartbeatRequest.Builder req = GroupHeartbeatRequest.newBuilder().setGroup(group).setMemberId(id)
                        .setGeneration(generation);
                reporting.forEach(tp -> req.addRevoked(toProto(tp)));
                GroupHeartbeatResponse r = stub().heartbeat(req.build());
                delay = r.getHeartbeatIntervalMs();
                boolean changed;
                synchronized (lock) {
                    reporting.forEach(released::remove);
                    View before = view;
                    view = new View(before.epoch(), id, r.getGeneration(), toRefs(r.getAssignmentList()),
                            toRefs(r.getRevokeList()));
                    changed = !view.equals(before);
                }
                if (changed) {
                    onChange.run();
                }
            }
            failures = 0;
        } catch (RuntimeException e) {
            delay = recover(id, Errors.toRafka(e));
        } finally {
            synchronized (lock) {
                finished++;
                lock.notifyAll();
            }
        }
        if (delay >= 0) {
            schedule(delay);
        }
    }

    /** Handles a failed heartbeat or join; returns when to try again, or -1 after a fatal failure. */
    private long recover(String id, RafkaException e) {
        Status.Code code = e.code();
        if (code == Status.Code.NOT_FOUND && !id.isEmpty()) {
            LOG.warn("group '{}' no longer knows member '{}' ({}); dropping its partitions and joining again",
                    group, id, e.getMessage());
            synchronized (lock) {
                view = new View(view.epoch(), "", -1, Set.of(), Set.of());
                released.clear();
            }
            onChange.run();
            return 0;
        }
        if (code == Status.Code.ABORTED && !id.isEmpty()) {
            LOG.info("group '{}' refused a heartbeat of member '{}' as stale ({}); rejoining", group, id, e.getMessage());
            try {
                long delay = applyJoin(join(id), false);
                onChange.run();
                return delay;
            } catch (RuntimeException rejoin) {
                return recover(id, Errors.toRafka(rejoin));
            }
        }
        if (Errors.isRetryable(code) || code == Status.Code.UNKNOWN || code == Status.Code.CANCELLED) {
            long backoff = Errors.backoffMs(retryBackoffMs, retryBackoffMaxMs, failures++);
            LOG.debug("group '{}' heartbeat failed ({}), retrying in {} ms", group, e.getMessage(), backoff);
            return Math.min(backoff, sessionTimeoutMs / 3);
        }
        LOG.error("group '{}' membership failed: {}", group, e.getMessage());
        synchronized (lock) {
            failure = e;
        }
        onChange.run();
        return -1;
    }

    private JoinGroupResponse join(String memberId) {
        List<String> subscribed;
        synchronized (lock) {
            subscribed = topics;
        }
        return stub().joinGroup(JoinGroupRequest.newBuilder().setGroup(group).setMemberId(memberId).addAllTopics(subscribed)
                .setSessionTimeoutMs(sessionTimeoutMs).setClientId(clientId).build());
    }

    /** Takes a join's answer as the view; {@code fresh} when it starts a new membership. Returns the heartbeat interval. */
    private int applyJoin(JoinGroupResponse r, boolean fresh) {
        synchronized (lock) {
            long epoch = fresh ? view.epoch() + 1 : view.epoch();
            view = new View(epoch, r.getMemberId(), r.getGeneration(), toRefs(r.getAssignmentList()), toRefs(r.getRevokeList()));
            if (fresh) {
                released.clear();
                LOG.info("joined group '{}' as member '{}' in generation {} with {} partitions", group, r.getMemberId(),
                        r.getGeneration(), r.getAssignmentCount());
            }
        }
        if (fresh) {
            onChange.run();
        }
        return r.getHeartbeatIntervalMs();
    }

    private GroupsGrpc.GroupsBlockingStub stub() {
        return GroupsGrpc.newBlockingStub(channel).withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private static Set<TopicPartitionRef> toRefs(List<TopicPartition> partitions) {
        Set<TopicPartitionRef> out = new LinkedHashSet<>();
        partitions.forEach(tp -> out.add(new TopicPartitionRef(tp.getTopic(), tp.getPartition())));
        return Set.copyOf(out);
    }

    private static TopicPartition toProto(TopicPartitionRef tp) {
        return TopicPartition.newBuilder().setTopic(tp.topic()).setPartition(tp.partition()).build();
    }
}
