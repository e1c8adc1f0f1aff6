package io.rafka.client;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.rafka.client.internal.Channels;
import io.rafka.client.internal.Errors;
import io.rafka.client.internal.GroupMember;
import io.rafka.client.internal.FetchDecoder;
import io.rafka.client.internal.Rpc;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.CommitOffsetsRequest;
import io.rafka.proto.v1.CommittedOffset;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.FetchCommittedOffsetsResponse;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.OffsetCommit;
import io.rafka.proto.v1.OffsetsGrpc;
import io.rafka.proto.v1.TopicPartition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads records from explicitly assigned partitions ({@link #assign}), or from the partitions the
 * broker assigns this consumer as a member of its group ({@link #subscribe}), with pipelined
 * long-poll fetches.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Ordering:</b> records of one partition are returned in offset order, each once per
 *   position: records below the position (batches are not split by the broker) are skipped.</li>
 *   <li><b>Pipelining:</b> one fetch per partition is kept in flight, including while the
 *   application processes the records {@link #poll} returned, so throughput is not bound by
 *   round trips.</li>
 *   <li><b>Start position:</b> a {@link #seek}, else the group's committed offset (when a group
 *   id is configured), else {@code autoOffsetReset}, which also applies on OUT_OF_RANGE.</li>
 *   <li><b>Group membership:</b> after {@link #subscribe}, a background thread heartbeats and the
 *   assignment changes are applied inside {@link #poll}, between the records it returns: a partition
 *   the broker revokes stops being fetched, its position is committed (with auto-commit) and only
 *   then is it reported released; a newly assigned partition starts at the group's committed offset,
 *   else {@code autoOffsetReset}. Records of a partition handed over are thus read again only from
 *   its last commit on; none is skipped.</li>
 *   <li><b>Thread-safety:</b> not thread-safe; use one consumer from one thread at a time.</li>
 * </ul>
 * Transient fetch failures are retried with backoff; other broker errors are thrown from
 * {@link #poll} as {@link RafkaException}, after the records already decoded are returned.
 */
public final class RafkaConsumer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RafkaConsumer.class);

    private final ConsumerConfig config;
    private final ManagedChannel[] channels;
    private final Map<TopicPartitionRef, PartitionState> assigned = new LinkedHashMap<>();
    private final LinkedBlockingQueue<FetchResult> completed = new LinkedBlockingQueue<>();
    private RafkaException pendingError;
    private boolean closed;
    /** Set by {@link #subscribe}: the group membership, else null (manual assignment). */
    private GroupMember member;
    /** The membership epoch the assignment was last reconciled with. */
    private long memberEpoch;
    private long nextAutoCommitNanos;
    /** Queued by the heartbeat thread to wake a waiting poll when the assignment changed. */
    private static final FetchResult WAKEUP = new FetchResult(null, 0, null, null);

    /** Per-partition state; touched only by the consumer's thread. */
    private static final class PartitionState {
        final TopicPartitionRef tp;
        final int channel;
        /** Offset of the next record poll returns; -1 until known. */
        long position = -1;
        /** Offset the next fetch asks for (ahead of position while a fetch is in flight). */
        long fetchOffset;
        ClientCall<FetchRequest, FetchResponse> call;
        /** Identifies the latest fetch; results carrying another token are stale. */
        int token;
        int failures;
        long retryAtNanos;

        PartitionState(TopicPartitionRef tp, int channel) {
            this.tp = tp;
            this.channel = channel;
        }
    }

    private record FetchResult(PartitionState state, int token, FetchResponse response,
                               Throwable error) {
    }

    public RafkaConsumer(ConsumerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.channels = Channels.open(config.bootstrap(), config.connections());
    }

    /** A consumer with default settings and no group for the broker at {@code bootstrap}. */
    public RafkaConsumer(String bootstrap) {
        this(ConsumerConfig.defaults(bootstrap));
    }

    /**
     * Consumes {@code topics} as a member of the configured group: joins it now (failing with the
     * broker's error, e.g. NOT_FOUND for an unknown topic), then heartbeats in the background; the
     * broker assigns the partitions and {@link #poll} applies every change. Calling it again changes
     * the topics. A consumer either subscribes or {@linkplain #assign assigns}, never both.
     */
    public void subscribe(Collection<String> topics) {
        requireGroup();
        List<String> wanted = List.copyOf(new LinkedHashSet<>(topics));
        if (wanted.isEmpty()) {
            throw new IllegalArgumentException("subscribe needs at least one topic");
        }
        if (member == null && !assigned.isEmpty()) {
            throw new IllegalStateException("partitions were assigned manually: a consumer either assigns or subscribes");
        }
        if (member != null) {
            member.changeTopics(wanted);
        } else {
            GroupMember joining = new GroupMember(channels[0], config.groupId(), wanted, config.clientId(),
                    config.sessionTimeoutMs(), config.requestTimeoutMs(), config.retryBackoffMs(),
                    config.retryBackoffMaxMs(), () -> completed.add(WAKEUP));
            try {
                joining.start();
            } catch (RuntimeException e) {
                joining.close(false);
                throw e;
            }
            member = joining;
            nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.autoCommitIntervalMs());
        }
        syncGroup();
    }

    /** The group generation of the current assignment; -1 when not subscribed or between memberships. */
    public int generation() {
        return member == null ? -1 : member.view().generation();
    }

    /** Replaces the assignment; partitions kept keep their positions. */
    public void assign(Collection<TopicPartitionRef> partitions) {
        ensureOpen();
        if (member != null) {
            throw new IllegalStateException("this consumer subscribed as a group member: the broker assigns its partitions");
        }
        Set<TopicPartitionRef> wanted = new LinkedHashSet<>(partitions);
        assigned.values().removeIf(ps -> {
            if (wanted.contains(ps.tp)) {
                return false;
            }
            cancelFetch(ps);
            return true;
        });
        for (TopicPartitionRef tp : wanted) {
            assigned.computeIfAbsent(tp,
                    t -> new PartitionState(t, t.partition() % channels.length));
        }
    }

    /** Replaces the assignment with every partition of {@code topic}. */
    public void assign(String topic) {
        ensureOpen();
        int n = Rpc.blocking(() -> AdminGrpc.newBlockingStub(channels[0])
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .describeTopic(DescribeTopicRequest.newBuilder().setName(topic).build()))
                .getTopic().getPartitionCount();
        List<TopicPartitionRef> all = new ArrayList<>(n);
        for (int p = 0; p < n; p++) {
            all.add(new TopicPartitionRef(topic, p));
        }
        assign(all);
    }

    /** The assigned partitions, in assignment order. */
    public Set<TopicPartitionRef> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    /** The next poll returns records of {@code tp} from {@code offset}. */
    public void seek(TopicPartitionRef tp, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        resetPosition(state(tp), offset);
    }

    /** Seeks each partition to its earliest retained offset. */
    public void seekToBeginning(Collection<TopicPartitionRef> partitions) {
        for (TopicPartitionRef tp : partitions) {
            PartitionState ps = state(tp);
            resetPosition(ps, listOffset(tp, b -> b.setEarliest(true)));
        }
    }

    /** Seeks each partition to its latest offset (only records produced later are read). */
    public void seekToEnd(Collection<TopicPartitionRef> partitions) {
        for (TopicPartitionRef tp : partitions) {
            PartitionState ps = state(tp);
            resetPosition(ps, listOffset(tp, b -> b.setLatest(true)));
        }
    }

    /** Seeks to the first record with timestamp >= {@code timestamp}, or the latest offset. */
    public void seekToTimestamp(TopicPartitionRef tp, long timestamp) {
        PartitionState ps = state(tp);
        resetPosition(ps, listOffset(tp, b -> b.setTimestamp(timestamp)));
    }

    /** The offset of the next record poll returns for {@code tp}, resolving it if needed. */
    public long position(TopicPartitionRef tp) {
        PartitionState ps = state(tp);
        if (ps.position < 0) {
            resolvePositions(List.of(ps));
        }
        return ps.position;
    }

    /**
     * Returns the records available now, or waits up to {@code timeout} for some; an empty list
     * when none arrived. Advances the position past the returned records and immediately starts
     * the next fetch of each partition that answered.
     *
     * @throws RafkaException for a non-retryable fetch error (after a poll that returned the
     *                        records decoded before it)
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        ensureOpen();
        if (pendingError != null) {
            RafkaException e = pendingError;
            pendingError = null;
            throw e;
        }
        if (assigned.isEmpty() && member == null) {
            throw new IllegalStateException("no partitions assigned: call assign or subscribe first");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (member != null) {
            syncGroup();
            autoCommitIfDue();
        }
        resolveUnknownPositions();
        sendFetches();
        List<ConsumerRecord> out = new ArrayList<>();
        while (true) {
            FetchResult r = completed.poll();
            if (r == null) {
                if (!out.isEmpty()) {
                    return out;
                }
                long waitNanos = Math.min(deadline - System.nanoTime(), nanosUntilNextRetry());
                if (deadline - System.nanoTime() <= 0) {
                    return out;
                }
                try {
                    r = completed.poll(Math.max(waitNanos, 0), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RafkaException(Status.Code.CANCELLED, "interrupted in poll", e);
                }
                if (r == null) {
                    sendFetches();
                    continue;
                }
            }
            if (r == WAKEUP) {
                if (!out.isEmpty()) {
                    // records of a partition about to be revoked must reach the application before
                    // its position is committed and the partition released: apply the change next poll
                    return out;
                }
                syncGroup();
                resolveUnknownPositions();
                sendFetches();
                continue;
            }
            try {
                handle(r, out);
            } catch (RafkaException e) {
                if (out.isEmpty()) {
                    throw e;
                }
                pendingError = e;
                return out;
            }
        }
    }

    /** Commits the current position of every assigned partition whose position is known. */
    public void commitSync() {
        Map<TopicPartitionRef, Long> offsets = positions();
        if (!offsets.isEmpty()) {
            commitSync(offsets);
        }
    }

    /**
     * Commits the given next-offsets for the configured group: as a simple commit (generation -1)
     * after {@link #assign}, as a member (its generation and member id) after {@link #subscribe}.
     * The broker refuses an offset lower than the committed one with FAILED_PRECONDITION, and a
     * member's commit of a partition it no longer holds with ABORTED (after one refresh of a stale
     * generation).
     */
    public void commitSync(Map<TopicPartitionRef, Long> offsets) {
        requireGroup();
        if (member == null) {
            sendCommit(offsets, -1, "");
            return;
        }
        RafkaException refused = commitAsMember(offsets);
        if (refused != null) {
            throw refused;
        }
    }

    /** The group's committed offset for {@code tp}, empty when it has none. */
    public OptionalLong committed(TopicPartitionRef tp) {
        for (CommittedOffset c : fetchCommitted(List.of(tp)).getOffsetsList()) {
            if (c.getTopic().equals(tp.topic()) && c.getPartition() == tp.partition()
                    && c.getOffset() >= 0) {
                return OptionalLong.of(c.getOffset());
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Cancels outstanding fetches and closes the connections. A group member first commits its
     * positions (with auto-commit) and leaves the group, so its partitions move at once.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (member != null) {
            if (config.enableAutoCommit()) {
                Map<TopicPartitionRef, Long> offsets = positions();
                RafkaException refused;
                try {
                    refused = offsets.isEmpty() ? null : commitAsMember(offsets);
                } catch (RafkaException e) {
                    refused = e; // the membership had failed: close anyway
                }
                if (refused != null) {
                    LOG.warn("group '{}': commit on close failed: {}", config.groupId(), refused.getMessage());
                }
            }
            member.close(true);
        }
        closed = true;
        for (PartitionState ps : assigned.values()) {
            cancelFetch(ps);
        }
        Channels.close(channels);
    }

    /**
     * Brings the assignment in line with the membership's view: partitions to release stop being
     * fetched, are committed (with auto-commit) and reported released; partitions no longer ours are
     * dropped; new ones are added with an unknown position (resolved from the committed offsets).
     * A new membership (the old one expired) drops everything first, without committing: another
     * member may have taken and committed those partitions meanwhile.
     */
    private void syncGroup() {
        GroupMember.View view = member.view();
        if (view.epoch() != memberEpoch) {
            if (memberEpoch != 0 && !assigned.isEmpty()) {
                LOG.warn("group '{}': membership lost; dropping {} partitions without committing",
                        config.groupId(), assigned.size());
            }
            assigned.values().forEach(this::abandonFetch);
            assigned.clear();
            memberEpoch = view.epoch();
        }
        Map<TopicPartitionRef, Long> releasing = new LinkedHashMap<>();
        for (TopicPartitionRef tp : view.revoke()) {
            PartitionState ps = assigned.remove(tp);
            if (ps != null) {
                abandonFetch(ps);
                if (ps.position >= 0) {
                    releasing.put(tp, ps.position);
                }
            }
        }
        if (config.enableAutoCommit() && !releasing.isEmpty()) {
            RafkaException refused = commitAsMember(releasing);
            if (refused != null) {
                LOG.warn("group '{}': could not commit revoked partitions {} ({}); their next owner re-reads "
                        + "from their last commit", config.groupId(), releasing.keySet(), refused.getMessage());
            }
        }
        assigned.values().removeIf(ps -> {
            if (view.assignment().contains(ps.tp)) {
                return false;
            }
            abandonFetch(ps);
            return true;
        });
        for (TopicPartitionRef tp : view.assignment()) {
            assigned.computeIfAbsent(tp, t -> new PartitionState(t, t.partition() % channels.length));
        }
        if (!view.revoke().isEmpty()) {
            member.released(view.revoke());
        }
    }

    private void autoCommitIfDue() {
        if (!config.enableAutoCommit() || System.nanoTime() - nextAutoCommitNanos < 0) {
            return;
        }
        nextAutoCommitNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.autoCommitIntervalMs());
        Map<TopicPartitionRef, Long> offsets = positions();
        RafkaException refused = offsets.isEmpty() ? null : commitAsMember(offsets);
        if (refused != null) {
            LOG.warn("group '{}': auto-commit failed: {}", config.groupId(), refused.getMessage());
        }
    }

    /**
     * Commits as a group member with the current generation. ABORTED means the generation moved on
     * (or the partition did): learn the current generation with a heartbeat and try again; a
     * transient failure is retried after a backoff; a few attempts in all. Returns the last failure,
     * or null once committed.
     */
    private RafkaException commitAsMember(Map<TopicPartitionRef, Long> offsets) {
        RafkaException refused = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            GroupMember.View view = member.view();
            if (view.memberId().isEmpty()) {
                return new RafkaException(Status.Code.ABORTED, "not a member of group '" + config.groupId()
                        + "' right now (rejoining); nothing committed");
            }
            try {
                sendCommit(offsets, view.generation(), view.memberId());
                return null;
            } catch (RafkaException e) {
                refused = e;
                if (e.code() == Status.Code.ABORTED) {
                    member.refresh(config.requestTimeoutMs());
                } else if (Errors.isRetryable(e.code())) {
                    java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(
                            Errors.backoffMs(config.retryBackoffMs(), config.retryBackoffMaxMs(), attempt)));
                } else {
                    return e;
                }
            }
        }
        return refused;
    }

    private void sendCommit(Map<TopicPartitionRef, Long> offsets, int generation, String memberId) {
        CommitOffsetsRequest.Builder req = CommitOffsetsRequest.newBuilder()
                .setGroup(config.groupId()).setGeneration(generation).setMemberId(memberId);
        offsets.forEach((tp, offset) -> req.addOffsets(OffsetCommit.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition()).setOffset(offset)));
        Rpc.blocking(() -> OffsetsGrpc.newBlockingStub(channels[0])
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .commitOffsets(req.build()));
    }

    /** Positions of the assigned partitions that have one. */
    private Map<TopicPartitionRef, Long> positions() {
        Map<TopicPartitionRef, Long> offsets = new LinkedHashMap<>();
        for (PartitionState ps : assigned.values()) {
            if (ps.position >= 0) {
                offsets.put(ps.tp, ps.position);
            }
        }
        return offsets;
    }

    /**
     * Resolves the positions not known yet. A group member takes a transient failure (a partition
     * moving between nodes) in its stride: those partitions stay unresolved, and are not fetched,
     * until a later poll resolves them.
     */
    private void resolveUnknownPositions() {
        List<PartitionState> unknown = new ArrayList<>();
        for (PartitionState ps : assigned.values()) {
            if (ps.position < 0) {
                unknown.add(ps);
            }
        }
        if (unknown.isEmpty()) {
            return;
        }
        try {
            resolvePositions(unknown);
        } catch (RafkaException e) {
            if (member == null || !Errors.isRetryable(e.code())) {
                throw e;
            }
            LOG.debug("group '{}': resolving positions failed ({}); retrying at the next poll", config.groupId(),
                    e.getMessage());
        }
    }

    private void handle(FetchResult r, List<ConsumerRecord> out) {
        PartitionState ps = r.state();
        if (ps.token != r.token() || assigned.get(ps.tp) != ps) {
            return; // superseded by a seek or unassigned
        }
        ps.call = null;
        if (r.error() != null) {
            RafkaException e = Errors.toRafka(r.error());
            if (e.code() == Status.Code.OUT_OF_RANGE) {
                long reset = resetOffset(ps.tp);
                LOG.warn("{}: fetch at offset {} out of range ({}); resetting to {} offset {}",
                        ps.tp, ps.fetchOffset, e.getMessage(), config.autoOffsetReset(), reset);
                resetPosition(ps, reset);
                sendFetch(ps);
            } else if (Errors.isRetryable(e.code())) {
                long backoff = Errors.backoffMs(config.retryBackoffMs(), config.retryBackoffMaxMs(),
                        ps.failures++);
                LOG.debug("{}: fetch failed ({}), retrying in {} ms", ps.tp, e.getMessage(), backoff);
                ps.retryAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoff);
            } else {
                throw e;
            }
            return;
        }
        ps.failures = 0;
        FetchResponse resp = r.response();
        long next = FetchDecoder.decode(ps.tp.topic(), ps.tp.partition(),
                resp.getBatches().asReadOnlyByteBuffer(), ps.position, config.checkCrcs(), out);
        ps.position = next;
        ps.fetchOffset = Math.max(resp.getNextOffset(), next);
        sendFetch(ps);
    }

    private void sendFetches() {
        long now = System.nanoTime();
        for (PartitionState ps : assigned.values()) {
            if (ps.call == null && ps.position >= 0 && now - ps.retryAtNanos >= 0) {
                sendFetch(ps);
            }
        }
    }

    private void sendFetch(PartitionState ps) {
        FetchRequest req = FetchRequest.newBuilder()
                .setTopic(ps.tp.topic())
                .setPartition(ps.tp.partition())
                .setOffset(ps.fetchOffset)
                .setMaxBytes(config.maxFetchBytes())
                .setMaxWaitMs(config.fetchMaxWaitMs())
                .build();
        ClientCall<FetchRequest, FetchResponse> call = channels[ps.channel].newCall(
                BrokerGrpc.getFetchMethod(), CallOptions.DEFAULT.withDeadlineAfter(
                        config.fetchMaxWaitMs() + config.requestTimeoutMs(), TimeUnit.MILLISECONDS));
        int token = ++ps.token;
        ps.call = call;
        ClientCalls.asyncUnaryCall(call, req, Rpc.callback(
                (resp, error) -> completed.add(new FetchResult(ps, token, resp, error))));
    }

    private long nanosUntilNextRetry() {
        long now = System.nanoTime();
        long min = Long.MAX_VALUE;
        for (PartitionState ps : assigned.values()) {
            if (ps.call == null && ps.position >= 0) {
                min = Math.min(min, Math.max(0, ps.retryAtNanos - now));
            }
        }
        return min;
    }

    private void resetPosition(PartitionState ps, long offset) {
        cancelFetch(ps);
        ps.position = offset;
        ps.fetchOffset = offset;
        ps.failures = 0;
        ps.retryAtNanos = System.nanoTime();
    }

    /**
     * Forgets the fetch in flight without cancelling it: its answer, a long poll of at most
     * fetchMaxWaitMs, is dropped when it arrives. Used when the group takes a partition away,
     * which happens to many partitions at once; cancelling them all would reset as many streams.
     */
    private void abandonFetch(PartitionState ps) {
        ps.token++;
        ps.call = null;
    }

    private void cancelFetch(PartitionState ps) {
        ps.token++;
        if (ps.call != null) {
            ps.call.cancel("position reset or partition unassigned", null);
            ps.call = null;
        }
    }

    /** Sets unknown positions from the group's commits, else from autoOffsetReset. */
    private void resolvePositions(List<PartitionState> unknown) {
        if (!config.groupId().isEmpty()) {
            List<TopicPartitionRef> tps = new ArrayList<>(unknown.size());
            unknown.forEach(ps -> tps.add(ps.tp));
            for (CommittedOffset c : fetchCommitted(tps).getOffsetsList()) {
                PartitionState ps = assigned.get(new TopicPartitionRef(c.getTopic(), c.getPartition()));
                if (ps != null && ps.position < 0 && c.getOffset() >= 0) {
                    resetPosition(ps, c.getOffset());
                }
            }
        }
        for (PartitionState ps : unknown) {
            if (ps.position < 0) {
                resetPosition(ps, resetOffset(ps.tp));
            }
        }
    }

    private long resetOffset(TopicPartitionRef tp) {
        return config.autoOffsetReset() == AutoOffsetReset.EARLIEST
                ? listOffset(tp, b -> b.setEarliest(true))
                : listOffset(tp, b -> b.setLatest(true));
    }

    private long listOffset(TopicPartitionRef tp, UnaryOperator<ListOffsetsRequest.Builder> spec) {
        ListOffsetsRequest req = spec.apply(ListOffsetsRequest.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition())).build();
        return Rpc.blocking(() -> BrokerGrpc.newBlockingStub(channels[0])
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .listOffsets(req)).getOffset();
    }

    private FetchCommittedOffsetsResponse fetchCommitted(List<TopicPartitionRef> tps) {
        FetchCommittedOffsetsRequest.Builder req = FetchCommittedOffsetsRequest.newBuilder()
                .setGroup(requireGroup());
        for (TopicPartitionRef tp : tps) {
            req.addPartitions(TopicPartition.newBuilder().setTopic(tp.topic())
                    .setPartition(tp.partition()));
        }
        return Rpc.blocking(() -> OffsetsGrpc.newBlockingStub(channels[0])
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .fetchCommittedOffsets(req.build()));
    }

    private String requireGroup() {
        ensureOpen();
        if (config.groupId().isEmpty()) {
            throw new IllegalStateException("committed offsets need a groupId in ConsumerConfig");
        }
        return config.groupId();
    }

    private PartitionState state(TopicPartitionRef tp) {
        ensureOpen();
        PartitionState ps = assigned.get(tp);
        if (ps == null) {
            throw new IllegalStateException("partition " + tp + " is not assigned; assigned: "
                    + assigned.keySet());
        }
        return ps;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("consumer is closed");
        }
    }
}
