package io.rafka.pastry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.rafka.pastry.Ids.handle;
import static io.rafka.pastry.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The join / leave / repair state machine, one message at a time. */
class PastryNodeTest {

    private static final PastryConfig CONFIG = PastryConfig.defaults().withLeafSetSize(4);

    private static PastryNode node(NodeHandle self) {
        return new PastryNode(self, CONFIG, ProximityMetric.NONE, new SplittableRandom(7));
    }

    private static PastryNode active(NodeHandle self, String... known) {
        PastryNode node = node(self);
        node.bootstrap(0);
        for (String p : known) {
            node.handle(new Message.Heartbeat(handle(p)), 0);
        }
        return node;
    }

    private static List<Action.Send> sends(List<Action> actions) {
        return actions.stream().filter(a -> a instanceof Action.Send).map(a -> (Action.Send) a).toList();
    }

    @Test
    void joinRequestIsForwardedTowardsTheJoinerCollectingTheSharedRows() {
        PastryNode a = active(handle("10"), "a0", "c0", "20", "30");
        NodeHandle joiner = handle("a5");

        List<Action> out = a.handle(new Message.JoinRequest(joiner, joiner, List.of(), 0, false), 1);

        List<Action.Send> sent = sends(out);
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).to()).isEqualTo(handle("a0"));
        Message.JoinRequest forwarded = (Message.JoinRequest) sent.get(0).message();
        assertThat(forwarded.hops()).isEqualTo(1);
        assertThat(forwarded.joiner()).isEqualTo(joiner);
        assertThat(forwarded.candidates()).contains(handle("10"), handle("a0"), handle("c0"));
        assertThat(a.leafSet().contains(joiner.id())).as("joiner is not learnt before it is active").isFalse();
    }

    @Test
    void rootRepliesWithEverythingCollectedAndItsLeafSet() {
        PastryNode root = active(handle("a0"), "a8", "90", "b0", "10");
        NodeHandle joiner = handle("a1");
        NodeHandle earlier = handle("10");

        List<Action> out = root.handle(new Message.JoinRequest(earlier, joiner, List.of(earlier), 1, false), 1);

        Action.Send reply = sends(out).get(0);
        assertThat(reply.to()).isEqualTo(joiner);
        Message.JoinReply joinReply = (Message.JoinReply) reply.message();
        assertThat(joinReply.candidates()).contains(earlier, handle("a0"), handle("a8"), handle("90"), handle("b0"));
    }

    @Test
    void joinerBecomesActiveAndAnnouncesItselfToEveryNodeItLearnt() {
        NodeHandle self = handle("a1");
        PastryNode joiner = node(self);
        List<Action> start = joiner.join(handle("10"), 0);
        assertThat(sends(start)).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(handle("10"));
            assertThat(s.message()).isInstanceOf(Message.JoinRequest.class);
        });
        assertThat(joiner.status()).isEqualTo(PastryNode.Status.JOINING);

        List<Action> out = joiner.handle(new Message.JoinReply(handle("a0"),
                List.of(handle("10"), handle("a0"), handle("a8"), handle("90"))), 5);

        assertThat(joiner.status()).isEqualTo(PastryNode.Status.ACTIVE);
        assertThat(out).first().isEqualTo(new Action.Joined(self));
        assertThat(sends(out)).extracting(Action.Send::to)
                .containsExactlyInAnyOrder(handle("10"), handle("a0"), handle("a8"), handle("90"));
        assertThat(sends(out)).allSatisfy(s -> assertThat(s.message()).isInstanceOf(Message.NodeArrived.class));
    }

    @Test
    void duplicateJoinReplyIsMergedWithoutAnnouncingAgain() {
        PastryNode joiner = node(handle("a1"));
        joiner.join(handle("10"), 0);
        joiner.handle(new Message.JoinReply(handle("a0"), List.of(handle("10"))), 1);

        List<Action> again = joiner.handle(new Message.JoinReply(handle("a0"), List.of(handle("a2"))), 2);

        assertThat(again).isEmpty();
        assertThat(joiner.leafSet().contains(id("a2"))).isTrue();
    }

    @Test
    void duplicateJoinRequestIsAnsweredAgain() {
        PastryNode root = active(handle("a0"), "a8", "90");
        NodeHandle joiner = handle("a1");
        Message.JoinRequest request = new Message.JoinRequest(joiner, joiner, List.of(), 0, false);

        assertThat(sends(root.handle(request, 1))).singleElement().extracting(Action.Send::message)
                .isInstanceOf(Message.JoinReply.class);
        assertThat(sends(root.handle(request, 2))).singleElement().extracting(Action.Send::message)
                .isInstanceOf(Message.JoinReply.class);
    }

    @Test
    void joinWithAnIdHeldByAnotherAddressIsRejectedForGood() {
        PastryNode holder = active(handle("a0"), "10");
        NodeHandle impostor = new NodeHandle(id("a0"), "other:1");

        Action.Send reply = sends(holder.handle(new Message.JoinRequest(impostor, impostor, List.of(), 0, false), 1)).get(0);

        Message.JoinRejected rejected = (Message.JoinRejected) reply.message();
        assertThat(rejected.retryable()).isFalse();
        assertThat(rejected.reason()).contains("already exists");

        PastryNode joining = node(impostor);
        joining.join(handle("10"), 0);
        assertThat(joining.handle(rejected, 2)).containsExactly(
                new Action.JoinFailed(impostor.id(), rejected.reason(), false));
        assertThat(joining.status()).isEqualTo(PastryNode.Status.NEW);
    }

    @Test
    void arrivalIsLearntAndAcknowledgedWithTheLeafSetWhenItBecomesALeaf() {
        PastryNode node = active(handle("a0"), "a8", "90");
        NodeHandle arrival = handle("a4");

        List<Action> out = node.handle(new Message.NodeArrived(arrival, List.of(arrival, handle("a6"))), 1);

        assertThat(node.leafSet().contains(arrival.id())).isTrue();
        assertThat(node.leafSet().contains(id("a6"))).isTrue();
        assertThat(sends(out)).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(arrival);
            assertThat(s.message()).isInstanceOf(Message.ArrivalAck.class);
        });
    }

    @Test
    void messagesFromUnknownNodesTeachTheirSenderAndAreHandled() {
        PastryNode node = active(handle("a0"));
        NodeHandle stranger = handle("b0");

        node.handle(new Message.RowReply(stranger, 0, List.of(handle("30"))), 1);
        List<Action> reply = node.handle(new Message.LeafSetRequest(handle("70")), 2);

        assertThat(node.knownNodes()).contains(stranger, handle("30"), handle("70"));
        assertThat(sends(reply)).singleElement().extracting(Action.Send::message)
                .isInstanceOf(Message.LeafSetReply.class);
    }

    @Test
    void failedLeafIsReplacedFromTheFarthestLiveLeafOnThatSide() {
        PastryNode node = active(handle("80"), "81", "82", "7f", "7e");

        List<Action> out = node.onNodeFailed(id("81"), 10);

        assertThat(node.leafSet().contains(id("81"))).isFalse();
        List<Action.Send> leafRequests = sends(out).stream()
                .filter(s -> s.message() instanceof Message.LeafSetRequest).toList();
        assertThat(leafRequests).extracting(Action.Send::to).contains(handle("82"));

        node.handle(new Message.LeafSetReply(handle("82"), List.of(handle("81"), handle("83"), handle("84"))), 20);

        assertThat(node.leafSet().clockwise()).containsExactly(handle("82"), handle("83"));
        assertThat(node.believesFailed(id("81"))).as("the dead leaf is not re-learnt second-hand").isTrue();
    }

    @Test
    void failedNodeComesBackWhenItSpeaksItself() {
        PastryNode node = active(handle("80"), "81", "82");
        node.onNodeFailed(id("81"), 10);
        node.handle(new Message.Heartbeat(handle("81")), 11);
        assertThat(node.leafSet().contains(id("81"))).isTrue();
        assertThat(node.believesFailed(id("81"))).isFalse();
    }

    @Test
    void failedRoutingTableEntryIsRepairedLazilyFromTheSameRow() {
        PastryNode node = active(handle("80"), "10", "20", "30");
        assertThat(node.routingTable().row(0)).hasSize(3);

        List<Action> out = node.onNodeFailed(id("20"), 10);

        assertThat(node.routingTable().contains(id("20"))).isFalse();
        List<Action.Send> rowRequests = sends(out).stream()
                .filter(s -> s.message() instanceof Message.RowRequest).toList();
        assertThat(rowRequests).singleElement().satisfies(s -> {
            assertThat(s.to()).isIn(handle("10"), handle("30"));
            assertThat(((Message.RowRequest) s.message()).row()).isZero();
        });

        node.handle(new Message.RowReply(handle("10"), 0, List.of(handle("21"), handle("20"))), 20);
        assertThat(node.routingTable().entry(0, 2)).contains(handle("21"));
    }

    @Test
    void lookupIsRoutedAgainWhenTheNextHopFails() {
        PastryNode node = active(handle("80"), "81", "82", "7f", "7e");
        List<Action> first = node.lookup(1, id("8180"), 0);
        Action.Send toDead = sends(first).get(0);
        assertThat(toDead.to()).isEqualTo(handle("81"));

        List<Action> retry = node.onSendFailed(toDead.to(), toDead.message(), 500);

        Action.Send again = sends(retry).stream().filter(s -> s.message() instanceof Message.Lookup).findFirst().orElseThrow();
        assertThat(again.to()).isEqualTo(handle("82"));
        assertThat(((Message.Lookup) again.message()).hops()).isEqualTo(1);
    }

    @Test
    void lookupDeliveredLocallyIsHandedToTheApplication() {
        PastryNode node = active(handle("80"), "90");
        List<Action> out = node.lookup(5, id("81"), 0);
        assertThat(out).singleElement().isInstanceOf(Action.Deliver.class);
        assertThat(((Action.Deliver) out.get(0)).lookup().requestId()).isEqualTo(5);
    }

    @Test
    void leaveTellsEveryLeafWhichRefillsFromTheHandedOverLeafSet() {
        PastryNode leaver = active(handle("81"), "80", "82", "83", "7f");
        PastryNode neighbour = active(handle("80"), "81", "7f", "7e");

        List<Action> out = leaver.leave(5);

        assertThat(leaver.status()).isEqualTo(PastryNode.Status.LEFT);
        assertThat(sends(out)).extracting(Action.Send::to).contains(handle("80"), handle("82"));
        Message leave = sends(out).get(0).message();
        neighbour.handle(leave, 6);
        assertThat(neighbour.leafSet().contains(id("81"))).isFalse();
        assertThat(neighbour.leafSet().clockwise()).containsExactly(handle("82"), handle("83"));
        assertThat(leaver.handle(new Message.Heartbeat(handle("80")), 7)).isEmpty();
    }

    @Test
    void joinIsRetriedAfterTheTimeoutAndGivenUpAfterTheLastAttempt() {
        PastryNode joiner = node(handle("a1"));
        joiner.join(handle("10"), 0);
        assertThat(joiner.tick(CONFIG.joinTimeoutMillis() - 1)).isEmpty();
        for (int attempt = 2; attempt <= CONFIG.maxJoinAttempts(); attempt++) {
            assertThat(sends(joiner.tick(attempt * CONFIG.joinTimeoutMillis()))).singleElement()
                    .extracting(Action.Send::message).isInstanceOf(Message.JoinRequest.class);
        }
        List<Action> last = joiner.tick(100 * CONFIG.joinTimeoutMillis());
        assertThat(last).singleElement().isInstanceOf(Action.JoinFailed.class);
        assertThat(joiner.status()).isEqualTo(PastryNode.Status.NEW);
    }

    @Test
    void nodeThatIsNotActiveDropsLookupsAndRefusesToRouteJoins() {
        PastryNode joining = node(handle("a1"));
        joining.join(handle("10"), 0);
        NodeHandle other = handle("b1");
        Message.Lookup lookup = new Message.Lookup(other, 1, id("a1"), other, 1, false);

        assertThat(joining.handle(lookup, 1)).singleElement().isInstanceOf(Action.Dropped.class);
        List<Action> refused = joining.handle(new Message.JoinRequest(other, other, List.of(), 0, false), 1);
        assertThat(sends(refused)).singleElement().satisfies(s -> {
            assertThat(s.to()).isEqualTo(other);
            assertThat(((Message.JoinRejected) s.message()).retryable()).isTrue();
        });
        assertThat(joining.handle(new Message.Heartbeat(other), 1)).isEmpty();
    }

    @Test
    void heartbeatsGoToEveryLeafAndTableMaintenanceProbesEveryEntry() {
        PastryNode node = active(handle("80"), "81", "7f", "10", "20");
        List<Action> beats = node.tick(CONFIG.heartbeatIntervalMillis());
        assertThat(sends(beats)).extracting(Action.Send::to).contains(handle("81"), handle("7f"));

        List<Action> maintenance = node.tick(CONFIG.tableMaintenanceIntervalMillis());
        assertThat(sends(maintenance)).extracting(Action.Send::to).contains(handle("10"), handle("20"));
        assertThat(sends(maintenance)).anySatisfy(s -> assertThat(s.message()).isInstanceOf(Message.RowRequest.class));
    }

    @Test
    void lifeCycleMisuseAndBadConfigurationAreRefusedWithTheValue() {
        PastryNode node = active(handle("80"));
        assertThatThrownBy(() -> node.join(handle("10"), 0)).hasMessageContaining("is ACTIVE");
        assertThatThrownBy(() -> node(handle("10")).join(handle("10"), 0))
                .hasMessageContaining("another node to join through");
        assertThatThrownBy(() -> PastryConfig.defaults().withLeafSetSize(7))
                .hasMessage("leaf set size must be even and between 2 and 64, was 7");
        assertThatThrownBy(() -> new Message.RowRequest(handle("10"), 32)).hasMessage("row must be between 0 and 31, was 32");
        assertThatThrownBy(() -> new NodeHandle(id("10"), " ")).hasMessageContaining("address");
    }
}
