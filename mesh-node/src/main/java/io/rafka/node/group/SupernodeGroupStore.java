package io.rafka.node.group;

import io.rafka.node.partition.BrokerException;
import io.rafka.node.partition.LocalMetadata;
import io.rafka.supernode.CommittedOffset;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;
import io.rafka.supernode.OffsetRewindException;
import io.rafka.supernode.SupernodeStore;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Group state of a cluster node: the supernodes' {@code rafka.groups} map, so every node serves every
 * group and a member may call any node. The periodic sweep covers the groups whose entries this node
 * holds as a supernode (a lite node holds none), so every group is swept by exactly one node.
 */
public final class SupernodeGroupStore implements GroupStore {
    private final SupernodeStore store;

    public SupernodeGroupStore(SupernodeStore store) {
        this.store = store;
    }

    @Override
    public Membership join(String group, String memberId, String newMemberId, String clientId, List<String> topics,
                           Map<String, Integer> partitionCounts, int sessionTimeoutMs) {
        return store.joinGroup(group, memberId, newMemberId, clientId, topics, partitionCounts, sessionTimeoutMs);
    }

    @Override
    public Membership heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked) {
        return store.heartbeat(group, memberId, generation, revoked);
    }

    @Override
    public void leave(String group, String memberId) {
        store.leaveGroup(group, memberId);
    }

    @Override
    public Optional<GroupDescription> describe(String group) {
        return store.describeGroup(group);
    }

    @Override
    public void commit(String group, String memberId, int generation, List<LocalMetadata.CommittedOffset> commits,
                       boolean allowRewind) {
        try {
            store.commitAsMember(group, memberId, generation, commits.stream().map(c -> new CommittedOffset(c.topic(),
                    c.partition(), c.offset(), c.metadata(), c.commitTime())).toList(), allowRewind);
        } catch (OffsetRewindException e) {
            throw new BrokerException(BrokerException.Reason.FAILED_PRECONDITION, e.getMessage());
        }
    }

    @Override
    public List<String> expireDue() {
        return store.expireGroups();
    }
}
