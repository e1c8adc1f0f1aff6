package io.rafka.pastry;

import io.rafka.pastry.RouteDecision.DeliverLocally;
import io.rafka.pastry.RouteDecision.Forward;
import io.rafka.pastry.RouteDecision.NoRoute;
import io.rafka.pastry.RouteDecision.Rule;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.rafka.pastry.Ids.handle;
import static io.rafka.pastry.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;

class RouteTest {

    private static PastryNode active(NodeHandle self, int leafSetSize) {
        PastryNode node = new PastryNode(self, PastryConfig.defaults().withLeafSetSize(leafSetSize),
                ProximityMetric.NONE, new SplittableRandom(1));
        node.bootstrap(0);
        return node;
    }

    @Test
    void networkOfOneDeliversEveryKeyLocally() {
        PastryNode node = active(handle("50"), 16);
        for (NodeId key : new NodeId[] {NodeId.ZERO, NodeId.MAX, id("50"), id("4fff"), id("d0")}) {
            assertThat(node.route(key)).as(key.toString()).isInstanceOf(DeliverLocally.class);
        }
        assertThat(node.route(id("50"))).isEqualTo(new DeliverLocally(Rule.EXACT));
    }

    @Test
    void networkOfTwoSendsEachKeyToTheCloserNodeAcrossTheWrapAround() {
        NodeHandle a = handle("40");
        NodeHandle b = handle("c0");
        PastryNode nodeA = active(a, 16);
        PastryNode nodeB = active(b, 16);
        nodeA.leafSet().consider(b);
        nodeB.leafSet().consider(a);

        assertThat(nodeA.route(id("50"))).isInstanceOf(DeliverLocally.class);
        assertThat(nodeA.route(id("90"))).isEqualTo(new Forward(b, Rule.LEAF_SET));
        assertThat(nodeB.route(id("90"))).isInstanceOf(DeliverLocally.class);
        assertThat(nodeB.route(id("10"))).isEqualTo(new Forward(a, Rule.LEAF_SET));
        // 0xff.. is 0x41.. from 40 going counter-clockwise and 0x3f.. from c0 going clockwise
        assertThat(nodeA.route(id("ff"))).isEqualTo(new Forward(b, Rule.LEAF_SET));
    }

    @Test
    void keyExactlyBetweenTwoNodesGoesToTheCounterClockwiseNode() {
        NodeHandle a = handle("40");
        NodeHandle b = handle("c0");
        PastryNode nodeA = active(a, 16);
        PastryNode nodeB = active(b, 16);
        nodeA.leafSet().consider(b);
        nodeB.leafSet().consider(a);
        // 80 is 0x40.. from both: 40 is counter-clockwise of it
        assertThat(nodeA.route(id("80"))).isInstanceOf(DeliverLocally.class);
        assertThat(nodeB.route(id("80"))).isEqualTo(new Forward(a, Rule.LEAF_SET));
        // 00 is 0x40.. from both across the wrap-around: c0 is counter-clockwise of it
        assertThat(nodeB.route(NodeId.ZERO)).isInstanceOf(DeliverLocally.class);
        assertThat(nodeA.route(NodeId.ZERO)).isEqualTo(new Forward(b, Rule.LEAF_SET));
    }

    @Test
    void keyWithinTheLeafSetRangeGoesToTheClosestLeaf() {
        PastryNode node = ringAround50();
        assertThat(node.route(id("51c"))).isEqualTo(new Forward(handle("52"), Rule.LEAF_SET));
        // 518 is exactly between 51 and 52: the counter-clockwise one wins
        assertThat(node.route(id("518"))).isEqualTo(new Forward(handle("51"), Rule.LEAF_SET));
        assertThat(node.route(id("4f1"))).isEqualTo(new Forward(handle("4f"), Rule.LEAF_SET));
        assertThat(node.route(id("5001"))).isEqualTo(new DeliverLocally(Rule.LEAF_SET));
    }

    @Test
    void keyOutsideTheLeafSetRangeGoesToTheEntrySharingOneMoreDigit() {
        PastryNode node = ringAround50();
        assertThat(node.route(id("a3"))).isEqualTo(new Forward(handle("a1"), Rule.ROUTING_TABLE));
        assertThat(node.route(id("5e8"))).isEqualTo(new Forward(handle("5e"), Rule.ROUTING_TABLE));
    }

    @Test
    void rareCaseForwardsToANodeWithAsLongAPrefixThatIsNumericallyCloser() {
        PastryNode node = ringAround50();
        // row 1, column 7 is empty; 56 shares "5" with the key and is closer than 52 and than 50
        assertThat(node.route(id("57"))).isEqualTo(new Forward(handle("56"), Rule.RARE_CASE));
    }

    @Test
    void closerOnlyRoutingSkipsATableEntryThatIsNumericallyFarther() {
        // 50ff.. with leaves 50fe | 50ff8 does not cover key 51..; its table entry for "51" is 51ff,
        // which shares one more digit but is farther from the key than 50ff itself
        PastryNode node = active(handle("50ff"), 2);
        node.leafSet().consider(handle("50fe"));
        node.leafSet().consider(handle("50ff8"));
        node.routingTable().consider(handle("51ff"));
        assertThat(node.leafSet().covers(id("51"))).isFalse();

        assertThat(node.route(id("51"))).isEqualTo(new Forward(handle("51ff"), Rule.ROUTING_TABLE));
        assertThat(node.route(id("51"), true)).isEqualTo(new Forward(handle("50ff8"), Rule.RARE_CASE));
    }

    @Test
    void aNodeThatIsNotActiveHasNoRoute() {
        PastryNode node = new PastryNode(handle("50"), PastryConfig.defaults(), ProximityMetric.NONE, new SplittableRandom(1));
        assertThat(node.route(id("50"))).isInstanceOf(NoRoute.class);
        assertThat(((NoRoute) node.route(id("60"))).reason()).contains("NEW");
    }

    @Test
    void replicaSetIsTheKNumericallyClosestKnownNodes() {
        PastryNode node = ringAround50();
        assertThat(node.replicaSet(id("51c"), 3)).extracting(NodeHandle::id)
                .containsExactly(id("52"), id("51"), id("50"));
    }

    @Test
    void routeDecisionIsNeverNullOverRandomKeys() {
        PastryNode node = ringAround50();
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < 10_000; i++) {
            assertThat(node.route(NodeId.random(random))).isNotNull();
        }
    }

    /** Node 50 with L = 4 (leaves 4e, 4f | 51, 52) and table entries a1 (row 0), 5e and 56 (row 1). */
    private static PastryNode ringAround50() {
        PastryNode node = active(handle("50"), 4);
        for (String p : new String[] {"4e", "4f", "51", "52"}) {
            node.leafSet().consider(handle(p));
        }
        for (String p : new String[] {"a1", "5e", "56"}) {
            node.routingTable().consider(handle(p));
        }
        return node;
    }
}
