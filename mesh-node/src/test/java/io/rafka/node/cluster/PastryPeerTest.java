package io.rafka.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.pastry.PastryNode;
import io.rafka.pastry.RouteDecision;
import io.rafka.supernode.NodeSession;
import io.rafka.testkit.Poll;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Pastry peers on one Vert.x instance, talking over its (local) event bus, with a hand-held session
 * ring: joins, routes, graceful leaves and the healing of rings started apart.
 */
class PastryPeerTest {
    private Vertx vertx;
    private final List<PastryPeer> deployed = new ArrayList<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static Ring.Member member(int i) {
        String id = NodeId.ofIdentity("node-" + i).toHex();
        String address = "127.0.0.1:" + (9000 + i);
        return new Ring.Member(new NodeSession(id, "node-" + i, 1 + i, address, address, false, Long.MAX_VALUE, false),
                NodeId.fromHex(id));
    }

    static NodeHandle handle(Ring.Member m) {
        return new NodeHandle(m.id(), m.grpcAddress());
    }

    PastryPeer deploy(Ring.Member m, AtomicReference<Ring> ring) throws Exception {
        long origin = System.nanoTime();
        PastryPeer peer = new PastryPeer(handle(m), PastryPeer.MESH_CONFIG, ring::get,
                () -> (System.nanoTime() - origin) / 1_000_000, new SplittableRandom(m.id().lo()));
        vertx.deployVerticle(peer).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        deployed.add(peer);
        return peer;
    }

    static Set<NodeId> leaves(PastryPeer p) {
        return p.state().leaves().stream().map(NodeHandle::id).collect(Collectors.toSet());
    }

    static Set<NodeId> idsOf(List<Ring.Member> members) {
        return members.stream().map(Ring.Member::id).collect(Collectors.toSet());
    }

    static RouteDecision route(PastryPeer p, NodeId key) throws Exception {
        return p.route(key, false).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void nodesJoinOneByOneAndEveryLeafSetHoldsTheOthersAndRoutesReachTheClosest() throws Exception {
        List<Ring.Member> members = new ArrayList<>();
        AtomicReference<Ring> ring = new AtomicReference<>(new Ring(List.of()));
        List<PastryPeer> peers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            members.add(member(i));
            ring.set(new Ring(List.copyOf(members)));
            PastryPeer p = deploy(members.get(i), ring);
            peers.add(p);
            Poll.until(Duration.ofSeconds(20), "node-" + p.self() + " active", () -> p.state().status() == PastryNode.Status.ACTIVE);
        }
        for (PastryPeer p : peers) {
            Set<NodeId> others = idsOf(members);
            others.remove(p.self().id());
            Poll.until(Duration.ofSeconds(20), "leaf set of " + p.self() + " holds the 3 others", () -> leaves(p).equals(others));
        }
        for (int k = 0; k < 64; k++) {
            NodeId key = Ring.key("t", k);
            NodeId closest = new Ring(members).closest(key).orElseThrow().id();
            for (PastryPeer p : peers) {
                RouteDecision d = route(p, key);
                if (p.self().id().equals(closest)) {
                    assertThat(d).as("key %d at its root", k).isInstanceOf(RouteDecision.DeliverLocally.class);
                } else {
                    assertThat(d).as("key %d at %s", k, p.self()).isInstanceOfSatisfying(RouteDecision.Forward.class,
                            f -> assertThat(f.next().id()).isEqualTo(closest));
                }
            }
        }
    }

    @Test
    void aNodeThatLeavesIsDroppedFromEveryLeafSet() throws Exception {
        List<Ring.Member> members = List.of(member(0), member(1), member(2));
        AtomicReference<Ring> ring = new AtomicReference<>(new Ring(List.of(members.get(0))));
        List<PastryPeer> peers = new ArrayList<>();
        peers.add(deploy(members.get(0), ring));
        Poll.until(Duration.ofSeconds(20), "first node active", () -> peers.get(0).state().status() == PastryNode.Status.ACTIVE);
        ring.set(new Ring(members));
        peers.add(deploy(members.get(1), ring));
        peers.add(deploy(members.get(2), ring));
        for (PastryPeer p : peers) {
            Poll.until(Duration.ofSeconds(20), p.self() + " knows both others", () -> leaves(p).size() == 2);
        }

        peers.get(2).close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        ring.set(new Ring(members.subList(0, 2)));
        for (PastryPeer p : peers.subList(0, 2)) {
            Poll.until(Duration.ofSeconds(10), p.self() + " dropped the leaver",
                    () -> leaves(p).equals(Set.of(peers.get(p == peers.get(0) ? 1 : 0).self().id())));
        }
        assertThat(peers.get(2).state().status()).isEqualTo(PastryNode.Status.LEFT);
    }

    @Test
    void twoRingsStartedApartMergeOnceTheSessionRingShowsBothNodes() throws Exception {
        Ring.Member a = member(0);
        Ring.Member b = member(1);
        AtomicReference<Ring> ringOfA = new AtomicReference<>(new Ring(List.of(a)));
        AtomicReference<Ring> ringOfB = new AtomicReference<>(new Ring(List.of(b)));
        PastryPeer pa = deploy(a, ringOfA);
        PastryPeer pb = deploy(b, ringOfB);
        Poll.until(Duration.ofSeconds(20), "both started a ring of their own", () ->
                pa.state().status() == PastryNode.Status.ACTIVE && pb.state().status() == PastryNode.Status.ACTIVE);
        assertThat(pa.state().leaves()).isEmpty();

        ringOfA.set(new Ring(List.of(a, b)));
        ringOfB.set(new Ring(List.of(a, b)));
        Poll.until(Duration.ofSeconds(20), "the two rings merged", () ->
                leaves(pa).equals(Set.of(b.id())) && leaves(pb).equals(Set.of(a.id())));
    }
}
