package io.rafka.node.group;

import io.rafka.node.partition.LocalMetadata;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where consumer-group state lives: in this node's memory (standalone) or in the supernodes' maps
 * (cluster mode). Both run the same state machine, {@link io.rafka.supernode.ConsumerGroup}, one call
 * at a time per group, and evaluate session expiry at every call.
 *
 * <p>Every method may block (a lock, file I/O or the network): call it on a worker. Refusals are
 * {@link io.rafka.supernode.GroupException}s, mapped to statuses by {@link GroupCoordinator}.
 */
public interface GroupStore {

    /** See {@link io.rafka.supernode.ConsumerGroup#join}. */
    Membership join(String group, String memberId, String newMemberId, String clientId, List<String> topics,
                    Map<String, Integer> partitionCounts, int sessionTimeoutMs);

    /** See {@link io.rafka.supernode.ConsumerGroup#heartbeat}. */
    Membership heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked);

    void leave(String group, String memberId);

    /** After expiring timed-out members; empty when the group never had a member. */
    Optional<GroupDescription> describe(String group);

    /**
     * Commits a member's offsets, all or none, only while {@code generation} is current and the
     * member holds every partition; atomic with respect to partitions changing hands.
     */
    void commit(String group, String memberId, int generation, List<LocalMetadata.CommittedOffset> commits,
                boolean allowRewind);

    /** The periodic sweep: removes timed-out members of the groups this node looks after; returns those groups. */
    List<String> expireDue();
}
