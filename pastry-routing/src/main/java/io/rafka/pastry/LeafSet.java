package io.rafka.pastry;

import io.rafka.pastry.internal.U128;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Pastry's leaf set: the L/2 nodes numerically closest to the owner on each side of the ring, the
 * clockwise side (larger ids, wrapping at 2^128) and the counter-clockwise side (smaller ids, wrapping at 0).
 * Each side is kept sorted by distance from the owner.
 *
 * <p>In a network of fewer than L + 1 nodes both sides hold every other node, so they overlap and their
 * ranges together cover the whole ring: every key is then delivered inside the leaf set.
 *
 * <p>Range: a key is covered when it lies between the owner and the farthest leaf of either side
 * (inclusive). An empty leaf set covers every key (the owner knows no neighbour, so it is the closest it
 * knows).
 *
 * <p>Not thread-safe: owned by one {@link PastryNode}.
 */
public final class LeafSet {

    /** Bit returned by {@link #removeSides(NodeId)} when the node was on the clockwise side. */
    static final int CLOCKWISE = 1;
    /** Bit returned by {@link #removeSides(NodeId)} when the node was on the counter-clockwise side. */
    static final int COUNTER_CLOCKWISE = 2;

    private final NodeHandle owner;
    private final int half;
    private final Side cw;
    private final Side ccw;

    public LeafSet(NodeHandle owner, int size) {
        if (owner == null) {
            throw new IllegalArgumentException("leaf set owner must not be null");
        }
        if (size < 2 || size > 64 || size % 2 != 0) {
            throw new IllegalArgumentException("leaf set size must be even and between 2 and 64, was " + size);
        }
        this.owner = owner;
        this.half = size / 2;
        this.cw = new Side(half);
        this.ccw = new Side(half);
    }

    /** L, the configured number of leaves (L/2 per side). */
    public int capacity() {
        return 2 * half;
    }

    /**
     * Offers a node; it is kept on each side where it is among the L/2 closest. Returns true when the leaf
     * set changed.
     */
    public boolean consider(NodeHandle candidate) {
        NodeId o = owner.id();
        NodeId id = candidate.id();
        if (id.equals(o)) {
            return false;
        }
        long cwHi = id.hi() - o.hi() - U128.borrow(id.lo(), o.lo());
        long cwLo = id.lo() - o.lo();
        long ccwHi = o.hi() - id.hi() - U128.borrow(o.lo(), id.lo());
        long ccwLo = o.lo() - id.lo();
        boolean changed = cw.insert(candidate, cwHi, cwLo);
        changed |= ccw.insert(candidate, ccwHi, ccwLo);
        return changed;
    }

    /** Removes a node from both sides; true when it was a leaf. */
    public boolean remove(NodeId id) {
        return removeSides(id) != 0;
    }

    /** Removes a node; returns {@link #CLOCKWISE} and/or {@link #COUNTER_CLOCKWISE} bits for the sides it left. */
    int removeSides(NodeId id) {
        int sides = 0;
        if (cw.remove(id)) {
            sides |= CLOCKWISE;
        }
        if (ccw.remove(id)) {
            sides |= COUNTER_CLOCKWISE;
        }
        return sides;
    }

    /** Whether this node is a leaf. */
    public boolean contains(NodeId id) {
        return cw.indexOf(id) >= 0 || ccw.indexOf(id) >= 0;
    }

    /** Whether {@code key} lies within the leaf set's range (see the class comment). */
    public boolean covers(NodeId key) {
        if (cw.count == 0 && ccw.count == 0) {
            return true;
        }
        NodeId o = owner.id();
        if (cw.count > 0) {
            long dHi = key.hi() - o.hi() - U128.borrow(key.lo(), o.lo());
            long dLo = key.lo() - o.lo();
            if (U128.compare(dHi, dLo, cw.distHi[cw.count - 1], cw.distLo[cw.count - 1]) <= 0) {
                return true;
            }
        }
        if (ccw.count > 0) {
            long dHi = o.hi() - key.hi() - U128.borrow(o.lo(), key.lo());
            long dLo = o.lo() - key.lo();
            return U128.compare(dHi, dLo, ccw.distHi[ccw.count - 1], ccw.distLo[ccw.count - 1]) <= 0;
        }
        return false;
    }

    /** The numerically closest node to {@code key} among the owner and its leaves (ring tie rule). */
    public NodeHandle closest(NodeId key) {
        return cw.closest(key, ccw.closest(key, owner));
    }

    /**
     * Among leaves sharing at least {@code minPrefix} digits with the key, the closest one if it is closer
     * than {@code best}; otherwise {@code best}.
     */
    NodeHandle closestSharingPrefix(NodeId key, int minPrefix, NodeHandle best) {
        return cw.closestSharingPrefix(key, minPrefix, ccw.closestSharingPrefix(key, minPrefix, best));
    }

