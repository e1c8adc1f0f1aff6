package io.rafka.supernode;

import java.io.Serializable;
import java.util.List;

/**
 * What a member learns from a join or a heartbeat.
 *
 * @param assignment          the partitions the member holds and keeps, each with the generation it
 *                            was granted in
 * @param revoke              partitions the member still holds but must release (commit, stop, report)
 * @param heartbeatIntervalMs when to heartbeat next
 */
public record Membership(String memberId, int generation, List<Assigned> assignment, List<GroupPartition> revoke,
                         int heartbeatIntervalMs) implements Serializable {

    public Membership {
        assignment = List.copyOf(assignment);
        revoke = List.copyOf(revoke);
    }

    /** A partition the member holds, granted to it in generation {@code since}. */
    public record Assigned(GroupPartition partition, int since) implements Serializable {
    }

    public List<GroupPartition> partitions() {
        return assignment.stream().map(Assigned::partition).toList();
    }
}
