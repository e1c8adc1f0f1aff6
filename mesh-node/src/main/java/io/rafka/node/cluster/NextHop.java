package io.rafka.node.cluster;

import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.RouteDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a node sends a request for a partition it does not serve: the next hop of the Pastry
 * route, checked against the session ring, or a refusal (answered UNAVAILABLE; clients retry).
 */
public sealed interface NextHop permits NextHop.Forward, NextHop.Refuse {

    /** Which view chose the hop. */
    enum Via {
        /** The Pastry route ({@code PastryNode.route}). */
        PASTRY,
        /** The session ring's owner: Pastry had no usable hop or disagreed with the ring. */
        RING;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Forward to {@code to}; {@code closerOnly} is the flag the next node routes with. */
    record Forward(Ring.Member to, Via via, boolean closerOnly) implements NextHop {
    }

    /** Do not forward: {@code reason} says why. */
    record Refuse(String reason) implements NextHop {
    }

    /**
     * Chooses the next hop at node {@code selfId}, for a request that arrived with {@code trail}.
     * <ol>
     *   <li>Pastry's {@code Forward(next)} is taken when {@code next} is a live member of the ring at
     *       the same address, unless it was chosen by the leaf-set rule (Pastry then names the key's
     *       root) and the ring names a third node as the owner: during startup and churn the ring,
     *       which decides leases, wins. (When the ring names this node, which does not serve the
     *       partition, that view is a moment old: this node has just given the partition up.)</li>
     *   <li>Otherwise ({@code DeliverLocally} at a node that does not serve the partition, {@code
     *       NoRoute} before the join, a stale or disagreeing hop) the ring's owner.</li>
     *   <li>Never this node, never back to the node the request came from, never beyond
     *       {@link ForwardTrail#MAX_HOPS}: a refusal instead.</li>
     * </ol>
     *
     * @param ringOwner the lease holder while live, else the live member closest to the key
     */
    static NextHop choose(String selfId, ForwardTrail trail, RouteDecision decision, Optional<Ring.Member> ringOwner,
                          Ring ring) {
        if (!trail.mayForward()) {
            return new Refuse("it has been forwarded " + trail.hops() + " times, the limit is " + ForwardTrail.MAX_HOPS);
        }
        List<Forward> candidates = new ArrayList<>(2);
        if (decision instanceof RouteDecision.Forward f) {
            NodeHandle next = f.next();
            Optional<Ring.Member> live = ring.member(next.id().toHex()).filter(m -> m.grpcAddress().equals(next.address()));
            boolean ringDisagrees = f.rule() == RouteDecision.Rule.LEAF_SET && ringOwner.isPresent()
                    && !ringOwner.get().id().equals(next.id()) && !ringOwner.get().nodeId().equals(selfId);
            if (live.isPresent() && !ringDisagrees) {
                candidates.add(new Forward(live.get(), Via.PASTRY, f.rule() != RouteDecision.Rule.ROUTING_TABLE));
            }
        }
        ringOwner.ifPresent(o -> candidates.add(new Forward(o, Via.RING, true)));
        for (Forward c : candidates) {
            if (!c.to().nodeId().equals(selfId) && !c.to().nodeId().equals(trail.previous())) {
                return c;
            }
        }
        if (ringOwner.isEmpty()) {
            return new Refuse("no live node owns it yet");
        }
        if (ringOwner.get().nodeId().equals(selfId)) {
            return new Refuse("this node is about to take it over");
        }
        return new Refuse("its owner " + ringOwner.get().nodeId() + " sent it here: it is moving between nodes");
    }
}
