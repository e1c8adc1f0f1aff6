package io.rafka.node.group;

import io.rafka.node.partition.LocalMetadata;
import io.rafka.node.partition.Metadata;
import io.rafka.supernode.ConsumerGroup;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupException;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Group state of a standalone node, in memory (members rejoin after a restart; committed offsets are
 * in {@link Metadata} and survive it). Each group's calls are serialised on the group's state object;
 * a member's commit checks the membership and stores the offsets under that same lock, so no
 * partition can change hands between the check and the write.
 */
public final class LocalGroupStore implements GroupStore {
    private final Metadata metadata;
    private final LongSupplier clock;
    private final Map<String, ConsumerGroup> groups = new ConcurrentHashMap<>();

    /** @param clock wall-clock milliseconds */
    public LocalGroupStore(Metadata metadata, LongSupplier clock) {
        this.metadata = metadata;
        this.clock = clock;
    }

    @Override
    public Membership join(String group, String memberId, String newMemberId, String clientId, List<String> topics,
                           Map<String, Integer> partitionCounts, int sessionTimeoutMs) {
        ConsumerGroup state = groups.computeIfAbsent(group, ConsumerGroup::new);
        synchronized (state) {
            return state.join(memberId, newMemberId, clientId, topics, partitionCounts, sessionTimeoutMs, clock.getAsLong());
        }
    }

    @Override
    public Membership heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked) {
        ConsumerGroup state = existing(group, memberId);
        synchronized (state) {
            return state.heartbeat(memberId, generation, revoked, clock.getAsLong());
        }
    }

    @Override
    public void leave(String group, String memberId) {
        ConsumerGroup state = existing(group, memberId);
        synchronized (state) {
            state.leave(memberId, clock.getAsLong());
        }
    }

    @Override
    public Optional<GroupDescription> describe(String group) {
        ConsumerGroup state = groups.get(group);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(state.describe(clock.getAsLong()));
        }
    }

    @Override
    public void commit(String group, String memberId, int generation, List<LocalMetadata.CommittedOffset> commits,
                       boolean allowRewind) {
        ConsumerGroup state = existing(group, memberId);
        List<GroupPartition> partitions = commits.stream().map(c -> new GroupPartition(c.topic(), c.partition())).toList();
        synchronized (state) {
            state.checkCommit(memberId, generation, partitions, clock.getAsLong());
            metadata.commit(group, commits, allowRewind);
        }
    }

    @Override
    public List<String> expireDue() {
        List<String> expired = new ArrayList<>();
        long now = clock.getAsLong();
        groups.forEach((name, state) -> {
            synchronized (state) {
                if (state.expire(now)) {
                    expired.add(name);
                }
            }
        });
        return expired;
    }

    /** The stored state without expiring anyone (for tests: what the sweep alone did). */
    public Optional<GroupDescription> peek(String group) {
        ConsumerGroup state = groups.get(group);
        if (state == null) {
            return Optional.empty();
        }
        synchronized (state) {
            return Optional.of(state.describe());
        }
    }

    private ConsumerGroup existing(String group, String memberId) {
        ConsumerGroup state = groups.get(group);
        if (state == null) {
            throw new GroupException(GroupException.Reason.UNKNOWN_MEMBER, "member '" + memberId + "' is not in group '"
                    + group + "' (the group has no members); join again with an empty member id");
        }
        return state;
    }
}
