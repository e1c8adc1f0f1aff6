package io.rafka.supernode;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.rafka.supernode.internal.Counter;
import io.rafka.supernode.internal.GroupOps;
import io.rafka.supernode.internal.LeaseOps;
import io.rafka.supernode.internal.MetadataCodec;
import io.rafka.supernode.internal.OffsetOps;
import io.rafka.supernode.internal.OffsetOps.GroupOffsets;
import io.rafka.supernode.internal.PersistedMap;
import io.rafka.supernode.internal.SessionOps;
import io.rafka.supernode.internal.SinceOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;

/**
 * The cluster's metadata: topics, node sessions, partition leases with epochs, producer ids,
 * committed offsets and consumer-group membership, kept in Hazelcast maps on the supernodes (full members, with backups) and used
 * the same way from lite members; topics, leases, offsets and counters are written through to a
 * {@link MetadataPersistence} when one is configured. See the package documentation for the
 * session and lease model.
 *
 * <p>Every change is atomic per map entry ({@code putIfAbsent}, or an entry processor that decides
 * and writes in one step on the member owning the entry); nothing relies on Hazelcast's CP
 * subsystem, which 5.5+ reserves for the Enterprise edition.
 *
 * <p>Thread-safe. Every method blocks on remote calls: call it from a worker thread, never an event
 * loop (a call from a Vert.x event-loop thread fails fast with {@link IllegalStateException}).
 * Hazelcast's own exceptions (for example when no data member is reachable) pass through unchanged.
 */
public final class SupernodeStore {
    private static final Logger LOG = LoggerFactory.getLogger(SupernodeStore.class);

    static final String TOPICS = "rafka.topics";
    static final String SESSIONS = "rafka.sessions";
    static final String LEASES = "rafka.leases";
    static final String OFFSETS = "rafka.offsets";
    static final String COUNTERS = "rafka.counters";
    static final String GROUPS = "rafka.groups";
    static final String SINCE = "rafka.since";
    private static final List<String> MAPS = List.of(TOPICS, SESSIONS, LEASES, OFFSETS, COUNTERS, GROUPS, SINCE);
    private static final String SESSIONS_SINCE = "sessions";

    /** How many producer ids one store reserves from the cluster at a time. */
    public static final int PRODUCER_ID_BLOCK = 1_000;
    private static final String PRODUCER_ID_COUNTER = "producer-id";
    private static final String INCARNATION_COUNTER = "topic-incarnation";
    private static final long REGISTER_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Each failed take-over means another node changed the lease meanwhile; give up and report the holder after this many. */
    private static final int TAKE_OVER_ATTEMPTS = 16;

    private final IMap<String, TopicRecord> topics;
    private final IMap<String, NodeSession> sessions;
    private final IMap<String, Lease> leases;
    private final IMap<String, GroupOffsets> offsets;
    private final IMap<String, Long> counters;
    private final IMap<String, ConsumerGroup> groups;
    private final IMap<String, Long> since;
    private final long absentSessionGraceMs;
    private final RandomGenerator sessionIds = new SecureRandom();

    private final Object producerIdLock = new Object();
    private long nextProducerId; // guarded by producerIdLock; the block [nextProducerId, producerIdEnd) is ours
    private long producerIdEnd; // guarded by producerIdLock

    /** A store that declares an absent session dead at once (see {@link #SupernodeStore(HazelcastInstance, Duration)}). */
    public SupernodeStore(HazelcastInstance hz) {
        this(hz, Duration.ZERO);
    }

    /**
     * A store on {@code hz}. {@code absentSessionGrace} (the nodes' session TTL) is how long a
     * lease's holder whose session is absent, rather than dead or expired, still counts as live
     * after the session map started: when every supernode was lost the sessions went with them,
     * while nodes that kept running still hold their leases and acknowledge writes until their
     * next renewal fails.
     */
    public SupernodeStore(HazelcastInstance hz, Duration absentSessionGrace) {
        Objects.requireNonNull(hz, "hazelcast instance");
        this.absentSessionGraceMs = Checks.nonNegative(absentSessionGrace, "absent session grace").toMillis();
        this.topics = hz.getMap(TOPICS);
        this.sessions = hz.getMap(SESSIONS);
        this.leases = hz.getMap(LEASES);
        this.offsets = hz.getMap(OFFSETS);
        this.counters = hz.getMap(COUNTERS);
        this.groups = hz.getMap(GROUPS);
        this.since = hz.getMap(SINCE);
    }

