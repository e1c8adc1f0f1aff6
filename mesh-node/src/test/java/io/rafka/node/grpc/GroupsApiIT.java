package io.rafka.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rafka.node.TestNode;
import io.rafka.node.group.LocalGroupStore;
import io.rafka.proto.v1.CommitOffsetsRequest;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DescribeGroupRequest;
import io.rafka.proto.v1.DescribeGroupResponse;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.GroupHeartbeatRequest;
import io.rafka.proto.v1.GroupHeartbeatResponse;
import io.rafka.proto.v1.GroupMember;
import io.rafka.proto.v1.GroupsGrpc;
import io.rafka.proto.v1.JoinGroupRequest;
import io.rafka.proto.v1.JoinGroupResponse;
import io.rafka.proto.v1.LeaveGroupRequest;
import io.rafka.proto.v1.OffsetCommit;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.supernode.GroupDescription;
import io.rafka.testkit.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Groups service and members' commits on a standalone node, through real gRPC. */
class GroupsApiIT {
    @TempDir
    Path dir;
    TestNode node;

    @BeforeEach
    void start() throws Exception {
        node = TestNode.start(dir);
        node.admin().createTopic(CreateTopicRequest.newBuilder().setName("orders").setPartitions(6).build());
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    GroupsGrpc.GroupsBlockingStub groups() {
        return GroupsGrpc.newBlockingStub(node.channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    JoinGroupResponse join(String group, int sessionTimeoutMs, String... topics) {
        return groups().joinGroup(JoinGroupRequest.newBuilder().setGroup(group).addAllTopics(List.of(topics))
                .setSessionTimeoutMs(sessionTimeoutMs).setClientId("it").build());
    }

    GroupHeartbeatResponse beat(String group, String member, int generation, List<TopicPartition> revoked) {
        return groups().heartbeat(GroupHeartbeatRequest.newBuilder().setGroup(group).setMemberId(member)
                .setGeneration(generation).addAllRevoked(revoked).build());
    }

    void commit(String group, String member, int generation, TopicPartition tp, long offset) {
        node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup(group).setMemberId(member)
                .setGeneration(generation).addOffsets(OffsetCommit.newBuilder().setTopic(tp.getTopic())
                        .setPartition(tp.getPartition()).setOffset(offset)).build());
    }

    long committed(String group, TopicPartition tp) {
        return node.offsets().fetchCommittedOffsets(FetchCommittedOffsetsRequest.newBuilder().setGroup(group)
                .addPartitions(tp).build()).getOffsets(0).getOffset();
    }

    DescribeGroupResponse describe(String group) {
        return groups().describeGroup(DescribeGroupRequest.newBuilder().setGroup(group).build());
    }

    static void assertStatus(Runnable call, Status.Code code, String... fragments) {
        BrokerApiIT.assertStatus(call, code, fragments);
    }

    /** No partition appears twice across the members' assignment and revoking lists. */
    static void assertHeldOnce(DescribeGroupResponse d) {
        Set<TopicPartition> held = new HashSet<>();
        for (GroupMember m : d.getMembersList()) {
            List<TopicPartition> mine = new ArrayList<>(m.getAssignmentList());
            mine.addAll(m.getRevokingList());
            for (TopicPartition tp : mine) {
                assertThat(held.add(tp)).as("%s held twice in generation %d", tp, d.getGeneration()).isTrue();
            }
        }
    }

    @Test
    void aPartitionMovesToANewMemberOnlyAfterItsHolderCommittedAndReleasedIt() {
        JoinGroupResponse a = join("g", 10_000, "orders");
        assertThat(a.getAssignmentCount()).isEqualTo(6);
        assertThat(a.getGeneration()).isEqualTo(1);
        assertThat(a.getHeartbeatIntervalMs()).isEqualTo(3_000);

        JoinGroupResponse b = join("g", 10_000, "orders");
        assertThat(b.getMemberId()).startsWith("m-").isNotEqualTo(a.getMemberId());
        assertThat(b.getAssignmentCount()).as("a still holds everything").isZero();
        assertThat(b.getGeneration()).isEqualTo(2);
        GroupHeartbeatResponse ra = beat("g", a.getMemberId(), a.getGeneration(), List.of());
        assertThat(ra.getGeneration()).isEqualTo(2);
        assertThat(ra.getAssignmentCount()).isEqualTo(3);
        assertThat(ra.getRevokeCount()).isEqualTo(3);
        assertThat(ra.getHeartbeatIntervalMs()).as("faster while partitions move").isEqualTo(200);
        DescribeGroupResponse moving = describe("g");
        assertThat(moving.getState()).isEqualTo("rebalancing");
        assertThat(moving.getMembersList()).extracting(GroupMember::getPendingCount).containsExactlyInAnyOrder(0, 3);
        assertHeldOnce(moving);

        TopicPartition given = ra.getRevoke(0);
        commit("g", a.getMemberId(), ra.getGeneration(), given, 42); // a commits what it gives up, then releases it
        ra = beat("g", a.getMemberId(), ra.getGeneration(), ra.getRevokeList());
        assertThat(ra.getGeneration()).isEqualTo(3);
        GroupHeartbeatResponse rb = beat("g", b.getMemberId(), b.getGeneration(), List.of());

        assertThat(rb.getAssignmentList()).hasSize(3).contains(given).doesNotContainAnyElementsOf(ra.getAssignmentList());
        assertThat(committed("g", given)).as("b starts where a committed").isEqualTo(42);
        DescribeGroupResponse stable = describe("g");
        assertThat(stable.getState()).isEqualTo("stable");
        assertThat(stable.getGeneration()).isEqualTo(3);
        assertThat(stable.getMembersList()).allSatisfy(m -> {
            assertThat(m.getAssignmentCount()).isEqualTo(3);
            assertThat(m.getTopicsList()).containsExactly("orders");
            assertThat(m.getSessionTimeoutMs()).isEqualTo(10_000);
            assertThat(m.getClientId()).isEqualTo("it");
        });
        assertHeldOnce(stable);

        groups().leaveGroup(LeaveGroupRequest.newBuilder().setGroup("g").setMemberId(a.getMemberId()).build());
        rb = beat("g", b.getMemberId(), rb.getGeneration(), List.of());
        assertThat(rb.getAssignmentCount()).as("a left: b gets everything at once").isEqualTo(6);
        assertThat(rb.getRevokeCount()).isZero();
    }

    @Test
    void aMembersCommitIsAbortedForAStaleGenerationOrAPartitionItDoesNotHold() {
        JoinGroupResponse a = join("fenced", 10_000, "orders");
        TopicPartition p0 = a.getAssignment(0);
        commit("fenced", a.getMemberId(), a.getGeneration(), p0, 5);
        JoinGroupResponse b = join("fenced", 10_000, "orders");
        GroupHeartbeatResponse ra = beat("fenced", a.getMemberId(), a.getGeneration(), List.of());
        TopicPartition kept = ra.getAssignment(0);
        TopicPartition revoking = ra.getRevoke(0);

        assertStatus(() -> commit("fenced", a.getMemberId(), a.getGeneration(), kept, 6), Status.Code.ABORTED,
                "carries generation 1, but the current generation is 2");
        assertStatus(() -> commit("fenced", b.getMemberId(), b.getGeneration(), revoking, 6), Status.Code.ABORTED,
                "does not hold " + revoking.getTopic() + "/" + revoking.getPartition(), "held by member '" + a.getMemberId() + "'");
        assertStatus(() -> commit("fenced", "m-stranger", 2, kept, 6), Status.Code.ABORTED, "member 'm-stranger' is not in group 'fenced'");
        commit("fenced", a.getMemberId(), ra.getGeneration(), revoking, 7); // still a's until it releases it
        node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("fenced").setGeneration(-1)
                .addOffsets(OffsetCommit.newBuilder().setTopic("orders").setPartition(kept.getPartition()).setOffset(9)).build());
        assertThat(committed("fenced", revoking)).isEqualTo(7);
        assertThat(committed("fenced", kept)).as("a simple commit is accepted whatever the membership").isEqualTo(9);

        assertStatus(() -> node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("fenced").setGeneration(2)
                .addOffsets(OffsetCommit.newBuilder().setTopic("orders").setOffset(1)).build()),
                Status.Code.INVALID_ARGUMENT, "a commit with generation 2 needs the member_id");
        assertStatus(() -> node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("fenced").setGeneration(-2)
                .addOffsets(OffsetCommit.newBuilder().setTopic("orders").setOffset(1)).build()),
                Status.Code.INVALID_ARGUMENT, "generation must be -1 (a simple commit) or a group generation >= 0, was -2");
        assertStatus(() -> node.offsets().commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("fenced").setGeneration(-1)
                .setMemberId(a.getMemberId()).addOffsets(OffsetCommit.newBuilder().setTopic("orders").setOffset(1)).build()),
                Status.Code.INVALID_ARGUMENT, "needs the member's generation");
    }

    @Test
    void membershipErrorsNameTheMemberAndTheGenerations() {
        JoinGroupResponse a = join("errors", 10_000, "orders");
        join("errors", 10_000, "orders");
        GroupHeartbeatResponse ra = beat("errors", a.getMemberId(), 1, List.of());
        ra = beat("errors", a.getMemberId(), ra.getGeneration(), List.of()); // a now reported generation 2

        assertStatus(() -> beat("errors", a.getMemberId(), 1, List.of()), Status.Code.ABORTED,
                "carries generation 1, but the group is at generation 2 and the member already reported generation 2");
        assertStatus(() -> beat("errors", a.getMemberId(), 7, List.of()), Status.Code.ABORTED,
                "carries generation 7, but the group is at generation 2");
        assertStatus(() -> beat("errors", "m-nobody", 2, List.of()), Status.Code.NOT_FOUND,
                "member 'm-nobody' is not in group 'errors'", "join again with an empty member id");
        assertStatus(() -> beat("no-such-group", "m-nobody", 0, List.of()), Status.Code.NOT_FOUND, "is not in group 'no-such-group'");
        assertStatus(() -> groups().leaveGroup(LeaveGroupRequest.newBuilder().setGroup("errors").setMemberId("m-nobody").build()),
                Status.Code.NOT_FOUND, "member 'm-nobody' is not in group 'errors'");
        assertStatus(() -> groups().joinGroup(JoinGroupRequest.newBuilder().setGroup("errors").setMemberId("m-nobody")
                .addTopics("orders").build()), Status.Code.NOT_FOUND, "member 'm-nobody' is not in group 'errors'");
        assertStatus(() -> beat("errors", "", 2, List.of()), Status.Code.INVALID_ARGUMENT, "member_id must not be empty");
        assertStatus(() -> beat("errors", a.getMemberId(), -1, List.of()), Status.Code.INVALID_ARGUMENT,
                "generation must be >= 0, was -1");
        assertStatus(() -> beat("errors", a.getMemberId(), 2, List.of(TopicPartition.newBuilder().setTopic("orders")
                .setPartition(-3).build())), Status.Code.INVALID_ARGUMENT, "partition of topic 'orders' must be >= 0, was -3");
        assertThat(ra.getGeneration()).isEqualTo(2);
    }

    @Test
    void badJoinsAreRefusedNamingTheValueAndTheLimit() {
        assertStatus(() -> join("", 10_000, "orders"), Status.Code.INVALID_ARGUMENT, "group name must not be empty");
        assertStatus(() -> join("bad group", 10_000, "orders"), Status.Code.INVALID_ARGUMENT,
                "group name 'bad group' has an illegal character");
        assertStatus(() -> join("g", 10_000), Status.Code.INVALID_ARGUMENT, "must consume at least one topic");
        assertStatus(() -> join("g", 10_000, "bad/topic"), Status.Code.INVALID_ARGUMENT, "topic name 'bad/topic' has an illegal character");
        assertStatus(() -> join("g", 10_000, "orders", "nope"), Status.Code.NOT_FOUND, "topic 'nope' does not exist");
        assertStatus(() -> join("g", 5_999, "orders"), Status.Code.INVALID_ARGUMENT, "session_timeout_ms 5999 is outside 6000..300000 ms");
        assertStatus(() -> join("g", 300_001, "orders"), Status.Code.INVALID_ARGUMENT, "session_timeout_ms 300001 is outside 6000..300000 ms");
        assertStatus(() -> groups().joinGroup(JoinGroupRequest.newBuilder().setGroup("g").addTopics("orders")
                .setClientId("c".repeat(300)).build()), Status.Code.INVALID_ARGUMENT, "client_id is 300 characters long, the limit is 255");
        assertStatus(() -> describe("g"), Status.Code.NOT_FOUND, "group 'g' does not exist");

        JoinGroupResponse defaults = groups().joinGroup(JoinGroupRequest.newBuilder().setGroup("g").addTopics("orders").build());
        assertThat(describe("g").getMembers(0).getSessionTimeoutMs()).as("0 means the default").isEqualTo(10_000);
        assertThat(defaults.getAssignmentCount()).isEqualTo(6);
    }

    @Test
    void theSweepMovesASilentMembersPartitionsWithoutAnyCallOnTheGroup() {
        JoinGroupResponse silent = join("swept", 6_000, "orders");
        JoinGroupResponse alive = join("swept", 60_000, "orders"); // nobody calls the group from here on
        LocalGroupStore store = (LocalGroupStore) node.node.groups().store();

        Poll.until(Duration.ofSeconds(20), "the node's sweep removes the silent member", () ->
                store.peek("swept").orElseThrow().members().size() == 1);

        GroupDescription d = store.peek("swept").orElseThrow();
        assertThat(d.members().get(0).memberId()).isEqualTo(alive.getMemberId()).isNotEqualTo(silent.getMemberId());
        assertThat(d.members().get(0).assignment()).as("granted by the sweep, not by a call").hasSize(6);
        assertThat(beat("swept", alive.getMemberId(), alive.getGeneration(), List.of()).getAssignmentCount()).isEqualTo(6);
        assertThatThrownBy(() -> beat("swept", silent.getMemberId(), silent.getGeneration(), List.of()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
