package io.rafka.pastry;

import io.rafka.pastry.internal.U128;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Pastry's routing table: 32 rows of 16 columns. The entry at row {@code r}, column {@code c} is a node
 * whose id shares the first {@code r} digits with the owner's id and has digit {@code c} at position
 * {@code r}. The owner's own column in each row stays empty (the owner itself stands there).
 *
 * <p>Only about ceil(log16 N) + 1 rows are ever non-empty, so rows are allocated on first use: at
 * 100,000 nodes a table holds 6 arrays of 16 references instead of 32.
 *
 * <p>When two candidates compete for one slot, the nearer one by the {@link ProximityMetric} is kept
 * (Pastry's locality heuristic); with {@link ProximityMetric#NONE} the first one stays.
 *
 * <p>Not thread-safe: owned by one {@link PastryNode}.
 */
public final class RoutingTable {

    public static final int ROWS = NodeId.DIGITS;
    public static final int COLUMNS = NodeId.RADIX;

    private final NodeHandle owner;
    private final ProximityMetric metric;
    private final NodeHandle[][] rows = new NodeHandle[ROWS][];
    /** Ids of the entries, {@code hi, lo} per column, beside the handles so that scans touch no other object. */
    private final long[][] ids = new long[ROWS][];
    private int size;

    public RoutingTable(NodeHandle owner, ProximityMetric metric) {
        if (owner == null || metric == null) {
            throw new IllegalArgumentException("owner and metric must not be null");
        }
        this.owner = owner;
        this.metric = metric;
    }

    /** The entry at {@code row}, {@code column}, if any. */
    public Optional<NodeHandle> entry(int row, int column) {
        checkSlot(row, column);
        return Optional.ofNullable(entryOrNull(row, column));
    }

    /**
     * The entry that shares one more digit with {@code key} than the owner does: row = shared prefix length
     * of key and owner, column = the key's digit at that row. Empty when there is none or the key equals the
     * owner's id.
     */
    public Optional<NodeHandle> bestEntry(NodeId key) {
        NodeId self = owner.id();
        int row = U128.sharedPrefixLength(self.hi(), self.lo(), key.hi(), key.lo());
        if (row == ROWS) {
            return Optional.empty();
        }
        return Optional.ofNullable(entryOrNull(row, U128.digit(key.hi(), key.lo(), row)));
    }

    /**
     * Offers a node for its slot. Returns true when the table changed: the slot was empty, or the candidate
     * is nearer by proximity than the current entry, or it re-binds the same id to a new address.
     */
    public boolean consider(NodeHandle candidate) {
        NodeId self = owner.id();
        NodeId id = candidate.id();
        int r = U128.sharedPrefixLength(self.hi(), self.lo(), id.hi(), id.lo());
        if (r == ROWS) {
            return false;
        }
        int c = U128.digit(id.hi(), id.lo(), r);
        NodeHandle[] row = rows[r];
        if (row == null) {
            row = new NodeHandle[COLUMNS];
            rows[r] = row;
            ids[r] = new long[2 * COLUMNS];
        }
        long[] rowIds = ids[r];
        NodeHandle existing = row[c];
        if (existing == null) {
            row[c] = candidate;
            rowIds[2 * c] = id.hi();
            rowIds[2 * c + 1] = id.lo();
            size++;
            return true;
        }
        if (rowIds[2 * c] == id.hi() && rowIds[2 * c + 1] == id.lo()) {
            if (!existing.address().equals(candidate.address())) {
                row[c] = candidate;
                return true;
            }
            return false;
        }
        if (metric != ProximityMetric.NONE && metric.distance(owner, candidate) < metric.distance(owner, existing)) {
            row[c] = candidate;
            rowIds[2 * c] = id.hi();
            rowIds[2 * c + 1] = id.lo();
            return true;
        }
        return false;
    }

    /** Removes the node with this id; returns the row it was in, or empty if it was not in the table. */
    public OptionalInt remove(NodeId id) {
        NodeId self = owner.id();
        int r = U128.sharedPrefixLength(self.hi(), self.lo(), id.hi(), id.lo());
        if (r == ROWS || rows[r] == null) {
            return OptionalInt.empty();
        }
        int c = U128.digit(id.hi(), id.lo(), r);
        NodeHandle existing = rows[r][c];
        if (existing == null || ids[r][2 * c] != id.hi() || ids[r][2 * c + 1] != id.lo()) {
            return OptionalInt.empty();
        }
        rows[r][c] = null;
        size--;
        return OptionalInt.of(r);
    }

    /** Whether a node with this id is in the table. */
    public boolean contains(NodeId id) {
        NodeId self = owner.id();
        int r = U128.sharedPrefixLength(self.hi(), self.lo(), id.hi(), id.lo());
        if (r == ROWS || rows[r] == null) {
            return false;
        }
        int c = U128.digit(id.hi(), id.lo(), r);
        return rows[r][c] != null && ids[r][2 * c] == id.hi() && ids[r][2 * c + 1] == id.lo();
    }

    /** The non-empty entries of one row, in column order. */
    public List<NodeHandle> row(int row) {
        checkSlot(row, 0);
        List<NodeHandle> out = new ArrayList<>();
        collectRow(row, out);
        return out;
    }

    /** Every entry, row by row, in column order. */
    public List<NodeHandle> entries() {
        List<NodeHandle> out = new ArrayList<>(size);
        for (int r = 0; r < ROWS; r++) {
            collectRow(r, out);
        }
        return out;
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    /** Index of the last row holding an entry, or -1 when the table is empty. */
    public int highestNonEmptyRow() {
        for (int r = ROWS - 1; r >= 0; r--) {
            if (rows[r] != null) {
                for (NodeHandle h : rows[r]) {
                    if (h != null) {
                        return r;
                    }
                }
            }
        }
        return -1;
    }

    NodeHandle entryOrNull(int row, int column) {
        NodeHandle[] r = rows[row];
        return r == null ? null : r[column];
    }

    void collectRow(int row, List<NodeHandle> out) {
        NodeHandle[] r = rows[row];
        if (r != null) {
            for (NodeHandle h : r) {
                if (h != null) {
                    out.add(h);
                }
            }
        }
    }

    /**
     * Pastry's rare case over the table: among entries sharing at least {@code minPrefix} digits with the key
     * (they all sit in rows {@code >= minPrefix}), the one closest to the key if it is closer than
     * {@code best}; otherwise {@code best}.
     */
    NodeHandle closestSharingPrefix(NodeId key, int minPrefix, NodeHandle best) {
        long kh = key.hi();
        long kl = key.lo();
        long bh = best.id().hi();
        long bl = best.id().lo();
        for (int r = minPrefix; r < ROWS; r++) {
            NodeHandle[] row = rows[r];
            if (row == null) {
                continue;
            }
            long[] rowIds = ids[r];
            for (int c = 0; c < COLUMNS; c++) {
                if (row[c] == null) {
                    continue;
                }
                long h = rowIds[2 * c];
                long l = rowIds[2 * c + 1];
                if (U128.sharedPrefixLength(h, l, kh, kl) >= minPrefix
                        && U128.compareCloseness(kh, kl, h, l, bh, bl) < 0) {
                    best = row[c];
                    bh = h;
                    bl = l;
                }
            }
        }
        return best;
    }

    private static void checkSlot(int row, int column) {
        if (row < 0 || row >= ROWS) {
            throw new IllegalArgumentException("row must be between 0 and 31, was " + row);
        }
        if (column < 0 || column >= COLUMNS) {
            throw new IllegalArgumentException("column must be between 0 and 15, was " + column);
        }
    }
}
