package io.rafka.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.node.partition.BrokerException;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.RouteDecision;
import io.rafka.pastry.RouteDecision.Rule;
import io.rafka.supernode.NodeSession;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NextHopTest {
    private static final Ring.Member A = member("node-a", "10.0.0.1:9090", 1);
    private static final Ring.Member B = member("node-b", "10.0.0.2:9090", 2);
    private static final Ring.Member C = member("node-c", "10.0.0.3:9090", 3);
    private static final Ring RING = new Ring(List.of(A, B, C));

    static Ring.Member member(String name, String address, long session) {
        String id = NodeId.ofIdentity(name).toHex();
        return new Ring.Member(new NodeSession(id, name, session, address, address, true, Long.MAX_VALUE, false),
                NodeId.fromHex(id));
    }

    static RouteDecision.Forward pastry(Ring.Member to, Rule rule) {
        return new RouteDecision.Forward(new NodeHandle(to.id(), to.grpcAddress()), rule);
    }

    static ForwardTrail from(Ring.Member previous, int hops) {
        return new ForwardTrail(hops, previous.nodeId(), false);
    }

    @Test
    void aClientRequestFollowsPastryWhenItAgreesWithTheRing() {
        NextHop hop = NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, pastry(B, Rule.LEAF_SET), Optional.of(B), RING);
        assertThat(hop).isEqualTo(new NextHop.Forward(B, NextHop.Via.PASTRY, true));
    }

    @Test
    void aRoutingTableHopIsTakenTowardsAnOwnerFurtherOnAndKeepsCloserOnlyOff() {
        NextHop hop = NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, pastry(B, Rule.ROUTING_TABLE), Optional.of(C), RING);
        assertThat(hop).isEqualTo(new NextHop.Forward(B, NextHop.Via.PASTRY, false));
    }

    @Test
    void theRingWinsWhenPastryNamesAnotherRootThanTheLeaseHolder() {
        // a node has just joined (Pastry knows it) but the old owner still holds and serves the partition
        NextHop hop = NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, pastry(C, Rule.LEAF_SET), Optional.of(B), RING);
        assertThat(hop).isEqualTo(new NextHop.Forward(B, NextHop.Via.RING, true));
    }

    @Test
    void aNodeThatHasJustGivenThePartitionUpFollowsPastryToTheNewOwner() {
        // A's lease view still names A for a moment after it released the partition to the closer C
        NextHop hop = NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, pastry(C, Rule.LEAF_SET), Optional.of(A), RING);
        assertThat(hop).isEqualTo(new NextHop.Forward(C, NextHop.Via.PASTRY, true));
    }

    @Test
    void aPastryHopToANodeOutsideTheRingOrAtAnotherAddressFallsBackToTheRingOwner() {
        Ring.Member gone = member("node-d", "10.0.0.4:9090", 4);
        assertThat(NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, pastry(gone, Rule.ROUTING_TABLE), Optional.of(C), RING))
                .isEqualTo(new NextHop.Forward(C, NextHop.Via.RING, true));
        RouteDecision stale = new RouteDecision.Forward(new NodeHandle(B.id(), "10.0.0.2:9999"), Rule.ROUTING_TABLE);
        assertThat(NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, stale, Optional.of(C), RING))
                .isEqualTo(new NextHop.Forward(C, NextHop.Via.RING, true));
    }

    @Test
    void beforeTheJoinOrWhenPastryDeliversHereTheRingOwnerIsUsed() {
        assertThat(NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, new RouteDecision.NoRoute("node is JOINING"), Optional.of(B), RING))
                .isEqualTo(new NextHop.Forward(B, NextHop.Via.RING, true));
        assertThat(NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, new RouteDecision.DeliverLocally(Rule.LEAF_SET), Optional.of(C), RING))
                .isEqualTo(new NextHop.Forward(C, NextHop.Via.RING, true));
    }

    @Test
    void aNodeAboutToServeThePartitionRefusesInsteadOfForwardingToItself() {
        NextHop hop = NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, new RouteDecision.DeliverLocally(Rule.LEAF_SET), Optional.of(A), RING);
        assertThat(hop).isInstanceOfSatisfying(NextHop.Refuse.class, r -> assertThat(r.reason()).contains("about to take it over"));
    }

    @Test
    void aRequestIsNeverSentBackToTheNodeItCameFrom() {
        // B's Pastry view points back at A, which forwarded it: the ring owner C is next
        assertThat(NextHop.choose(B.nodeId(), from(A, 1), pastry(A, Rule.LEAF_SET), Optional.of(C), RING))
                .isEqualTo(new NextHop.Forward(C, NextHop.Via.RING, true));
        // and when the ring owner is the sender too, the request is refused (the client retries)
        assertThat(NextHop.choose(B.nodeId(), from(A, 1), pastry(A, Rule.LEAF_SET), Optional.of(A), RING))
                .isInstanceOfSatisfying(NextHop.Refuse.class, r -> assertThat(r.reason()).contains("sent it here"));
    }

    @Test
    void aForwardedRequestMayTakeFurtherHopsUpToTheLimit() {
        assertThat(NextHop.choose(B.nodeId(), from(A, ForwardTrail.MAX_HOPS - 1), pastry(C, Rule.LEAF_SET), Optional.of(C), RING))
                .isEqualTo(new NextHop.Forward(C, NextHop.Via.PASTRY, true));
        assertThat(NextHop.choose(B.nodeId(), from(A, ForwardTrail.MAX_HOPS), pastry(C, Rule.LEAF_SET), Optional.of(C), RING))
                .isInstanceOfSatisfying(NextHop.Refuse.class, r -> assertThat(r.reason())
                        .isEqualTo("it has been forwarded 8 times, the limit is 8"));
    }

    @Test
    void noLiveOwnerIsARefusal() {
        assertThat(NextHop.choose(A.nodeId(), ForwardTrail.ORIGIN, new RouteDecision.NoRoute("NEW"), Optional.empty(), new Ring(List.of(A))))
                .isEqualTo(new NextHop.Refuse("no live node owns it yet"));
    }

    @Test
    void theTrailTravelsInHeadersAndCountsHops() {
        ForwardTrail first = ForwardTrail.ORIGIN.next(A.nodeId(), false);
        ForwardTrail second = first.next(B.nodeId(), true);
        assertThat(second).isEqualTo(new ForwardTrail(2, B.nodeId(), true));
        io.grpc.Metadata headers = second.headers();
        Map<String, String> asMap = Map.of(
                ForwardTrail.HOPS, headers.get(io.grpc.Metadata.Key.of(ForwardTrail.HOPS, io.grpc.Metadata.ASCII_STRING_MARSHALLER)),
                ForwardTrail.FORWARDED_BY, headers.get(io.grpc.Metadata.Key.of(ForwardTrail.FORWARDED_BY, io.grpc.Metadata.ASCII_STRING_MARSHALLER)),
                ForwardTrail.CLOSER_ONLY, headers.get(io.grpc.Metadata.Key.of(ForwardTrail.CLOSER_ONLY, io.grpc.Metadata.ASCII_STRING_MARSHALLER)));
        assertThat(ForwardTrail.parse(asMap::get)).isEqualTo(second);
        assertThat(ForwardTrail.parse(h -> null)).isEqualTo(ForwardTrail.ORIGIN);
        // a node that only names itself (forwards once) counts as one hop
        assertThat(ForwardTrail.parse(Map.of(ForwardTrail.FORWARDED_BY, A.nodeId())::get)).isEqualTo(first);
    }

    @Test
    void malformedHopHeadersAreInvalidArguments() {
        assertThatThrownBy(() -> ForwardTrail.parse(Map.of(ForwardTrail.FORWARDED_BY, "x", ForwardTrail.HOPS, "many")::get))
                .isInstanceOfSatisfying(BrokerException.class, e -> assertThat(e.reason()).isEqualTo(BrokerException.Reason.INVALID_ARGUMENT))
                .hasMessageContaining("was 'many'");
        assertThatThrownBy(() -> ForwardTrail.parse(Map.of(ForwardTrail.FORWARDED_BY, "x", ForwardTrail.HOPS, "9")::get))
                .hasMessageContaining("between 1 and 8, was 9");
        assertThatThrownBy(() -> ForwardTrail.parse(Map.of(ForwardTrail.HOPS, "1")::get))
                .hasMessageContaining("needs header " + ForwardTrail.FORWARDED_BY);
    }
}