    /**
     * Adds the configuration of this store's maps (all named {@code rafka.*}) to {@code config}:
     * {@code backupCount} synchronous backups, no reads from backups, no eviction, no expiry, and
     * nothing persisted. Every member, full or lite, should be configured the same way.
     */
    public static void configure(Config config, int backupCount) {
        configure(config, backupCount, Optional.empty());
    }

    /**
     * As {@link #configure(Config, int)}, and with {@code persistence} present the topics, leases,
     * committed offsets and counters are written through to it (see {@link MetadataPersistence}):
     * a change is stored there before it is applied and acknowledged, and a map that starts empty
     * is loaded from it before its first use: the store's constructor waits for that, also while
     * the persistence cannot list the stored keys (see {@link PersistedMap}), so do not construct
     * it on an event loop.
     */
    public static void configure(Config config, int backupCount, Optional<MetadataPersistence> persistence) {
        Objects.requireNonNull(config, "hazelcast config");
        Objects.requireNonNull(persistence, "persistence");
        if (backupCount < 0 || backupCount > MapConfig.MAX_BACKUP_COUNT) {
            throw new IllegalArgumentException("backup count must be between 0 and " + MapConfig.MAX_BACKUP_COUNT
                    + ", got " + backupCount);
        }
        for (String name : MAPS) {
            MapConfig map = new MapConfig(name)
                    .setBackupCount(backupCount)
                    .setAsyncBackupCount(0)
                    .setReadBackupData(false)
                    .setInMemoryFormat(InMemoryFormat.BINARY)
                    .setTimeToLiveSeconds(0)
                    .setMaxIdleSeconds(0);
            map.getEvictionConfig().setEvictionPolicy(EvictionPolicy.NONE);
            persistence.flatMap(p -> persisted(name, p)).ifPresent(store -> map.setMapStoreConfig(new MapStoreConfig()
                    .setEnabled(true)
                    .setImplementation(store)
                    .setWriteDelaySeconds(0)
                    .setInitialLoadMode(MapStoreConfig.InitialLoadMode.EAGER)));
            config.addMapConfig(map);
        }
    }

    /** The write-through store of a persisted map; sessions and group membership are not persisted. */
    private static Optional<PersistedMap<?>> persisted(String name, MetadataPersistence persistence) {
        return Optional.ofNullable(switch (name) {
            case TOPICS -> new PersistedMap<>(name, persistence, MetadataCodec.TOPICS);
            case LEASES -> new PersistedMap<>(name, persistence, MetadataCodec.LEASES);
            case OFFSETS -> new PersistedMap<>(name, persistence, MetadataCodec.OFFSETS);
            case COUNTERS -> new PersistedMap<>(name, persistence, MetadataCodec.COUNTERS);
            default -> null;
        });
    }

    // ---------------------------------------------------------------------------------- topics

    /**
     * Creates a topic with a new cluster-unique incarnation. Of several concurrent creates of one
     * name, on any members, exactly one succeeds.
     *
     * @throws TopicExistsException if a topic of that name exists
     */
    public TopicRecord createTopic(String name, int partitions, Map<String, String> config) {
        Checks.requireBlockingAllowed("createTopic");
        Checks.requireNonEmpty(name, "topic name");
        long incarnation = reserve(INCARNATION_COUNTER, 1);
        TopicRecord created = new TopicRecord(name, partitions, config, System.currentTimeMillis(), incarnation);
        TopicRecord existing = topics.putIfAbsent(name, created);
        // Same incarnation: this very put, retried by Hazelcast after a member failure, had landed.
        if (existing != null && existing.incarnation() != incarnation) {
            throw new TopicExistsException(existing);
        }
        LOG.info("created topic '{}' with {} partitions, incarnation {}", name, partitions, incarnation);
        return created;
    }