    /**
     * The {@code k} nodes numerically closest to {@code key} among the owner and its leaves, closest first:
     * the key's replica set. Exact when the key is within the leaf set's range and k <= L/2 + 1.
     */
    public List<NodeHandle> replicaSet(NodeId key, int k) {
        if (k < 1 || k > 2 * half + 1) {
            throw new IllegalArgumentException("replica count must be between 1 and the leaf set size + 1 ("
                    + (2 * half + 1) + "), was " + k);
        }
        List<NodeHandle> all = new ArrayList<>(members());
        all.add(owner);
        all.sort((a, b) -> U128.compareCloseness(key.hi(), key.lo(), a.id().hi(), a.id().lo(), b.id().hi(), b.id().lo()));
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }

    /** Every leaf once: the clockwise side nearest first, then the counter-clockwise leaves not already listed. */
    public List<NodeHandle> members() {
        List<NodeHandle> out = new ArrayList<>(cw.count + ccw.count);
        for (int i = 0; i < cw.count; i++) {
            out.add(cw.nodes[i]);
        }
        for (int i = 0; i < ccw.count; i++) {
            if (cw.indexOf(ccw.nodes[i].id()) < 0) {
                out.add(ccw.nodes[i]);
            }
        }
        return out;
    }

    /** Number of distinct leaves. */
    public int size() {
        int n = cw.count;
        for (int i = 0; i < ccw.count; i++) {
            if (cw.indexOf(ccw.nodes[i].id()) < 0) {
                n++;
            }
        }
        return n;
    }

    /** The clockwise side (larger ids), nearest first. */
    public List<NodeHandle> clockwise() {
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(cw.nodes, cw.count)));
    }

    /** The counter-clockwise side (smaller ids), nearest first. */
    public List<NodeHandle> counterClockwise() {
        return Collections.unmodifiableList(Arrays.asList(Arrays.copyOf(ccw.nodes, ccw.count)));
    }

    /** The farthest leaf on the clockwise side. */
    public Optional<NodeHandle> farthestClockwise() {
        return cw.count == 0 ? Optional.empty() : Optional.of(cw.nodes[cw.count - 1]);
    }

    /** The farthest leaf on the counter-clockwise side. */
    public Optional<NodeHandle> farthestCounterClockwise() {
        return ccw.count == 0 ? Optional.empty() : Optional.of(ccw.nodes[ccw.count - 1]);
    }

    /**
     * One side of the leaf set: nodes sorted by their distance from the owner in that side's direction.
     * Ids and distances are kept in long arrays beside the handles so that scans touch no other object.
     */
    private static final class Side {
        final NodeHandle[] nodes;
        final long[] idHi;
        final long[] idLo;
        final long[] distHi;
        final long[] distLo;
        int count;

        Side(int capacity) {
            nodes = new NodeHandle[capacity];
            idHi = new long[capacity];
            idLo = new long[capacity];
            distHi = new long[capacity];
            distLo = new long[capacity];
        }

        int indexOf(NodeId id) {
            long hi = id.hi();
            long lo = id.lo();
            for (int i = 0; i < count; i++) {
                if (idLo[i] == lo && idHi[i] == hi) {
                    return i;
                }
            }
            return -1;
        }

        boolean insert(NodeHandle candidate, long dHi, long dLo) {
            int capacity = nodes.length;
            if (count == capacity && U128.compare(dHi, dLo, distHi[count - 1], distLo[count - 1]) > 0) {
                return false;
            }
            int existing = indexOf(candidate.id());
            if (existing >= 0) {
                if (!nodes[existing].address().equals(candidate.address())) {
                    nodes[existing] = candidate;
                    return true;
                }
                return false;
            }
            int pos = count;
            while (pos > 0 && U128.compare(dHi, dLo, distHi[pos - 1], distLo[pos - 1]) < 0) {
                pos--;
            }
            if (pos == capacity) {
                return false;
            }
            int last = Math.min(count, capacity - 1);
            for (int i = last; i > pos; i--) {
                move(i - 1, i);
            }
            nodes[pos] = candidate;
            idHi[pos] = candidate.id().hi();
            idLo[pos] = candidate.id().lo();
            distHi[pos] = dHi;
            distLo[pos] = dLo;
            if (count < capacity) {
                count++;
            }
            return true;
        }

        boolean remove(NodeId id) {
            int i = indexOf(id);
            if (i < 0) {
                return false;
            }
            for (int j = i; j < count - 1; j++) {
                move(j + 1, j);
            }
            count--;
            nodes[count] = null;
            return true;
        }

        private void move(int from, int to) {
            nodes[to] = nodes[from];
            idHi[to] = idHi[from];
            idLo[to] = idLo[from];
            distHi[to] = distHi[from];
            distLo[to] = distLo[from];
        }

        NodeHandle closest(NodeId key, NodeHandle best) {
            return closestSharingPrefix(key, 0, best);
        }

        NodeHandle closestSharingPrefix(NodeId key, int minPrefix, NodeHandle best) {
            long kh = key.hi();
            long kl = key.lo();
            long bh = best.id().hi();
            long bl = best.id().lo();
            for (int i = 0; i < count; i++) {
                long h = idHi[i];
                long l = idLo[i];
                if ((minPrefix == 0 || U128.sharedPrefixLength(h, l, kh, kl) >= minPrefix)
                        && U128.compareCloseness(kh, kl, h, l, bh, bl) < 0) {
                    best = nodes[i];
                    bh = h;
                    bl = l;
                }
            }
            return best;
        }
    }
}
