package io.rafka.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.rafka.client.TopicPartitionRef;
import io.rafka.proto.v1.GroupHeartbeatRequest;
import io.rafka.proto.v1.GroupHeartbeatResponse;
import io.rafka.proto.v1.GroupsGrpc;
import io.rafka.proto.v1.JoinGroupRequest;
import io.rafka.proto.v1.JoinGroupResponse;
import io.rafka.proto.v1.LeaveGroupRequest;
import io.rafka.proto.v1.LeaveGroupResponse;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.testkit.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client's membership against a scripted Groups service: recovery from forgotten members and stale heartbeats. */
class GroupMemberTest {
    /** Answers each call with the next scripted answer (the last one repeats); records every request. */
    static final class ScriptedGroups extends GroupsGrpc.GroupsImplBase {
        final List<JoinGroupRequest> joins = new CopyOnWriteArrayList<>();
        final List<GroupHeartbeatRequest> beats = new CopyOnWriteArrayList<>();
        final List<LeaveGroupRequest> leaves = new CopyOnWriteArrayList<>();
        final BlockingQueue<Function<JoinGroupRequest, JoinGroupResponse>> joinAnswers = new LinkedBlockingQueue<>();
        final BlockingQueue<Function<GroupHeartbeatRequest, GroupHeartbeatResponse>> beatAnswers = new LinkedBlockingQueue<>();
        volatile Function<GroupHeartbeatRequest, GroupHeartbeatResponse> lastBeat;

        @Override
        public void joinGroup(JoinGroupRequest req, StreamObserver<JoinGroupResponse> out) {
            joins.add(req);
            answer(joinAnswers.poll(), req, out);
        }

        @Override
        public void heartbeat(GroupHeartbeatRequest req, StreamObserver<GroupHeartbeatResponse> out) {
            beats.add(req);
            Function<GroupHeartbeatRequest, GroupHeartbeatResponse> next = beatAnswers.poll();
            if (next != null) {
                lastBeat = next;
            }
            answer(lastBeat, req, out);
        }

        @Override
        public void leaveGroup(LeaveGroupRequest req, StreamObserver<LeaveGroupResponse> out) {
            leaves.add(req);
            out.onNext(LeaveGroupResponse.getDefaultInstance());
            out.onCompleted();
        }

        private static <Q, R> void answer(Function<Q, R> script, Q req, StreamObserver<R> out) {
            try {
                out.onNext(script.apply(req));
                out.onCompleted();
            } catch (io.grpc.StatusRuntimeException e) {
                out.onError(e);
            }
        }
    }