    public Optional<TopicRecord> topic(String name) {
        Checks.requireBlockingAllowed("topic");
        Checks.requireNonEmpty(name, "topic name");
        return Optional.ofNullable(topics.get(name));
    }

    /** All topics, sorted by name. */
    public List<TopicRecord> topics() {
        Checks.requireBlockingAllowed("topics");
        return topics.values().stream().sorted(Comparator.comparing(TopicRecord::name)).toList();
    }

    /**
     * Deletes a topic's committed offsets in every group, then the topic, then the leases under
     * its {@linkplain TopicRecord#partitionKey(int) partition keys}.
     *
     * @return the deleted topic
     * @throws TopicNotFoundException if no topic of that name exists
     */
    public TopicRecord deleteTopic(String name) {
        Checks.requireBlockingAllowed("deleteTopic");
        Checks.requireNonEmpty(name, "topic name");
        // Offsets first: they are keyed by the topic's name, so offsets left behind by a delete that
        // failed half-way would be inherited by a topic created again under that name. A retried
        // delete runs this again; leases left behind are harmless (their keys are never reused).
        if (!topics.containsKey(name)) {
            throw new TopicNotFoundException(name);
        }
        offsets.executeOnEntries(new OffsetOps.DropTopic(name));
        TopicRecord removed = topics.remove(name);
        if (removed == null) {
            throw new TopicNotFoundException(name);
        }
        leases.removeAll(new LeaseOps.KeyPrefix<>(removed.storageName() + "/"));
        LOG.info("deleted topic '{}' (incarnation {}) with its committed offsets and leases", name, removed.incarnation());
        return removed;
    }

    // -------------------------------------------------------------------------------- sessions

