package io.rafka.pastry.sim;

import io.rafka.pastry.NodeId;

import java.util.Optional;
import java.util.TreeSet;

/**
 * The checker's global, sorted view of the live active nodes: it knows the true root of every key. Only the
 * simulator's correctness check uses it; no node ever sees it.
 */
public final class RingOracle {

    private final TreeSet<NodeId> live = new TreeSet<>();

    public void add(NodeId id) {
        live.add(id);
    }

    public void remove(NodeId id) {
        live.remove(id);
    }

    public boolean contains(NodeId id) {
        return live.contains(id);
    }

    public int size() {
        return live.size();
    }

    /** The live node numerically closest to {@code key} (ties to the node counter-clockwise of the key). */
    public Optional<NodeId> closest(NodeId key) {
        if (live.isEmpty()) {
            return Optional.empty();
        }
        NodeId above = live.ceiling(key);
        if (above == null) {
            above = live.first();
        }
        NodeId below = live.floor(key);
        if (below == null) {
            below = live.last();
        }
        return Optional.of(below.isCloserTo(key, above) || below.equals(above) ? below : above);
    }
}
