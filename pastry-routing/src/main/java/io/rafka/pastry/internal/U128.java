package io.rafka.pastry.internal;

/**
 * Allocation-free arithmetic on unsigned 128-bit values held as a pair of longs (high word first).
 *
 * <p>The ring is the integers modulo 2<sup>128</sup>; every method here wraps around at 0 / 2<sup>128</sup>.
 * These helpers exist so that the route decision, which compares many distances, creates no objects.
 */
public final class U128 {

    private U128() {
    }

    /** Compares two unsigned 128-bit values. */
    public static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** The borrow out of the low word when computing {@code aLo - bLo}. */
    public static long borrow(long aLo, long bLo) {
        return Long.compareUnsigned(aLo, bLo) < 0 ? 1L : 0L;
    }

    /** Number of leading hex digits that two ids share, 0 to 32. */
    public static int sharedPrefixLength(long aHi, long aLo, long bHi, long bLo) {
        long x = aHi ^ bHi;
        if (x != 0) {
            return Long.numberOfLeadingZeros(x) >>> 2;
        }
        x = aLo ^ bLo;
        return x == 0 ? 32 : 16 + (Long.numberOfLeadingZeros(x) >>> 2);
    }

    /** Digit {@code i} (0 = most significant) of a 128-bit value in base 16. */
    public static int digit(long hi, long lo, int i) {
        return i < 16 ? (int) (hi >>> (60 - 4 * i)) & 0xF : (int) (lo >>> (60 - 4 * (i - 16))) & 0xF;
    }

    /**
     * Orders {@code a} and {@code b} by circular distance to {@code key}: negative when {@code a} is closer.
     *
     * <p>Tie rule: when {@code a} and {@code b} are different nodes at exactly the same circular distance,
     * the key lies exactly half way between them; the node counter-clockwise of the key (the one the key
     * is reached from by walking clockwise, i.e. its predecessor on the ring) wins. This is a total order
     * on distinct positions, so every node and the checker agree on a single root for every key.
     */
    public static int compareCloseness(long kHi, long kLo, long aHi, long aLo, long bHi, long bLo) {
        // a: distance walking clockwise from a to the key (a is before the key) ...
        long aBeforeHi = kHi - aHi - borrow(kLo, aLo);
        long aBeforeLo = kLo - aLo;
        // ... and walking clockwise from the key to a (a is after the key)
        long aAfterHi = aHi - kHi - borrow(aLo, kLo);
        long aAfterLo = aLo - kLo;
        boolean aBefore = compare(aBeforeHi, aBeforeLo, aAfterHi, aAfterLo) <= 0;
        long aDistHi = aBefore ? aBeforeHi : aAfterHi;
        long aDistLo = aBefore ? aBeforeLo : aAfterLo;

        long bBeforeHi = kHi - bHi - borrow(kLo, bLo);
        long bBeforeLo = kLo - bLo;
        long bAfterHi = bHi - kHi - borrow(bLo, kLo);
        long bAfterLo = bLo - kLo;
        boolean bBefore = compare(bBeforeHi, bBeforeLo, bAfterHi, bAfterLo) <= 0;
        long bDistHi = bBefore ? bBeforeHi : bAfterHi;
        long bDistLo = bBefore ? bBeforeLo : bAfterLo;

        int c = compare(aDistHi, aDistLo, bDistHi, bDistLo);
        if (c != 0 || aBefore == bBefore) {
            return c;
        }
        return aBefore ? -1 : 1;
    }
}
