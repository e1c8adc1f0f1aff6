package io.rafka.supernode;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The group state machine step by step, on a virtual clock. */
class ConsumerGroupTest {
    private static final int SESSION = 10_000;
    private static final Map<String, Integer> COUNTS = Map.of("orders", 12, "audit", 5, "clicks", 7);

    private final ConsumerGroup group = new ConsumerGroup("g");
    private long now = 1_000_000;
    private int ids;

    private Membership join(String... topics) {
        return group.join("", "m" + (++ids), "client-" + ids, List.of(topics), COUNTS, SESSION, now);
    }

    private Membership beat(Membership m, List<GroupPartition> revoked) {
        return group.heartbeat(m.memberId(), m.generation(), revoked, now);
    }

    private Membership beat(Membership m) {
        return beat(m, List.of());
    }

    /** Heartbeats every member in turn, each releasing what it was asked to, until the group is stable. */
    private Map<String, Membership> settle(Map<String, Membership> members) {
        for (int round = 0; round < 10 && group.describe().state() != GroupDescription.State.STABLE; round++) {
            for (Map.Entry<String, Membership> e : members.entrySet()) {
                Membership m = e.getValue();
                e.setValue(beat(m, m.revoke()));
                checkHeldOnce();
            }
        }
        assertThat(group.describe().state()).isEqualTo(GroupDescription.State.STABLE);
        for (Map.Entry<String, Membership> e : members.entrySet()) {
            e.setValue(beat(e.getValue()));
        }
        return members;
    }

    private static List<GroupPartition> partitions(String topic, int... ps) {
        return IntStream.of(ps).mapToObj(p -> new GroupPartition(topic, p)).toList();
    }

    private static List<GroupPartition> all(String topic) {
        return IntStream.range(0, COUNTS.get(topic)).mapToObj(p -> new GroupPartition(topic, p)).toList();
    }

    /** No partition is in two members' assignment or revoking lists. */
    private void checkHeldOnce() {
        Set<GroupPartition> seen = new HashSet<>();
        for (GroupDescription.Member m : group.describe().members()) {
            List<GroupPartition> held = new ArrayList<>(m.assignment());
            held.addAll(m.revoking());
            for (GroupPartition p : held) {
                assertThat(seen.add(p)).as("%s held by two members in generation %d", p, group.generation()).isTrue();
            }
        }
    }

    @Test
    void theFirstMemberGetsEveryPartitionAtOnce() {
        Membership a = join("orders");

        assertThat(a.generation()).isEqualTo(1);
        assertThat(a.partitions()).isEqualTo(all("orders"));
        assertThat(a.assignment()).allMatch(x -> x.since() == 1);
        assertThat(a.revoke()).isEmpty();
        assertThat(a.heartbeatIntervalMs()).isEqualTo(3_000);
        assertThat(group.describe().state()).isEqualTo(GroupDescription.State.STABLE);
    }

    @Test
    void aJoiningMemberGetsPartitionsOnlyAfterTheirHolderReleasesThem() {
        Membership a = join("orders");

        Membership b = join("orders");

        assertThat(b.generation()).isEqualTo(2);
        assertThat(b.partitions()).as("everything is still held by a").isEmpty();
        assertThat(b.heartbeatIntervalMs()).isEqualTo(ConsumerGroup.REBALANCE_HEARTBEAT_INTERVAL_MS);
        a = beat(a);
        assertThat(a.generation()).isEqualTo(2);
        assertThat(a.partitions()).hasSize(6);
        assertThat(a.revoke()).hasSize(6).doesNotContainAnyElementsOf(a.partitions());
        assertThat(group.describe().state()).isEqualTo(GroupDescription.State.REBALANCING);
        assertThat(group.describe().members().get(1).pending()).isEqualTo(a.revoke());
        checkHeldOnce();

        List<GroupPartition> released = a.revoke();
        a = beat(a, released.subList(0, 2)); // releases only two so far
        assertThat(a.generation()).isEqualTo(3);
        assertThat(a.revoke()).isEqualTo(released.subList(2, 6));
        b = beat(b);
        assertThat(b.partitions()).isEqualTo(released.subList(0, 2));
        assertThat(b.assignment()).allMatch(x -> x.since() == 3);
        checkHeldOnce();

        a = beat(a, a.revoke());
        b = beat(b);
        assertThat(b.generation()).isEqualTo(4);
        assertThat(b.partitions()).isEqualTo(released);
        assertThat(a.revoke()).isEmpty();
        assertThat(group.describe().state()).isEqualTo(GroupDescription.State.STABLE);
        assertThat(beat(b).heartbeatIntervalMs()).isEqualTo(3_000);
    }

