package io.rafka.supernode.internal;

import com.hazelcast.query.Predicate;
import io.rafka.supernode.ConsumerGroup;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupException;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * The groups map: one {@link ConsumerGroup} per group id, changed only by these processors, so every
 * call on a group (with the expiry it evaluates first) is one atomic step on the member owning the
 * entry. A processor stores the state whenever it changed, also when the call is refused (an expired
 * member removed on the way stays removed).
 */
public final class GroupOps {
    private GroupOps() {
    }

    /** A call's result, or the refusal the state machine raised. */
    public record Outcome<R extends Serializable>(R value, GroupException refused) implements Serializable {
        /** The value, or the refusal thrown. */
        public R get() {
            if (refused != null) {
                throw new GroupException(refused.reason(), refused.getMessage());
            }
            return value;
        }
    }

    /** One call on one group's state machine; the backups receive the resulting state. */
    public abstract static class Call<R extends Serializable> extends Mutation<ConsumerGroup, Outcome<R>> {
        private static final long serialVersionUID = 1L;
        private final String group;

        Call(String group) {
            this.group = group;
        }

        /** Runs the call; may throw {@link GroupException}. */
        abstract R run(ConsumerGroup state, long nowMs);

        @Override
        protected final Step<ConsumerGroup, Outcome<R>> apply(ConsumerGroup current, long nowMs) {
            ConsumerGroup state = current != null ? current : new ConsumerGroup(group);
            long before = current != null ? current.version() : 0;
            Outcome<R> outcome;
            try {
                outcome = new Outcome<>(run(state, nowMs), null);
            } catch (GroupException e) {
                outcome = new Outcome<>(null, e);
            }
            return state.version() != before ? write(state, outcome) : keep(outcome);
        }
    }

    public static final class Join extends Call<Membership> {
        private static final long serialVersionUID = 1L;
        private final String memberId;
        private final String newMemberId;
        private final String clientId;
        private final List<String> topics;
        private final Map<String, Integer> partitionCounts;
        private final int sessionTimeoutMs;

        public Join(String group, String memberId, String newMemberId, String clientId, List<String> topics,
                    Map<String, Integer> partitionCounts, int sessionTimeoutMs) {
            super(group);
            this.memberId = memberId;
            this.newMemberId = newMemberId;
            this.clientId = clientId;
            this.topics = List.copyOf(topics);
            this.partitionCounts = Map.copyOf(partitionCounts);
            this.sessionTimeoutMs = sessionTimeoutMs;
        }

        @Override
        Membership run(ConsumerGroup state, long nowMs) {
            return state.join(memberId, newMemberId, clientId, topics, partitionCounts, sessionTimeoutMs, nowMs);
        }
    }

    public static final class Heartbeat extends Call<Membership> {
        private static final long serialVersionUID = 1L;
        private final String memberId;
        private final int generation;
        private final List<GroupPartition> revoked;

        public Heartbeat(String group, String memberId, int generation, List<GroupPartition> revoked) {
            super(group);
            this.memberId = memberId;
            this.generation = generation;
            this.revoked = List.copyOf(revoked);
        }

        @Override
        Membership run(ConsumerGroup state, long nowMs) {
            return state.heartbeat(memberId, generation, revoked, nowMs);
        }
    }

    public static final class Leave extends Call<Boolean> {
        private static final long serialVersionUID = 1L;
        private final String memberId;

        public Leave(String group, String memberId) {
            super(group);
            this.memberId = memberId;
        }

        @Override
        Boolean run(ConsumerGroup state, long nowMs) {
            state.leave(memberId, nowMs);
            return Boolean.TRUE;
        }
    }

    public static final class CheckCommit extends Call<Boolean> {
        private static final long serialVersionUID = 1L;
        private final String memberId;
        private final int generation;
        private final List<GroupPartition> partitions;

        public CheckCommit(String group, String memberId, int generation, List<GroupPartition> partitions) {
            super(group);
            this.memberId = memberId;
            this.generation = generation;
            this.partitions = List.copyOf(partitions);
        }

        @Override
        Boolean run(ConsumerGroup state, long nowMs) {
            state.checkCommit(memberId, generation, partitions, nowMs);
            return Boolean.TRUE;
        }
    }

    /** The description after expiry; {@code null} value for a group that has no state. */
    public static final class Describe extends Call<GroupDescription> {
        private static final long serialVersionUID = 1L;

        public Describe(String group) {
            super(group);
        }

        @Override
        GroupDescription run(ConsumerGroup state, long nowMs) {
            GroupDescription d = state.describe(nowMs);
            return state.version() == 0 && state.generation() == 0 ? null : d;
        }
    }

    /** Removes timed-out members (the periodic sweep); true when one was removed. */
    public static final class Expire extends Call<Boolean> {
        private static final long serialVersionUID = 1L;

        public Expire(String group) {
            super(group);
        }

        @Override
        Boolean run(ConsumerGroup state, long nowMs) {
            return state.expire(nowMs);
        }
    }

    /** Groups with a member whose session has timed out, by the clock of the member evaluating it. */
    public static final class Due implements Predicate<String, ConsumerGroup> {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean apply(Map.Entry<String, ConsumerGroup> entry) {
            ConsumerGroup state = entry.getValue();
            return state != null && state.hasExpired(System.currentTimeMillis());
        }
    }
}
