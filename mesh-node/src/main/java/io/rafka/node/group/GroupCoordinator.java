package io.rafka.node.group;

import io.rafka.node.partition.BrokerException;
import io.rafka.node.partition.LocalMetadata;
import io.rafka.node.partition.Names;
import io.rafka.node.partition.Topic;
import io.rafka.supernode.ConsumerGroup;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupException;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's side of the Groups service: checks every input (naming the value and the limit), looks
 * up the topics a member consumes, hands out member ids, and maps the state machine's refusals onto
 * broker errors: an unknown member is NOT_FOUND (ABORTED for a commit), a stale generation and a
 * commit of a partition the member does not hold are ABORTED.
 *
 * <p>Every method blocks on its {@link GroupStore}: call it on a worker, never an event loop.
 */
public final class GroupCoordinator {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinator.class);
    /** Session timeout of a member that asks for none (0). */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 10_000;
    public static final int MAX_CLIENT_ID_LENGTH = 255;
    public static final int MAX_MEMBER_ID_LENGTH = 255;

    private final GroupStore store;
    private final Function<String, Optional<Topic>> topics;
    private final Function<String, List<LocalMetadata.CommittedOffset>> committed;
    private final RandomGenerator random;

    /**
     * @param topics    a topic by name as the node knows it (in cluster mode asking the supernodes for
     *                  one it has not seen yet); may block
     * @param committed a group's committed offsets; may block
     * @param random    source of member ids
     */
    public GroupCoordinator(GroupStore store, Function<String, Optional<Topic>> topics,
                            Function<String, List<LocalMetadata.CommittedOffset>> committed, RandomGenerator random) {
        this.store = store;
        this.topics = topics;
        this.committed = committed;
        this.random = random;
    }

    public GroupStore store() {
        return store;
    }

    /** Joins, or rejoins with a non-empty {@code memberId}. */
    public Membership join(String group, String memberId, List<String> topicNames, int sessionTimeoutMs, String clientId) {
        Names.checkGroup(group);
        checkMemberIdLength(memberId);
        if (topicNames.isEmpty()) {
            throw BrokerException.invalid("a member of group '" + group + "' must consume at least one topic; topics is empty");
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String name : new TreeSet<>(topicNames)) {
            Names.checkTopic(name);
            Topic topic = topics.apply(name).orElseThrow(() -> BrokerException.notFound("topic '" + name + "' does not exist"));
            counts.put(name, topic.partitions());
        }
        int timeout = sessionTimeoutMs == 0 ? DEFAULT_SESSION_TIMEOUT_MS : sessionTimeoutMs;
        if (timeout < ConsumerGroup.MIN_SESSION_TIMEOUT_MS || timeout > ConsumerGroup.MAX_SESSION_TIMEOUT_MS) {
            throw BrokerException.invalid("session_timeout_ms " + sessionTimeoutMs + " is outside "
                    + ConsumerGroup.MIN_SESSION_TIMEOUT_MS + ".." + ConsumerGroup.MAX_SESSION_TIMEOUT_MS + " ms");
        }
        if (clientId.length() > MAX_CLIENT_ID_LENGTH) {
            throw BrokerException.invalid("client_id is " + clientId.length() + " characters long, the limit is "
                    + MAX_CLIENT_ID_LENGTH);
        }
        String newMemberId = "m-" + HexFormat.of().toHexDigits(random.nextLong());
        try {
            Membership m = store.join(group, memberId, newMemberId, clientId, List.copyOf(counts.keySet()), counts, timeout);
            if (memberId.isEmpty()) {
                LOG.info("member '{}' ({}) joined group '{}' for {}: generation {}, {} partitions", m.memberId(), clientId,
                        group, counts.keySet(), m.generation(), m.assignment().size());
            }
            return m;
        } catch (GroupException e) {
            throw membershipError(e);
        }
    }

    public Membership heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked) {
        Names.checkGroup(group);
        requireMemberId(memberId);
        if (generation < 0) {
            throw BrokerException.invalid("generation must be >= 0, was " + generation);
        }
        revoked.forEach(p -> Names.checkTopic(p.topic()));
        try {
            return store.heartbeat(group, memberId, generation, revoked);
        } catch (GroupException e) {
            throw membershipError(e);
        }
    }

    public void leave(String group, String memberId) {
        Names.checkGroup(group);
        requireMemberId(memberId);
        try {
            store.leave(group, memberId);
            LOG.info("member '{}' left group '{}'", memberId, group);
        } catch (GroupException e) {
            throw membershipError(e);
        }
    }

    /** NOT_FOUND when the group has no members and no committed offsets. */
    public GroupDescription describe(String group) {
        Names.checkGroup(group);
        Optional<GroupDescription> d = store.describe(group);
        if (d.map(x -> x.members().isEmpty()).orElse(true) && committed.apply(group).isEmpty()) {
            throw BrokerException.notFound("group '" + group + "' does not exist: it has no members and no committed offsets");
        }
        return d.orElse(new GroupDescription(group, 0, GroupDescription.State.EMPTY, List.of()));
    }

    /** A member's commit; every refusal of the membership is ABORTED. */
    public void commit(String group, String memberId, int generation, List<LocalMetadata.CommittedOffset> commits,
                       boolean allowRewind) {
        requireMemberId(memberId);
        try {
            store.commit(group, memberId, generation, commits, allowRewind);
        } catch (GroupException e) {
            throw new BrokerException(BrokerException.Reason.ABORTED, e.getMessage());
        }
    }

    /** The periodic sweep; never throws. */
    public void sweep() {
        try {
            for (String group : store.expireDue()) {
                LOG.info("group '{}': a member's session expired; its partitions move to the other members", group);
            }
        } catch (RuntimeException e) {
            LOG.warn("sweeping consumer groups failed: {}", e.toString());
        }
    }

    private static BrokerException membershipError(GroupException e) {
        return switch (e.reason()) {
            case UNKNOWN_MEMBER -> BrokerException.notFound(e.getMessage());
            case STALE_GENERATION, NOT_OWNER -> new BrokerException(BrokerException.Reason.ABORTED, e.getMessage());
        };
    }

    private static void requireMemberId(String memberId) {
        if (memberId.isEmpty()) {
            throw BrokerException.invalid("member_id must not be empty: it is the id JoinGroup returned");
        }
        checkMemberIdLength(memberId);
    }

    private static void checkMemberIdLength(String memberId) {
        if (memberId.length() > MAX_MEMBER_ID_LENGTH) {
            throw BrokerException.invalid("member_id is " + memberId.length() + " characters long, the limit is "
                    + MAX_MEMBER_ID_LENGTH);
        }
    }
}
