package io.rafka.pastry;

import java.util.ArrayList;
import java.util.List;

/**
 * Pastry's neighbourhood set: the M nodes nearest to the owner by the {@link ProximityMetric}, nearest
 * first. It is not used to route; a joining node seeds its state from its bootstrap's set, and it feeds
 * nearby candidates to the routing table. Capacity 0 disables it.
 *
 * <p>Not thread-safe: owned by one {@link PastryNode}.
 */
public final class NeighbourhoodSet {

    private final NodeHandle owner;
    private final ProximityMetric metric;
    private final NodeHandle[] nodes;
    private final long[] proximity;
    private int count;

    public NeighbourhoodSet(NodeHandle owner, int capacity, ProximityMetric metric) {
        if (owner == null || metric == null) {
            throw new IllegalArgumentException("owner and metric must not be null");
        }
        if (capacity < 0 || capacity > 256) {
            throw new IllegalArgumentException("neighbourhood size must be between 0 and 256, was " + capacity);
        }
        this.owner = owner;
        this.metric = metric;
        this.nodes = new NodeHandle[capacity];
        this.proximity = new long[capacity];
    }

    /** Offers a node; kept when it is among the M nearest. Returns true when the set changed. */
    public boolean consider(NodeHandle candidate) {
        int capacity = nodes.length;
        if (capacity == 0 || candidate.id().equals(owner.id())) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (nodes[i].id().equals(candidate.id())) {
                if (!nodes[i].address().equals(candidate.address())) {
                    nodes[i] = candidate;
                    return true;
                }
                return false;
            }
        }
        long d = metric.distance(owner, candidate);
        if (d < 0) {
            throw new IllegalStateException("proximity must not be negative, was " + d + " for " + candidate);
        }
        int pos = count;
        while (pos > 0 && d < proximity[pos - 1]) {
            pos--;
        }
        if (pos == capacity) {
            return false;
        }
        int last = Math.min(count, capacity - 1);
        for (int i = last; i > pos; i--) {
            nodes[i] = nodes[i - 1];
            proximity[i] = proximity[i - 1];
        }
        nodes[pos] = candidate;
        proximity[pos] = d;
        if (count < capacity) {
            count++;
        }
        return true;
    }

    /** Removes a node; true when it was in the set. */
    public boolean remove(NodeId id) {
        for (int i = 0; i < count; i++) {
            if (nodes[i].id().equals(id)) {
                System.arraycopy(nodes, i + 1, nodes, i, count - i - 1);
                System.arraycopy(proximity, i + 1, proximity, i, count - i - 1);
                count--;
                nodes[count] = null;
                return true;
            }
        }
        return false;
    }

    public boolean contains(NodeId id) {
        for (int i = 0; i < count; i++) {
            if (nodes[i].id().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /** The members, nearest first. */
    public List<NodeHandle> members() {
        List<NodeHandle> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(nodes[i]);
        }
        return out;
    }

    public int size() {
        return count;
    }

    public int capacity() {
        return nodes.length;
    }

    /** Rare-case candidates: see {@link LeafSet}. */
    NodeHandle closestSharingPrefix(NodeId key, int minPrefix, NodeHandle best) {
        for (int i = 0; i < count; i++) {
            NodeId id = nodes[i].id();
            if (id.sharedPrefixLength(key) >= minPrefix && id.isCloserTo(key, best.id())) {
                best = nodes[i];
            }
        }
        return best;
    }
}