    final ScriptedGroups groups = new ScriptedGroups();
    final AtomicInteger changes = new AtomicInteger();
    Server server;
    ManagedChannel channel;
    GroupMember member;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forPort(0).addService(groups).directExecutor().build().start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
        member = new GroupMember(channel, "g", List.of("t"), "client", 6_000, 5_000, 10, 100, changes::incrementAndGet);
    }

    @AfterEach
    void stop() throws Exception {
        member.close(true);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    static TopicPartition tp(int p) {
        return TopicPartition.newBuilder().setTopic("t").setPartition(p).build();
    }

    static TopicPartitionRef ref(int p) {
        return new TopicPartitionRef("t", p);
    }

    static JoinGroupResponse joined(String id, int generation, int... partitions) {
        JoinGroupResponse.Builder b = JoinGroupResponse.newBuilder().setMemberId(id).setGeneration(generation)
                .setHeartbeatIntervalMs(20);
        for (int p : partitions) {
            b.addAssignment(tp(p));
        }
        return b.build();
    }

    static GroupHeartbeatResponse beat(int generation, List<Integer> keep, List<Integer> revoke) {
        GroupHeartbeatResponse.Builder b = GroupHeartbeatResponse.newBuilder().setGeneration(generation).setHeartbeatIntervalMs(20);
        keep.forEach(p -> b.addAssignment(tp(p)));
        revoke.forEach(p -> b.addRevoke(tp(p)));
        return b.build();
    }

    static Function<GroupHeartbeatRequest, GroupHeartbeatResponse> refuse(Status status) {
        return req -> {
            throw status.asRuntimeException();
        };
    }

    @Test
    void aMemberTheBrokerForgotStartsANewMembershipWithoutItsPartitions() {
        groups.joinAnswers.add(req -> joined("m1", 1, 0, 1));
        groups.beatAnswers.add(refuse(Status.NOT_FOUND.withDescription("member 'm1' is not in group 'g'")));
        groups.joinAnswers.add(req -> joined("m2", 4, 1));
        groups.beatAnswers.add(req -> beat(4, List.of(1), List.of()));

        member.start();
        GroupMember.View first = member.view();
        assertThat(first.memberId()).isEqualTo("m1");
        assertThat(first.assignment()).containsExactlyInAnyOrder(ref(0), ref(1));

        Poll.until(Duration.ofSeconds(10), "a new membership", () -> member.view().memberId().equals("m2"));
        GroupMember.View second = member.view();
        assertThat(second.epoch()).as("a new membership: the consumer drops everything it held").isEqualTo(first.epoch() + 1);
        assertThat(second.generation()).isEqualTo(4);
        assertThat(second.assignment()).containsExactly(ref(1));
        assertThat(groups.joins.get(1).getMemberId()).as("joined anew, with no member id").isEmpty();
        assertThat(changes.get()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aStaleHeartbeatRejoinsWithTheSameMemberIdAndKeepsTheMembership() {
        groups.joinAnswers.add(req -> joined("m1", 1, 0, 1));
        groups.beatAnswers.add(refuse(Status.ABORTED.withDescription("carries generation 1, but the group is at generation 9")));
        groups.joinAnswers.add(req -> joined("m1", 9, 0));
        groups.beatAnswers.add(req -> beat(9, List.of(0), List.of()));

        member.start();
        long epoch = member.view().epoch();

        Poll.until(Duration.ofSeconds(10), "the rejoin", () -> member.view().generation() == 9);
        assertThat(groups.joins.get(1).getMemberId()).isEqualTo("m1");
        assertThat(member.view().epoch()).as("the same membership").isEqualTo(epoch);
        assertThat(member.view().assignment()).containsExactly(ref(0));
    }

    @Test
    void releasedPartitionsGoOutWithTheNextHeartbeatAndOnlyOnce() {
        groups.joinAnswers.add(req -> joined("m1", 1, 0, 1));
        // the group moves to generation 3 once the release is reported, and stays there
        java.util.concurrent.atomic.AtomicBoolean releaseReported = new java.util.concurrent.atomic.AtomicBoolean();
        groups.beatAnswers.add(req -> {
            if (req.getRevokedCount() > 0) {
                releaseReported.set(true);
            }
            return releaseReported.get() ? beat(3, List.of(0), List.of()) : beat(2, List.of(0), List.of(1));
        });

        member.start();
        Poll.until(Duration.ofSeconds(10), "the revocation", () -> member.view().revoke().equals(Set.of(ref(1))));
        member.released(List.of(ref(1)));

        Poll.until(Duration.ofSeconds(10), "the release acknowledged", () -> member.view().generation() == 3);
        List<GroupHeartbeatRequest> reporting = groups.beats.stream().filter(b -> b.getRevokedCount() > 0).toList();
        assertThat(reporting.get(0).getRevokedList()).containsExactly(tp(1));
        assertThat(reporting.get(0).getGeneration()).isEqualTo(2);
        assertThat(member.view().revoke()).isEmpty();
        int sent = groups.beats.size();
        Poll.until(Duration.ofSeconds(10), "more heartbeats", () -> groups.beats.size() > sent + 2);
        List<GroupHeartbeatRequest> beats = List.copyOf(groups.beats); // a live subList breaks when the next beat lands
        assertThat(beats.subList(sent, beats.size())).allMatch(b -> b.getRevokedCount() == 0);
    }

    @Test
    void closingLeavesTheGroupWithTheMemberId() {
        groups.joinAnswers.add(req -> joined("m1", 1, 0));
        groups.beatAnswers.add(req -> beat(1, List.of(0), List.of()));
        member.start();

        member.close(true);

        assertThat(groups.leaves).extracting(LeaveGroupRequest::getMemberId).containsExactly("m1");
        assertThat(groups.joins.get(0).getSessionTimeoutMs()).isEqualTo(6_000);
        assertThat(groups.joins.get(0).getClientId()).isEqualTo("client");
    }
}
