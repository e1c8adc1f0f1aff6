package io.rafka.node.cluster;

import io.rafka.pastry.NodeId;
import io.rafka.supernode.NodeSession;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The live nodes of the mesh as one node sees them, in ring order. A partition belongs to the
 * member numerically closest to the partition's key, {@link NodeId#ofKey} of {@code topic/partition}
 * (the Pastry root of the key, ties to the counter-clockwise node).
 */
public record Ring(List<Member> members) {

    /** One live node: its session (addresses, supernode flag) and its id on the ring. */
    public record Member(NodeSession session, NodeId id) {
        public String nodeId() {
            return session.nodeId();
        }

        public String grpcAddress() {
            return session.grpcAddress();
        }
    }

    public Ring {
        members = members.stream().sorted(Comparator.comparing(Member::id)).toList();
    }

    public static Ring of(List<NodeSession> sessions) {
        return new Ring(sessions.stream().map(s -> new Member(s, NodeId.fromHex(s.nodeId()))).toList());
    }

    /** The ring key of a partition. */
    public static NodeId key(String topic, int partition) {
        return NodeId.ofKey(topic + "/" + partition);
    }

    /** The member closest to the key, if any member is live. */
    public Optional<Member> closest(NodeId key) {
        Comparator<NodeId> byCloseness = NodeId.byClosenessTo(key);
        return members.stream().min((a, b) -> byCloseness.compare(a.id(), b.id()));
    }

    public Optional<Member> member(String nodeId) {
        return members.stream().filter(m -> m.nodeId().equals(nodeId)).findFirst();
    }
}
