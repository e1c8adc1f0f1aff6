package io.rafka.supernode;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One consumer group's membership and partition assignment, as a pure state machine: no I/O, no
 * clock (every call is given {@code nowMs}), no randomness (new member ids are given by the caller).
 * The same class runs inside a supernode entry processor (cluster mode) and under a lock on a
 * standalone node.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>No double assignment.</b> A partition is held by at most one member at any time, so by
 *   at most one member in any generation: a partition leaving member A is first put on A's revoke
 *   list, stays A's until A reports it released (a heartbeat's {@code revoked}), leaves, or its
 *   session expires, and only then is granted to its new member.</li>
 *   <li><b>Balance.</b> For every topic, the members subscribed to it get target counts that differ
 *   by at most one.</li>
 *   <li><b>Stickiness.</b> A membership change moves only the partitions that must move to restore
 *   balance: every member keeps as many of its partitions as its new quota allows.</li>
 *   <li><b>Generations.</b> The generation grows by one whenever any member's assignment or revoke
 *   list changes, never otherwise, and never goes back.</li>
 *   <li><b>Expiry.</b> Every call first removes members whose session timed out (lazily); {@link
 *   #expire} does the same for a periodic sweep.</li>
 * </ul>
 *
 * <p>Not thread-safe: the caller serialises calls (one entry processor at a time per key, or a lock).
 * A call that throws {@link GroupException} may still have changed the state (expired members), so
 * callers keep the state whatever the outcome ({@link #version()} tells whether it changed).
 */
public final class ConsumerGroup implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    public static final int MIN_SESSION_TIMEOUT_MS = 6_000;
    public static final int MAX_SESSION_TIMEOUT_MS = 300_000;
    /** Heartbeat interval of a stable group: a third of the session timeout, at most this. */
    public static final int MAX_HEARTBEAT_INTERVAL_MS = 3_000;
    /** Heartbeat interval while partitions move, so a released partition reaches its new member quickly. */
    public static final int REBALANCE_HEARTBEAT_INTERVAL_MS = 200;

    private final String name;
    private int generation;
    private long version;
    private final TreeMap<String, Member> members = new TreeMap<>();
    private final TreeMap<String, Integer> partitionCounts = new TreeMap<>();

    private static final class Member implements Serializable {
        @Serial
        private static final long serialVersionUID = 1L;
        final String id;
        String clientId;
        List<String> topics;
        int sessionTimeoutMs;
        long lastSeenMs;
        /** Highest generation the member has shown it knows (joined in or heartbeated with). */
        int seenGeneration;
        /** Partitions the member holds, each with the generation it was granted in. */
        final TreeMap<GroupPartition, Integer> owned = new TreeMap<>();
        /** Partitions the balanced assignment gives the member. */
        TreeSet<GroupPartition> target = new TreeSet<>();

        Member(String id) {
            this.id = id;
        }

        boolean expired(long nowMs) {
            return nowMs - lastSeenMs > sessionTimeoutMs;
        }

        List<GroupPartition> keeps() {
            return owned.keySet().stream().filter(target::contains).toList();
        }

        List<GroupPartition> revoking() {
            return owned.keySet().stream().filter(p -> !target.contains(p)).toList();
        }

        List<GroupPartition> pending() {
            return target.stream().filter(p -> !owned.containsKey(p)).toList();
        }
    }

    /** What a member sees: the generation bumps exactly when one of these changes. */
    private record View(List<GroupPartition> keeps, List<GroupPartition> revoking) {
    }

    public ConsumerGroup(String name) {
        this.name = Checks.requireNonEmpty(name, "group id");
    }

    public String name() {
        return name;
    }

    public int generation() {
        return generation;
    }

    /** Grows on every change of the state, including heartbeat times: whether a call changed anything. */
    public long version() {
        return version;
    }

    public boolean isEmpty() {
        return members.isEmpty();
    }

    /**
     * Adds a member, or updates one that rejoins, and rebalances.
     *
     * @param memberId         empty for a new member; the id of an existing member to rejoin
     * @param newMemberId      the id a new member gets (random, chosen by the caller); if a member with
     *                         this id exists already, this is a retry of the same join and it is returned
     * @param topics           topics the member consumes, each with its count in {@code partitionCounts}
     * @param partitionCounts  partition counts of (at least) those topics, as known now
     * @throws GroupException UNKNOWN_MEMBER when {@code memberId} is not in the group
     */
    public Membership join(String memberId, String newMemberId, String clientId, Collection<String> topics,
                           Map<String, Integer> partitionCounts, int sessionTimeoutMs, long nowMs) {
        Objects.requireNonNull(memberId, "member id");
        Objects.requireNonNull(clientId, "client id");
        Objects.requireNonNull(partitionCounts, "partition counts");
        List<String> subscribed = new TreeSet<>(Objects.requireNonNull(topics, "topics")).stream().toList();
        if (subscribed.isEmpty()) {
            throw new IllegalArgumentException("a member of group '" + name + "' must consume at least one topic");
        }
        for (String topic : subscribed) {
            Integer count = partitionCounts.get(topic);
            if (count == null || count < 1) {
                throw new IllegalArgumentException("topic '" + topic + "' needs a partition count of at least 1, got " + count);
            }
        }
        checkSessionTimeout(sessionTimeoutMs);
        expire(nowMs);
        Member m;
        if (!memberId.isEmpty()) {
            m = require(memberId);
        } else {
            Checks.requireNonEmpty(newMemberId, "new member id");
            m = members.get(newMemberId);
        }
        Map<String, View> before = views();
        if (m == null) {
            m = new Member(newMemberId);
            members.put(m.id, m);
        }
        m.clientId = clientId;
        m.topics = subscribed;
        m.sessionTimeoutMs = sessionTimeoutMs;
        m.lastSeenMs = nowMs;
        partitionCounts.forEach((topic, count) -> {
            if (count != null && count > 0) {
                this.partitionCounts.put(topic, count);
            }
        });
        rebalance(before);
        m.seenGeneration = generation;
        return membership(m);
    }

    /**
     * Records a heartbeat: releases the {@code revoked} partitions the member was asked to give up,
     * grants what became free, and answers the member's current view.
     *
     * @throws GroupException UNKNOWN_MEMBER when the member is not in the group; STALE_GENERATION when
     *                        {@code memberGeneration} is ahead of the group's or below one the member
     *                        already showed it knows
     */
    public Membership heartbeat(String memberId, int memberGeneration, Collection<GroupPartition> revoked, long nowMs) {
        Objects.requireNonNull(revoked, "revoked partitions");
        expire(nowMs);
        Member m = require(memberId);
        if (memberGeneration > generation || memberGeneration < m.seenGeneration) {
            throw new GroupException(GroupException.Reason.STALE_GENERATION, "heartbeat of member '" + memberId
                    + "' in group '" + name + "' carries generation " + memberGeneration + ", but the group is at generation "
                    + generation + (memberGeneration > generation ? "" : " and the member already reported generation "
                    + m.seenGeneration) + "; rejoin with JoinGroup and this member id");
        }
        Map<String, View> before = views();
        m.lastSeenMs = nowMs;
        m.seenGeneration = memberGeneration;
        for (GroupPartition p : revoked) {
            if (m.owned.containsKey(p) && !m.target.contains(p)) {
                m.owned.remove(p);
            }
        }
        rebalance(before);
        return membership(m);
    }

    /**
     * Removes a member at once; its partitions go to the others without waiting for its session.
     *
     * @throws GroupException UNKNOWN_MEMBER when the member is not in the group
     */
    public void leave(String memberId, long nowMs) {
        expire(nowMs);
        require(memberId);
        Map<String, View> before = views();
        members.remove(memberId);
        rebalance(before);
    }

    /**
     * Checks that a member may commit offsets of {@code partitions} in {@code memberGeneration}: the
     * generation is the current one and the member holds every partition (kept or being revoked).
     *
     * @throws GroupException UNKNOWN_MEMBER, STALE_GENERATION or NOT_OWNER, naming the values
     */
    public void checkCommit(String memberId, int memberGeneration, Collection<GroupPartition> partitions, long nowMs) {
        expire(nowMs);
        Member m = require(memberId);
        if (memberGeneration != generation) {
            throw new GroupException(GroupException.Reason.STALE_GENERATION, "commit of member '" + memberId + "' in group '"
                    + name + "' carries generation " + memberGeneration + ", but the current generation is " + generation
                    + "; heartbeat to learn it and commit again the partitions still yours");
        }
        for (GroupPartition p : partitions) {
            if (!m.owned.containsKey(p)) {
                String owner = members.values().stream().filter(o -> o.owned.containsKey(p)).map(o -> "member '" + o.id + "'")
                        .findFirst().orElse("no member");
                throw new GroupException(GroupException.Reason.NOT_OWNER, "member '" + memberId + "' does not hold " + p
                        + " in generation " + generation + " of group '" + name + "' (held by " + owner + ")");
            }
        }
    }

    /** Removes every member whose session timed out and rebalances; true when one was removed. */
    public boolean expire(long nowMs) {
        if (members.values().stream().noneMatch(m -> m.expired(nowMs))) {
            return false;
        }
        Map<String, View> before = views();
        members.values().removeIf(m -> m.expired(nowMs));
        rebalance(before);
        return true;
    }

    /** Whether {@link #expire} would remove a member now. */
    public boolean hasExpired(long nowMs) {
        return members.values().stream().anyMatch(m -> m.expired(nowMs));
    }

    /** The membership as of {@code nowMs} (after expiring timed-out members). */
    public GroupDescription describe(long nowMs) {
        expire(nowMs);
        return describe();
    }

    /** The membership as stored, without expiring anyone. */
    public GroupDescription describe() {
        List<GroupDescription.Member> out = new ArrayList<>();
        for (Member m : members.values()) {
            out.add(new GroupDescription.Member(m.id, m.clientId, m.topics, m.sessionTimeoutMs, m.keeps(), m.revoking(),
                    m.pending()));
        }
        GroupDescription.State state = members.isEmpty() ? GroupDescription.State.EMPTY
                : moving() ? GroupDescription.State.REBALANCING : GroupDescription.State.STABLE;
        return new GroupDescription(name, generation, state, out);
    }

    // --------------------------------------------------------------------------------- internals

    /** Session timeouts a member may ask for. */
    public static void checkSessionTimeout(int sessionTimeoutMs) {
        if (sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS || sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS) {
            throw new IllegalArgumentException("session timeout " + sessionTimeoutMs + " ms is outside "
                    + MIN_SESSION_TIMEOUT_MS + ".." + MAX_SESSION_TIMEOUT_MS + " ms");
        }
    }

    private Member require(String memberId) {
        Member m = members.get(Objects.requireNonNull(memberId, "member id"));
        if (m == null) {
            throw new GroupException(GroupException.Reason.UNKNOWN_MEMBER, "member '" + memberId + "' is not in group '"
                    + name + "' (it never joined, left, or its session expired); join again with an empty member id");
        }
        return m;
    }

    /** Recomputes targets, grants free partitions, and bumps the generation if any member's view changed. */
    private void rebalance(Map<String, View> before) {
        computeTargets();
        grantFree();
        if (!views().equals(before)) {
            generation++;
        }
        version++;
    }

    private Map<String, View> views() {
        Map<String, View> views = new HashMap<>();
        for (Member m : members.values()) {
            views.put(m.id, new View(m.keeps(), m.revoking()));
        }
        return views;
    }

    private boolean moving() {
        return members.values().stream().anyMatch(m -> !m.owned.keySet().equals(m.target));
    }

    /**
     * Balanced, sticky targets, topic by topic. A partition's current holder is the member it is
     * targeted to (a move in progress keeps going), else the member holding it; each subscribed member
     * keeps up to its quota of what it holds, and the rest is dealt out to members below quota.
     */
    private void computeTargets() {
        Map<GroupPartition, String> targetOf = new HashMap<>();
        Map<GroupPartition, String> ownerOf = new HashMap<>();
        TreeSet<String> topics = new TreeSet<>();
        Map<String, TreeSet<GroupPartition>> next = new HashMap<>();
        for (Member m : members.values()) {
            m.target.forEach(p -> targetOf.put(p, m.id));
            m.owned.keySet().forEach(p -> ownerOf.put(p, m.id));
            topics.addAll(m.topics);
            next.put(m.id, new TreeSet<>());
        }
        for (String topic : topics) {
            int n = partitionCounts.get(topic);
            List<Member> subscribed = members.values().stream().filter(m -> m.topics.contains(topic)).toList();
            Map<String, List<GroupPartition>> held = new HashMap<>();
            List<GroupPartition> pool = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                GroupPartition p = new GroupPartition(topic, i);
                String holder = holder(targetOf.get(p), ownerOf.get(p), topic);
                if (holder == null) {
                    pool.add(p);
                } else {
                    held.computeIfAbsent(holder, k -> new ArrayList<>()).add(p);
                }
            }
            // the members holding the most get the extra partitions, so the fewest move
            List<Member> byHeld = new ArrayList<>(subscribed);
            byHeld.sort(Comparator.comparingInt((Member m) -> -held.getOrDefault(m.id, List.of()).size())
                    .thenComparing(m -> m.id));
            Map<String, Integer> quota = new HashMap<>();
            for (int i = 0; i < byHeld.size(); i++) {
                quota.put(byHeld.get(i).id, n / byHeld.size() + (i < n % byHeld.size() ? 1 : 0));
            }
            Map<String, Integer> count = new HashMap<>();
            for (Member m : subscribed) {
                List<GroupPartition> mine = held.getOrDefault(m.id, List.of());
                int keep = Math.min(mine.size(), quota.get(m.id));
                next.get(m.id).addAll(mine.subList(0, keep));
                pool.addAll(mine.subList(keep, mine.size()));
                count.put(m.id, keep);
            }
            pool.sort(null);
            int taken = 0;
            for (Member m : subscribed) {
                for (int c = count.get(m.id); c < quota.get(m.id); c++) {
                    next.get(m.id).add(pool.get(taken++));
                }
            }
        }
        for (Member m : members.values()) {
            m.target = next.get(m.id);
        }
    }

    private String holder(String targeted, String owner, String topic) {
        if (targeted != null && members.get(targeted).topics.contains(topic)) {
            return targeted;
        }
        if (owner != null && members.get(owner).topics.contains(topic)) {
            return owner;
        }
        return null;
    }

    /** Grants every targeted partition nobody holds; the generation it becomes visible in is the next one. */
    private void grantFree() {
        Map<GroupPartition, String> ownerOf = new HashMap<>();
        members.values().forEach(m -> m.owned.keySet().forEach(p -> ownerOf.put(p, m.id)));
        for (Member m : members.values()) {
            for (GroupPartition p : m.target) {
                if (!ownerOf.containsKey(p)) {
                    m.owned.put(p, generation + 1);
                    ownerOf.put(p, m.id);
                }
            }
        }
    }

    private Membership membership(Member m) {
        List<Membership.Assigned> assignment = new ArrayList<>();
        m.owned.forEach((p, since) -> {
            if (m.target.contains(p)) {
                assignment.add(new Membership.Assigned(p, since));
            }
        });
        int interval = moving() ? REBALANCE_HEARTBEAT_INTERVAL_MS
                : Math.min(m.sessionTimeoutMs / 3, MAX_HEARTBEAT_INTERVAL_MS);
        return new Membership(m.id, generation, assignment, m.revoking(), interval);
    }
}
