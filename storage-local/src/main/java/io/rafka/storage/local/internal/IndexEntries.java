package io.rafka.storage.local.internal;

import java.util.Arrays;

/**
 * An append-only list of (key, value) pairs with non-decreasing keys, kept in the heap: the
 * in-memory form of a sparse index. One writer (the log's drain task) appends; any number of
 * readers search concurrently without locks.
 *
 * <p>Readers read {@code count} before {@code data}; the writer publishes a grown array before it
 * publishes a larger count, so a reader always finds at least {@code count} valid entries.
 */
final class IndexEntries {
    private volatile long[] data = new long[32];
    private volatile int count;

    int count() {
        return count;
    }

    void append(long key, long value) {
        int n = count;
        long[] d = data;
        if (2 * n + 2 > d.length) {
            d = Arrays.copyOf(d, d.length * 2);
            data = d;
        }
        d[2 * n] = key;
        d[2 * n + 1] = value;
        count = n + 1;
    }

    /** Keeps the first {@code n} entries. Only the writer calls this. */
    void truncate(int n) {
        if (n < count) {
            count = n;
        }
    }

    long key(int i) {
        return data[2 * i];
    }

    long value(int i) {
        return data[2 * i + 1];
    }

    long lastKey() {
        int n = count;
        return n == 0 ? Long.MIN_VALUE : data[2 * (n - 1)];
    }

    long lastValue() {
        int n = count;
        return n == 0 ? -1 : data[2 * (n - 1) + 1];
    }

    /** Index of the last entry whose key is at most {@code target}, or -1. */
    int floor(long target) {
        return lastBelow(target, true);
    }

    /** Index of the last entry whose key is strictly below {@code target}, or -1. */
    int lower(long target) {
        return lastBelow(target, false);
    }

    private int lastBelow(long target, boolean inclusive) {
        int n = count;
        long[] d = data;
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long k = d[2 * mid];
            if (k < target || (inclusive && k == target)) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