    @Test
    void theGenerationBumpsOnlyWhenAMembersViewChanges() {
        Membership a = join("orders");
        Membership b = settle(new HashMap<>(Map.of("a", a, "b", join("orders")))).get("b");
        int stable = group.generation();

        for (int i = 0; i < 5; i++) {
            now += 1_000;
            b = beat(b);
        }

        assertThat(group.generation()).isEqualTo(stable);
        assertThat(b.generation()).isEqualTo(stable);
    }

    @Test
    void onlyThePartitionsThatMustMoveAreRevoked() {
        Map<String, Membership> members = new HashMap<>();
        for (String name : List.of("a", "b", "c")) {
            members.put(name, join("orders"));
        }
        settle(members);
        Map<String, List<GroupPartition>> before = new HashMap<>();
        members.forEach((n, m) -> before.put(n, m.partitions()));
        assertThat(before.values()).allMatch(l -> l.size() == 4);

        members.put("d", join("orders"));
        int revoked = 0;
        for (String name : List.of("a", "b", "c")) {
            Membership m = beat(members.get(name));
            assertThat(m.revoke()).as("%s gives up one of its four", name).hasSize(1);
            assertThat(before.get(name)).containsAll(m.partitions());
            revoked += m.revoke().size();
            members.put(name, m);
        }
        assertThat(revoked).isEqualTo(3);
        settle(members);
        assertThat(members.values()).allMatch(m -> m.partitions().size() == 3);

        now += 1;
        group.leave(members.remove("d").memberId(), now);
        for (String name : List.of("a", "b", "c")) {
            Membership m = beat(members.get(name));
            assertThat(m.revoke()).as("nobody gives anything up when a member leaves").isEmpty();
            assertThat(m.partitions()).hasSize(4).containsAll(members.get(name).partitions());
        }
    }

    @Test
    void countsPerTopicDifferByAtMostOneAmongItsSubscribers() {
        Map<String, Membership> members = new HashMap<>();
        members.put("a", join("orders", "audit"));
        members.put("b", join("orders", "clicks"));
        members.put("c", join("audit", "clicks", "orders"));
        members.put("d", join("clicks"));
        settle(members);

        Map<String, List<String>> subscribers = Map.of("orders", List.of("a", "b", "c"), "audit", List.of("a", "c"),
                "clicks", List.of("b", "c", "d"));
        for (Map.Entry<String, List<String>> e : subscribers.entrySet()) {
            String topic = e.getKey();
            List<Integer> counts = new ArrayList<>();
            Set<GroupPartition> covered = new TreeSet<>();
            for (Map.Entry<String, Membership> m : members.entrySet()) {
                List<GroupPartition> mine = m.getValue().partitions().stream().filter(p -> p.topic().equals(topic)).toList();
                if (e.getValue().contains(m.getKey())) {
                    counts.add(mine.size());
                } else {
                    assertThat(mine).as("%s does not consume %s", m.getKey(), topic).isEmpty();
                }
                covered.addAll(mine);
            }
            assertThat(covered).as("every partition of %s is assigned", topic).containsExactlyElementsOf(all(topic));
            assertThat(counts.stream().mapToInt(Integer::intValue).max().orElseThrow()
                    - counts.stream().mapToInt(Integer::intValue).min().orElseThrow()).as("spread of %s: %s", topic, counts)
                    .isLessThanOrEqualTo(1);
        }
    }