    /**
     * Starts a new session for {@code nodeId}, expiring {@code ttl} after it is stored (by the
     * clock of the member that stores it). If another live session holds the node id, it may be this
     * node's previous life that crashed: this call waits, polling, up to {@code waitForStale} for it
     * to expire.
     *
     * @throws DuplicateNodeIdException if the other session stayed live all that time (another node
     *                                  with the same id keeps renewing it)
     */
    public NodeSession register(String nodeId, String name, String grpcAddress, String httpAddress, boolean supernode, Duration ttl,
                                Duration waitForStale) {
        Checks.requireBlockingAllowed("register");
        Checks.requireNonEmpty(nodeId, "node id");
        Objects.requireNonNull(grpcAddress, "grpc address");
        Objects.requireNonNull(httpAddress, "http address");
        long ttlMs = Checks.positiveMillis(ttl, "session ttl");
        Checks.nonNegative(waitForStale, "wait for a stale session");
        long sessionId = newSessionId();
        SessionOps.Register register = new SessionOps.Register(nodeId, name, sessionId, grpcAddress, httpAddress, supernode, ttlMs);
        long deadline = System.nanoTime() + waitForStale.toNanos();
        boolean waiting = false;
        while (true) {
            SessionOps.RegisterOutcome outcome = sessions.executeOnKey(nodeId, register);
            if (outcome instanceof SessionOps.Registered registered) {
                LOG.info("registered node '{}' session {} at {} (ttl {} ms)", nodeId, sessionId, grpcAddress, ttlMs);
                return registered.session();
            }
            NodeSession holder = ((SessionOps.Occupied) outcome).holder();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new DuplicateNodeIdException(nodeId, holder.grpcAddress(), waitForStale);
            }
            if (!waiting) {
                LOG.info("node id '{}' still has a live session {} of the node at {} (a crashed previous life?); "
                        + "waiting up to {} ms for it to expire", nodeId, holder.sessionId(), holder.grpcAddress(),
                        waitForStale.toMillis());
                waiting = true;
            }
            pause(Math.min(left, REGISTER_POLL_NANOS), "a stale session of node '" + nodeId + "' to expire");
        }
    }

    /**
     * Extends the session to {@code ttl} after the processing member's now, if it is still the
     * stored session, not dead and not expired. Once this returns false it always will for this
     * session: the node must stop acting on it and {@linkplain #register register} again.
     */
    public boolean renew(NodeSession session, Duration ttl) {
        Checks.requireBlockingAllowed("renew");
        Objects.requireNonNull(session, "session");
        long ttlMs = Checks.positiveMillis(ttl, "session ttl");
        return sessions.executeOnKey(session.nodeId(), new SessionOps.Renew(session.sessionId(), ttlMs));
    }

    /** Ends the session for good (a graceful leave), if it is still the stored one. */
    public void release(NodeSession session) {
        Checks.requireBlockingAllowed("release");
        Objects.requireNonNull(session, "session");
        if (sessions.executeOnKey(session.nodeId(), new SessionOps.Release(session.sessionId()))) {
            LOG.info("released node '{}' session {}", session.nodeId(), session.sessionId());
        }
    }

    /** Sessions neither dead nor expired (by the clocks of the members holding them), sorted by node id. */
    public List<NodeSession> liveSessions() {
        Checks.requireBlockingAllowed("liveSessions");
        return sessions.values(new SessionOps.LiveSessions()).stream()
                .sorted(Comparator.comparing(NodeSession::nodeId))
                .toList();
    }

    /**
     * Declares the session dead if it is due: returns true if it is absent (once the absent-session
     * grace has passed since the session map started), replaced by a newer session, dead, or expired
     * (and then marks it dead); false while it is live. Once true, always true: a session declared
     * dead is never renewed.
     */
    public boolean expireIfDue(String nodeId, long sessionId) {
        Checks.requireBlockingAllowed("expireIfDue");
        Checks.requireNonEmpty(nodeId, "node id");
        if (!sessions.containsKey(nodeId) && !since.executeOnKey(SESSIONS_SINCE, new SinceOps.Passed(absentSessionGraceMs))) {
            LOG.debug("session {} of node '{}' is absent, within {} ms of the session map's start: not due",
                    sessionId, nodeId, absentSessionGraceMs);
            return false;
        }
        boolean due = sessions.executeOnKey(nodeId, new SessionOps.ExpireIfDue(sessionId));
        LOG.debug("session {} of node '{}' due: {}", sessionId, nodeId, due);
        return due;
    }

    // ---------------------------------------------------------------------------------- leases

    /**
     * Acquires the lease of {@code partitionKey} for {@code me}, which must be a live session:
     * <ul>
     *   <li>no lease yet: granted at epoch 1; released: granted at the next epoch;</li>
     *   <li>held by {@code me}: returned as it is ({@code fresh == false}, same epoch);</li>
     *   <li>held by another session, including an older one of my own node: taken over at the next
     *       epoch only once {@link #expireIfDue} declared that session dead, otherwise {@link LeaseResult.HeldBy}.</li>
     * </ul>
     * Of concurrent acquires of one key exactly one gets a fresh lease per epoch; epochs of a key
     * never repeat or go back.
     */
    public LeaseResult acquire(String partitionKey, NodeSession me) {
        Checks.requireBlockingAllowed("acquire");
        Checks.requireNonEmpty(partitionKey, "partition key");
        Objects.requireNonNull(me, "session");
        LeaseOps.Acquire acquire = new LeaseOps.Acquire(partitionKey, me.nodeId(), me.sessionId());
        LeaseResult.HeldBy held = null;
        for (int attempt = 0; attempt < TAKE_OVER_ATTEMPTS; attempt++) {
            LeaseResult result = leases.executeOnKey(partitionKey, acquire);
            if (result instanceof LeaseResult.Acquired) {
                return result;
            }
            held = (LeaseResult.HeldBy) result;
            Lease observed = held.current();
            // Read the holder's session outside the lease processor: an entry processor must not
            // touch another map. The take-over below is a compare-and-set on the observed lease.
            if (!expireIfDue(observed.ownerNodeId(), observed.ownerSessionId())) {
                return held;
            }
            Lease after = leases.executeOnKey(partitionKey, new LeaseOps.TakeOver(observed, me.nodeId(), me.sessionId()));
            if (after != null && after.isHeldBy(me) && after.epoch() == observed.epoch() + 1) {
                LOG.info("node '{}' took over lease '{}' at epoch {} from node '{}' session {}, declared dead",
                        me.nodeId(), partitionKey, after.epoch(), observed.ownerNodeId(), observed.ownerSessionId());
                return new LeaseResult.Acquired(after, true);
            }
            // Someone else changed the lease between the two steps: look again.
        }
        return held;
    }

    /** Releases the lease (no owner, same epoch) if {@code me} holds it; returns whether it did. */
    public boolean release(String partitionKey, NodeSession me) {
        Checks.requireBlockingAllowed("release");
        Checks.requireNonEmpty(partitionKey, "partition key");
        Objects.requireNonNull(me, "session");
        return leases.executeOnKey(partitionKey, new LeaseOps.Release(me.nodeId(), me.sessionId()));
    }

    /** The leases of those keys that have one. */
    public Map<String, Lease> leases(Set<String> partitionKeys) {
        Checks.requireBlockingAllowed("leases");
        Objects.requireNonNull(partitionKeys, "partition keys");
        if (partitionKeys.isEmpty()) {
            return Map.of();
        }
        return Map.copyOf(leases.getAll(partitionKeys));
    }

    /** The leases held by any session of {@code nodeId}, sorted by partition key. */
    public List<Lease> leasesOf(String nodeId) {
        Checks.requireBlockingAllowed("leasesOf");
        Checks.requireNonEmpty(nodeId, "node id");
        return leases.values(new LeaseOps.OwnedBy(nodeId)).stream()
                .sorted(Comparator.comparing(Lease::partitionKey))
                .toList();
    }

    // ----------------------------------------------------------------------------- producer ids

    /**
     * A producer id never handed out before, by any store in the cluster, including stores of
     * earlier lives of any node. Ids come from blocks of {@value #PRODUCER_ID_BLOCK} reserved from
     * the cluster; only every {@value #PRODUCER_ID_BLOCK}th call makes a remote call.
     */
    public long nextProducerId() {
        synchronized (producerIdLock) {
            if (nextProducerId == producerIdEnd) {
                Checks.requireBlockingAllowed("nextProducerId");
                nextProducerId = reserve(PRODUCER_ID_COUNTER, PRODUCER_ID_BLOCK);
                producerIdEnd = nextProducerId + PRODUCER_ID_BLOCK;
                LOG.debug("reserved producer ids [{}, {})", nextProducerId, producerIdEnd);
            }
            return nextProducerId++;
        }
    }

    /**
     * Makes sure no id at or below {@code seen} is handed out from now on, by this store or any
     * other: a partition found it in its log (written before the cluster's maps were lost, or by
     * a producer whose id block this store never saw). The cluster counter is raised past it and a
     * block of ours that holds ids at or below it is dropped.
     */
    public void producerIdsAbove(long seen) {
        if (seen < 0) {
            return;
        }
        Checks.requireBlockingAllowed("producerIdsAbove");
        synchronized (producerIdLock) {
            if (seen < nextProducerId) {
                return; // our block starts above it, so the cluster counter is past it already: no remote call
            }
            counters.executeOnKey(PRODUCER_ID_COUNTER, new io.rafka.supernode.internal.CounterAtLeast(Math.addExact(seen, 1)));
            nextProducerId = producerIdEnd; // drop the rest of our block: the next call reserves one above seen
        }
    }

    // ------------------------------------------------------------------------- committed offsets

    /**
     * Commits offsets of one group atomically: all of them or, if one is refused, none. The stored
     * {@link CommittedOffset#commitTime()} is the storing member's clock.
     *
     * @param allowRewind whether an offset may be set below the committed one
     * @throws OffsetRewindException    if an offset is below the committed one and rewinding is not allowed
     * @throws IllegalArgumentException if a partition appears twice
     */
    public void commit(String group, List<CommittedOffset> commits, boolean allowRewind) {
        Checks.requireBlockingAllowed("commit");
        Checks.requireNonEmpty(group, "group id");
        requireDistinct(group, commits);
        if (commits.isEmpty()) {
            return;
        }
        OffsetOps.CommitOutcome outcome = offsets.executeOnKey(group, new OffsetOps.Commit(commits, allowRewind));
        if (outcome instanceof OffsetOps.Rewound rewound) {
            CommittedOffset attempted = rewound.attempted();
            throw new OffsetRewindException(group, attempted.topic(), attempted.partition(), attempted.offset(),
                    rewound.committedOffset());
        }
    }

    /** The group's committed offsets, sorted by topic and partition; empty for an unknown group. */
    public List<CommittedOffset> committed(String group) {
        Checks.requireBlockingAllowed("committed");
        Checks.requireNonEmpty(group, "group id");
        GroupOffsets stored = offsets.get(group);
        return stored == null ? List.of() : stored.offsets();
    }

    public Optional<CommittedOffset> committed(String group, String topic, int partition) {
        Checks.requireNonEmpty(topic, "topic name");
        return committed(group).stream()
                .filter(o -> o.topic().equals(topic) && o.partition() == partition)
                .findFirst();
    }

    // ------------------------------------------------------------------------- consumer groups

    /**
     * Joins (or, with a non-empty {@code memberId}, rejoins) a consumer group; see {@link
     * ConsumerGroup#join}. The partitions the returned membership assigns are fenced in the offsets
     * map before this returns, so a commit of their previous holder that was checked before the grant
     * but lands after it is refused.
     *
     * @param newMemberId the id a new member gets (random, chosen by the caller)
     * @throws GroupException UNKNOWN_MEMBER when {@code memberId} is not in the group
     */
    public Membership joinGroup(String group, String memberId, String newMemberId, String clientId, List<String> topics,
                                Map<String, Integer> partitionCounts, int sessionTimeoutMs) {
        Checks.requireBlockingAllowed("joinGroup");
        Checks.requireNonEmpty(group, "group id");
        Membership membership = groups.executeOnKey(group, new GroupOps.Join(group, memberId, newMemberId, clientId, topics,
                partitionCounts, sessionTimeoutMs)).get();
        fence(group, membership, -1);
        return membership;
    }

    /**
     * A member's heartbeat; see {@link ConsumerGroup#heartbeat}. Partitions granted after {@code
     * generation} (news to the member) are fenced before this returns.
     *
     * @throws GroupException UNKNOWN_MEMBER or STALE_GENERATION
     */
    public Membership heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked) {
        Checks.requireBlockingAllowed("heartbeat");
        Checks.requireNonEmpty(group, "group id");
        Membership membership = groups.executeOnKey(group, new GroupOps.Heartbeat(group, memberId, generation, revoked)).get();
        fence(group, membership, generation);
        return membership;
    }

    /** Removes a member at once. @throws GroupException UNKNOWN_MEMBER */
    public void leaveGroup(String group, String memberId) {
        Checks.requireBlockingAllowed("leaveGroup");
        Checks.requireNonEmpty(group, "group id");
        groups.executeOnKey(group, new GroupOps.Leave(group, memberId)).get();
        LOG.debug("member '{}' left group '{}'", memberId, group);
    }

    /** The group's membership after expiring timed-out members; empty when the group never had one. */
    public Optional<GroupDescription> describeGroup(String group) {
        Checks.requireBlockingAllowed("describeGroup");
        Checks.requireNonEmpty(group, "group id");
        return Optional.ofNullable(groups.executeOnKey(group, new GroupOps.Describe(group)).get());
    }

    /**
     * Commits offsets as a group member: all or none, only if {@code generation} is the group's
     * current one and the member holds every partition (checked on the groups map), and only if no
     * partition was granted anew after {@code generation} (checked on the offsets map in the step that
     * stores the commit, so a grant between the two steps cannot let a stale commit through).
     *
     * @throws GroupException        UNKNOWN_MEMBER, STALE_GENERATION or NOT_OWNER
     * @throws OffsetRewindException if an offset is below the committed one and rewinding is not allowed
     */
    public void commitAsMember(String group, String memberId, int generation, List<CommittedOffset> commits,
                               boolean allowRewind) {
        Checks.requireBlockingAllowed("commitAsMember");
        Checks.requireNonEmpty(group, "group id");
        Checks.requireNonEmpty(memberId, "member id");
        if (generation < 0) {
            throw new IllegalArgumentException("a member's commit needs a generation >= 0, got " + generation);
        }
        requireDistinct(group, commits);
        if (commits.isEmpty()) {
            return;
        }
        List<GroupPartition> partitions = commits.stream().map(c -> new GroupPartition(c.topic(), c.partition())).toList();
        groups.executeOnKey(group, new GroupOps.CheckCommit(group, memberId, generation, partitions)).get();
        OffsetOps.CommitOutcome outcome = offsets.executeOnKey(group, new OffsetOps.Commit(commits, allowRewind, generation));
        if (outcome instanceof OffsetOps.Fenced fenced) {
            CommittedOffset attempted = fenced.attempted();
            throw new GroupException(GroupException.Reason.STALE_GENERATION, "commit of member '" + memberId + "' in group '"
                    + group + "' carries generation " + generation + ", but " + attempted.topic() + "/" + attempted.partition()
                    + " was granted to a member in generation " + fenced.fence() + " meanwhile");
        }
        if (outcome instanceof OffsetOps.Rewound rewound) {
            CommittedOffset attempted = rewound.attempted();
            throw new OffsetRewindException(group, attempted.topic(), attempted.partition(), attempted.offset(),
                    rewound.committedOffset());
        }
    }

    /**
     * Removes timed-out members of the groups whose entries this member holds (a supernode's share of
     * the periodic sweep; a lite member holds none), so their partitions move even when nobody calls.
     *
     * @return the groups where a member was removed
     */
    public List<String> expireGroups() {
        Checks.requireBlockingAllowed("expireGroups");
        List<String> expired = new ArrayList<>();
        for (String group : groups.localKeySet(new GroupOps.Due())) {
            if (groups.executeOnKey(group, new GroupOps.Expire(group)).get()) {
                expired.add(group);
            }
        }
        return expired;
    }

    /** Raises the offsets fences of partitions the membership shows granted after {@code knownGeneration}. */
    private void fence(String group, Membership membership, int knownGeneration) {
        Map<String, Integer> grants = new HashMap<>();
        for (Membership.Assigned a : membership.assignment()) {
            if (a.since() > knownGeneration) {
                grants.put(a.partition().topic() + "/" + a.partition().partition(), a.since());
            }
        }
        if (!grants.isEmpty()) {
            offsets.executeOnKey(group, new OffsetOps.Fence(grants));
        }
    }

    // --------------------------------------------------------------------------------- internals

    private static void requireDistinct(String group, List<CommittedOffset> commits) {
        Objects.requireNonNull(commits, "commits");
        Set<String> partitions = new HashSet<>();
        for (CommittedOffset commit : commits) {
            Objects.requireNonNull(commit, () -> "a commit of group '" + group + "' is null");
            if (!partitions.add(commit.topic() + "/" + commit.partition())) {
                throw new IllegalArgumentException("partition " + commit.topic() + "/" + commit.partition()
                        + " appears more than once in one commit of group '" + group + "'");
            }
        }
    }

    private long reserve(String counter, long count) {
        return counters.executeOnKey(counter, new Counter(count));
    }

    private long newSessionId() {
        long id;
        do {
            id = sessionIds.nextLong();
        } while (id == 0); // 0 means "no session" in a released lease
        return id;
    }

    private static void pause(long nanos, String waitingFor) {
        LockSupport.parkNanos(nanos);
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("interrupted while waiting for " + waitingFor);
        }
    }
}
