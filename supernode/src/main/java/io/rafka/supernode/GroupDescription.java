package io.rafka.supernode;

import java.io.Serializable;
import java.util.List;

/** A consumer group's membership at one moment, members ordered by id. */
public record GroupDescription(String group, int generation, State state, List<Member> members) implements Serializable {

    public GroupDescription {
        members = List.copyOf(members);
    }

    /** Whether partitions are moving. */
    public enum State {
        /** No members. */
        EMPTY,
        /** Every member holds exactly its target partitions. */
        STABLE,
        /** Some partition is being revoked or waits to be granted. */
        REBALANCING
    }

    /**
     * One member.
     *
     * @param assignment partitions it holds and keeps
     * @param revoking   partitions it still holds but was asked to release
     * @param pending    partitions its target gives it that another member has not released yet
     */
    public record Member(String memberId, String clientId, List<String> topics, int sessionTimeoutMs,
                         List<GroupPartition> assignment, List<GroupPartition> revoking, List<GroupPartition> pending)
            implements Serializable {
        public Member {
            topics = List.copyOf(topics);
            assignment = List.copyOf(assignment);
            revoking = List.copyOf(revoking);
            pending = List.copyOf(pending);
        }
    }
}