    @Test
    void anExpiredMembersPartitionsMoveWithoutItsRelease() {
        Membership a = join("orders");
        Membership b = join("orders"); // a is asked to release six, and never answers
        now += SESSION / 2;
        b = beat(b);
        assertThat(b.partitions()).isEmpty();

        now += SESSION / 2 + 1; // a's last sign of life is now more than a session ago
        assertThat(group.hasExpired(now)).isTrue();
        assertThat(group.expire(now)).isTrue();

        assertThat(group.describe().members()).extracting(GroupDescription.Member::memberId).containsExactly(b.memberId());
        b = beat(b);
        assertThat(b.partitions()).isEqualTo(all("orders"));
        assertThatThrownBy(() -> beat(a)).isInstanceOfSatisfying(GroupException.class,
                e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER));
    }

    @Test
    void everyCallExpiresTimedOutMembersFirst() {
        join("orders");
        Membership b = join("orders");
        now += SESSION + 1;

        assertThatThrownBy(() -> beat(b)).as("b was silent as long as a: its call finds its own session over")
                .isInstanceOfSatisfying(GroupException.class,
                        e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER));

        assertThat(group.describe().members()).isEmpty();
        assertThat(group.version()).as("the expiry is part of the state even though the call was refused").isPositive();
        assertThat(group.describe().state()).isEqualTo(GroupDescription.State.EMPTY);
    }

    @Test
    void aLeavingMembersPartitionsGoToTheOthersAtOnce() {
        Map<String, Membership> members = settle(new HashMap<>(Map.of("a", join("orders"), "b", join("orders"))));
        int before = group.generation();

        group.leave(members.get("a").memberId(), now);

        assertThat(group.generation()).isEqualTo(before + 1);
        assertThat(beat(members.get("b")).partitions()).isEqualTo(all("orders"));
        assertThatThrownBy(() -> group.leave(members.get("a").memberId(), now))
                .isInstanceOfSatisfying(GroupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER);
                    assertThat(e).hasMessageContaining("member '" + members.get("a").memberId() + "' is not in group 'g'");
                });
    }

    @Test
    void aStaleHeartbeatGenerationIsRefusedNamingBothGenerations() {
        Membership a = join("orders");
        Membership first = a;
        join("orders");
        a = beat(a); // a now reports generation 1 and learns 2
        a = beat(a); // reports 2

        Membership replayed = first;
        assertThatThrownBy(() -> beat(replayed)).isInstanceOfSatisfying(GroupException.class, e -> {
            assertThat(e.reason()).isEqualTo(GroupException.Reason.STALE_GENERATION);
            assertThat(e).hasMessageContaining("carries generation 1, but the group is at generation 2")
                    .hasMessageContaining("already reported generation 2");
        });
        String id = a.memberId();
        assertThatThrownBy(() -> group.heartbeat(id, 9, List.of(), now))
                .isInstanceOfSatisfying(GroupException.class, e -> assertThat(e)
                        .hasMessageContaining("carries generation 9, but the group is at generation 2"));
    }

    @Test
    void commitsNeedTheCurrentGenerationAndAHeldPartition() {
        Membership a = join("orders");
        Membership b = join("orders");
        a = beat(a);
        GroupPartition kept = a.partitions().get(0);
        GroupPartition revoking = a.revoke().get(0);
        int current = group.generation();

        group.checkCommit(a.memberId(), current, List.of(kept, revoking), now); // a still holds what it releases

        String aId = a.memberId();
        String bId = b.memberId();
        assertThatThrownBy(() -> group.checkCommit(aId, current - 1, List.of(kept), now))
                .isInstanceOfSatisfying(GroupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GroupException.Reason.STALE_GENERATION);
                    assertThat(e).hasMessageContaining("carries generation " + (current - 1) + ", but the current generation is " + current);
                });
        assertThatThrownBy(() -> group.checkCommit(bId, current, List.of(revoking), now))
                .isInstanceOfSatisfying(GroupException.class, e -> {
                    assertThat(e.reason()).isEqualTo(GroupException.Reason.NOT_OWNER);
                    assertThat(e).hasMessageContaining("does not hold " + revoking).hasMessageContaining("held by member '" + aId + "'");
                });
        assertThatThrownBy(() -> group.checkCommit("nobody", current, List.of(kept), now))
                .isInstanceOfSatisfying(GroupException.class,
                        e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER));
    }

    @Test
    void aRejoiningMemberKeepsItsPartitionsAndReleasesTopicsItDropped() {
        Membership a = join("orders", "audit");
        int generation = a.generation();

        Membership again = group.join(a.memberId(), "unused", "client", List.of("orders", "audit"), COUNTS, SESSION, now);
        assertThat(again.memberId()).isEqualTo(a.memberId());
        assertThat(again.generation()).isEqualTo(generation);
        assertThat(again.partitions()).isEqualTo(a.partitions());

        Membership narrowed = group.join(a.memberId(), "unused", "client", List.of("orders"), COUNTS, SESSION, now);
        assertThat(narrowed.revoke()).isEqualTo(all("audit"));
        assertThat(narrowed.partitions()).isEqualTo(all("orders"));
        assertThat(beat(narrowed, narrowed.revoke()).revoke()).isEmpty();
        assertThatThrownBy(() -> group.join("gone", "x", "c", List.of("orders"), COUNTS, SESSION, now))
                .isInstanceOfSatisfying(GroupException.class,
                        e -> assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER));
    }

    @Test
    void aRetriedJoinWithTheSameNewIdFindsItsMember() {
        Membership first = group.join("", "fixed", "c", List.of("orders"), COUNTS, SESSION, now);

        Membership retried = group.join("", "fixed", "c", List.of("orders"), COUNTS, SESSION, now);

        assertThat(retried).isEqualTo(first);
        assertThat(group.describe().members()).hasSize(1);
    }

    @Test
    void sessionTimeoutsOutsideTheirRangeAreRefusedNamingTheLimits() {
        assertThatThrownBy(() -> group.join("", "m", "c", List.of("orders"), COUNTS, 5_999, now))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("session timeout 5999 ms is outside 6000..300000 ms");
        assertThatThrownBy(() -> group.join("", "m", "c", List.of("orders"), COUNTS, 300_001, now))
                .hasMessage("session timeout 300001 ms is outside 6000..300000 ms");
        assertThatThrownBy(() -> group.join("", "m", "c", List.of("nope"), COUNTS, SESSION, now))
                .hasMessage("topic 'nope' needs a partition count of at least 1, got null");
        assertThat(group.describe().members()).isEmpty();
    }

    /**
     * Random joins, leaves, expiries and partial releases: after every step no partition is held twice,
     * and within every generation the members' holdings never overlap; once everyone releases what it is
     * asked to, the group is stable, complete and balanced.
     */
    @Test
    void randomChurnNeverAssignsAPartitionTwiceAndSettlesBalanced() {
        for (long seed = 1; seed <= 40; seed++) {
            try {
                churn(seed);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private void churn(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ConsumerGroup g = new ConsumerGroup("churn");
        long clock = 0;
        Map<String, Membership> live = new HashMap<>();
        Map<Integer, Map<GroupPartition, String>> holderInGeneration = new HashMap<>();
        int next = 0;
        for (int step = 0; step < 300; step++) {
            clock += random.nextInt(1, 3_000);
            int action = random.nextInt(10);
            List<String> names = new ArrayList<>(live.keySet());
            names.sort(null);
            try {
                if (action < 2 || live.isEmpty()) {
                    String id = "m" + (next++);
                    live.put(id, g.join("", id, "c", List.of("orders"), COUNTS, SESSION, clock));
                } else if (action == 2) {
                    String id = names.get(random.nextInt(names.size()));
                    g.leave(id, clock);
                    live.remove(id);
                } else if (action == 3) {
                    clock += SESSION; // everyone's session runs out unless they beat meanwhile
                    g.expire(clock);
                } else {
                    String id = names.get(random.nextInt(names.size()));
                    Membership m = live.get(id);
                    List<GroupPartition> release = m.revoke().stream().filter(p -> random.nextBoolean()).toList();
                    live.put(id, g.heartbeat(id, m.generation(), release, clock));
                }
            } catch (GroupException e) {
                assertThat(e.reason()).isEqualTo(GroupException.Reason.UNKNOWN_MEMBER);
            }
            live.keySet().retainAll(g.describe().members().stream().map(GroupDescription.Member::memberId).toList());
            GroupDescription d = g.describe();
            Map<GroupPartition, String> holders = holderInGeneration.computeIfAbsent(d.generation(), k -> new HashMap<>());
            for (GroupDescription.Member m : d.members()) {
                List<GroupPartition> held = new ArrayList<>(m.assignment());
                held.addAll(m.revoking());
                for (GroupPartition p : held) {
                    String before = holders.putIfAbsent(p, m.memberId());
                    assertThat(before == null || before.equals(m.memberId()))
                            .as("step %d: %s held by %s and %s in generation %d", step, p, before, m.memberId(), d.generation())
                            .isTrue();
                }
            }
        }
        // everyone cooperates until stable
        for (int round = 0; round < 10 && !live.isEmpty() && g.describe().state() != GroupDescription.State.STABLE; round++) {
            for (String id : new ArrayList<>(live.keySet())) {
                Membership m = live.get(id);
                live.put(id, g.heartbeat(id, m.generation(), m.revoke(), clock));
            }
        }
        GroupDescription d = g.describe();
        if (d.members().isEmpty()) {
            return;
        }
        assertThat(d.state()).isEqualTo(GroupDescription.State.STABLE);
        List<GroupPartition> covered = new ArrayList<>();
        d.members().forEach(m -> covered.addAll(m.assignment()));
        covered.sort(null);
        assertThat(covered).containsExactlyElementsOf(all("orders"));
        int min = d.members().stream().mapToInt(m -> m.assignment().size()).min().orElseThrow();
        int max = d.members().stream().mapToInt(m -> m.assignment().size()).max().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(1);
    }
}
