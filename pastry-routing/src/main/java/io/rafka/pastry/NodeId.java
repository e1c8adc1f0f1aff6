package io.rafka.pastry;

import io.rafka.pastry.internal.U128;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * A 128-bit position on the Pastry ring, used both for node ids and for keys.
 *
 * <p>The value is the unsigned integer {@code hi * 2^64 + lo}. Ids are read as 32 digits of b = 4 bits
 * (hexadecimal), digit 0 being the most significant. The ring is the integers modulo 2<sup>128</sup>:
 * distances wrap around at 0 / 2<sup>128</sup>.
 *
 * <p><b>Key hash (other-language clients must reproduce it):</b> {@link #ofKey(String)} is the first 16
 * bytes of SHA-256 over the UTF-8 bytes of the key, read big-endian (bytes 0-7 are {@code hi}, bytes
 * 8-15 are {@code lo}). For example {@code ofKey("")} is {@code e3b0c44298fc1c149afbf4c8996fb924}.
 * {@link #ofIdentity(String)} uses the same hash for stable node identities such as a pod name.
 *
 * <p><b>Closest node and tie rule:</b> the numerically closest node to a key is the one at the smallest
 * circular distance; when two nodes are exactly equally far (the key sits half way between them), the
 * node counter-clockwise of the key, its predecessor on the ring, wins. See {@link #byClosenessTo(NodeId)}.
 */
public record NodeId(long hi, long lo) implements Comparable<NodeId> {

    /** Number of base-16 digits in an id. */
    public static final int DIGITS = 32;
    /** Bits per digit (Pastry's b). */
    public static final int BITS_PER_DIGIT = 4;
    /** Values a digit can take (2^b). */
    public static final int RADIX = 16;

    public static final NodeId ZERO = new NodeId(0L, 0L);
    public static final NodeId MAX = new NodeId(-1L, -1L);

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeId other && other.lo == lo && other.hi == hi;
    }

    @Override
    public int hashCode() {
        long h = (hi ^ Long.rotateLeft(lo, 32)) * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Ids of a node and of a key, compared as unsigned 128-bit integers (not as positions on the ring). */
    @Override
    public int compareTo(NodeId other) {
        return U128.compare(hi, lo, other.hi, other.lo);
    }

    /** Digit {@code i} of this id, 0 being the most significant, as a value between 0 and 15. */
    public int digit(int i) {
        if (i < 0 || i >= DIGITS) {
            throw new IllegalArgumentException("digit index must be between 0 and 31, was " + i);
        }
        return U128.digit(hi, lo, i);
    }

    /** Number of leading digits this id shares with {@code other}: 32 when they are equal. */
    public int sharedPrefixLength(NodeId other) {
        return U128.sharedPrefixLength(hi, lo, other.hi, other.lo);
    }

    /** Distance walking clockwise (towards larger values, wrapping at 2^128) from this id to {@code other}. */
    public NodeId clockwiseDistanceTo(NodeId other) {
        return new NodeId(other.hi - hi - U128.borrow(other.lo, lo), other.lo - lo);
    }

    /** Distance walking counter-clockwise (towards smaller values, wrapping at 0) from this id to {@code other}. */
    public NodeId counterClockwiseDistanceTo(NodeId other) {
        return other.clockwiseDistanceTo(this);
    }

    /** Circular distance: the shorter of the clockwise and counter-clockwise distances, at most 2^127. */
    public NodeId distanceTo(NodeId other) {
        NodeId cw = clockwiseDistanceTo(other);
        NodeId ccw = counterClockwiseDistanceTo(other);
        return cw.compareTo(ccw) <= 0 ? cw : ccw;
    }

    /** This id plus {@code delta}, modulo 2^128. */
    public NodeId plus(NodeId delta) {
        long newLo = lo + delta.lo;
        long carry = Long.compareUnsigned(newLo, lo) < 0 ? 1L : 0L;
        return new NodeId(hi + delta.hi + carry, newLo);
    }

    /** This id minus {@code delta}, modulo 2^128. */
    public NodeId minus(NodeId delta) {
        return delta.clockwiseDistanceTo(this);
    }

    /**
     * Whether this node is strictly closer to {@code key} than {@code other} under the ring's tie rule.
     */
    public boolean isCloserTo(NodeId key, NodeId other) {
        return U128.compareCloseness(key.hi, key.lo, hi, lo, other.hi, other.lo) < 0;
    }

    /**
     * Orders node ids by closeness to this key: the first element is the key's root (numerically closest
     * node, ties to the node counter-clockwise of the key).
     */
    public static Comparator<NodeId> byClosenessTo(NodeId key) {
        return (a, b) -> U128.compareCloseness(key.hi, key.lo, a.hi, a.lo, b.hi, b.lo);
    }

    /** The value as an unsigned {@link BigInteger}, for tests and diagnostics. */
    public BigInteger toBigInteger() {
        byte[] bytes = ByteBuffer.allocate(16).putLong(hi).putLong(lo).array();
        return new BigInteger(1, bytes);
    }

    /** 32 lower-case hex digits. */
    public String toHex() {
        return HexFormat.of().toHexDigits(hi) + HexFormat.of().toHexDigits(lo);
    }

    @Override
    public String toString() {
        return toHex();
    }

    /** Parses 32 hex digits (as printed by {@link #toHex()}). */
    public static NodeId fromHex(String hex) {
        if (hex == null || hex.length() != DIGITS) {
            throw new IllegalArgumentException("node id must be 32 hex digits, was "
                    + (hex == null ? "null" : "'" + hex + "' (" + hex.length() + " characters)"));
        }
        try {
            return new NodeId(Long.parseUnsignedLong(hex.substring(0, 16), 16),
                    Long.parseUnsignedLong(hex.substring(16), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("node id must be 32 hex digits, was '" + hex + "'", e);
        }
    }

    /** The id of an unsigned integer between 0 and 2^128 - 1. */
    public static NodeId of(BigInteger value) {
        if (value.signum() < 0 || value.bitLength() > 128) {
            throw new IllegalArgumentException("node id must be between 0 and 2^128 - 1, was " + value);
        }
        return new NodeId(value.shiftRight(64).longValue(), value.longValue());
    }

    /** The key of a string such as {@code topic/partition}: the first 16 bytes of SHA-256 of its UTF-8 bytes. */
    public static NodeId ofKey(String key) {
        if (key == null) {
            throw new IllegalArgumentException("key must not be null");
        }
        return ofSha256(key.getBytes(StandardCharsets.UTF_8));
    }

    /** The id of a stable node identity such as a pod name; same hash as {@link #ofKey(String)}. */
    public static NodeId ofIdentity(String identity) {
        if (identity == null || identity.isEmpty()) {
            throw new IllegalArgumentException("node identity must be a non-empty string, was '" + identity + "'");
        }
        return ofSha256(identity.getBytes(StandardCharsets.UTF_8));
    }

    /** A uniformly random id drawn from {@code random}. */
    public static NodeId random(RandomGenerator random) {
        return new NodeId(random.nextLong(), random.nextLong());
    }

    private static NodeId ofSha256(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            ByteBuffer buffer = ByteBuffer.wrap(digest);
            return new NodeId(buffer.getLong(), buffer.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
