package io.rafka.pastry;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeIdTest {

    private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

    @Test
    void keyHashIsTheFirstSixteenBytesOfSha256OfTheUtf8Key() throws Exception {
        assertThat(NodeId.ofKey("").toHex()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb924");
        byte[] digest = MessageDigest.getInstance("SHA-256").digest("orders/7".getBytes(StandardCharsets.UTF_8));
        assertThat(NodeId.ofKey("orders/7").toHex()).isEqualTo(HexFormat.of().formatHex(digest, 0, 16));
        assertThat(NodeId.ofIdentity("rafka-0")).isEqualTo(NodeId.ofKey("rafka-0"));
    }

    @Test
    void digitsAreBase16MostSignificantFirst() {
        NodeId id = NodeId.fromHex("0123456789abcdef" + "fedcba9876543210");
        assertThat(id.digit(0)).isEqualTo(0);
        assertThat(id.digit(1)).isEqualTo(1);
        assertThat(id.digit(15)).isEqualTo(0xf);
        assertThat(id.digit(16)).isEqualTo(0xf);
        assertThat(id.digit(31)).isEqualTo(0);
        assertThatThrownBy(() -> id.digit(32)).hasMessage("digit index must be between 0 and 31, was 32");
    }

    @Test
    void sharedPrefixLengthCountsLeadingEqualDigits() {
        NodeId a = NodeId.fromHex("abcdef0000000000" + "0000000000000000");
        assertThat(a.sharedPrefixLength(a)).isEqualTo(32);
        assertThat(a.sharedPrefixLength(NodeId.fromHex("bbcdef0000000000" + "0000000000000000"))).isZero();
        assertThat(a.sharedPrefixLength(NodeId.fromHex("abcde00000000000" + "0000000000000000"))).isEqualTo(5);
        assertThat(a.sharedPrefixLength(NodeId.fromHex("abcdef0000000000" + "0100000000000000"))).isEqualTo(17);
        assertThat(a.sharedPrefixLength(NodeId.fromHex("abcdef0000000000" + "0000000000000001"))).isEqualTo(31);
    }

    @Test
    void compareToIsUnsigned128Bit() {
        NodeId small = NodeId.fromHex("7fffffffffffffff" + "ffffffffffffffff");
        NodeId large = NodeId.fromHex("8000000000000000" + "0000000000000000");
        assertThat(small).isLessThan(large);
        assertThat(NodeId.ZERO).isLessThan(NodeId.MAX);
        assertThat(new NodeId(0, -1L)).isLessThan(new NodeId(1, 0));
    }

    @Test
    void distancesWrapAroundAtZeroAndTwoToThe128() {
        NodeId one = new NodeId(0, 1);
        assertThat(NodeId.MAX.clockwiseDistanceTo(NodeId.ZERO)).isEqualTo(one);
        assertThat(NodeId.ZERO.counterClockwiseDistanceTo(NodeId.MAX)).isEqualTo(one);
        assertThat(NodeId.ZERO.clockwiseDistanceTo(NodeId.MAX)).isEqualTo(NodeId.MAX);
        assertThat(NodeId.MAX.distanceTo(one)).isEqualTo(new NodeId(0, 2));
        assertThat(NodeId.MAX.plus(new NodeId(0, 2))).isEqualTo(one);
        assertThat(NodeId.ZERO.minus(one)).isEqualTo(NodeId.MAX);
    }

    @Test
    void circularDistanceNeverExceedsHalfTheRing() {
        NodeId half = NodeId.of(RING.shiftRight(1));
        assertThat(NodeId.ZERO.distanceTo(half)).isEqualTo(half);
        assertThat(NodeId.ZERO.distanceTo(half.plus(new NodeId(0, 1)))).isEqualTo(half.minus(new NodeId(0, 1)));
    }

    @Test
    void keyExactlyBetweenTwoNodesGoesToTheCounterClockwiseNode() {
        NodeId key = NodeId.fromHex("8000000000000000" + "0000000000000000");
        NodeId below = key.minus(new NodeId(0, 10));
        NodeId above = key.plus(new NodeId(0, 10));
        assertThat(below.isCloserTo(key, above)).isTrue();
        assertThat(above.isCloserTo(key, below)).isFalse();
        // across the wrap-around: key 0, nodes at 2^128 - 5 (counter-clockwise of the key) and 5
        NodeId ccw = NodeId.ZERO.minus(new NodeId(0, 5));
        NodeId cw = new NodeId(0, 5);
        assertThat(ccw.isCloserTo(NodeId.ZERO, cw)).isTrue();
        assertThat(cw.isCloserTo(NodeId.ZERO, ccw)).isFalse();
    }

    @Test
    void closenessAgreesWithBigIntegerArithmeticOverManySeeds() {
        for (long seed = 0; seed < 200; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            NodeId key = NodeId.random(random);
            NodeId a = NodeId.random(random);
            // half the time b mirrors a around the key: equally far, the tie rule decides
            NodeId b = random.nextBoolean() ? NodeId.random(random) : key.plus(a.clockwiseDistanceTo(key));
            BigInteger da = referenceDistance(key, a);
            BigInteger db = referenceDistance(key, b);
            int expected = da.compareTo(db);
            if (expected == 0 && !a.equals(b)) {
                expected = key.toBigInteger().subtract(a.toBigInteger()).mod(RING).equals(da) ? -1 : 1;
            }
            assertThat(Integer.signum(NodeId.byClosenessTo(key).compare(a, b)))
                    .as("seed=%d key=%s a=%s b=%s", seed, key, a, b)
                    .isEqualTo(Integer.signum(expected));
            assertThat(a.distanceTo(key).toBigInteger()).as("seed=%d", seed).isEqualTo(da);
        }
    }

    @Test
    void hexRoundTripsAndBadInputNamesTheValue() {
        NodeId id = NodeId.random(new SplittableRandom(3));
        assertThat(NodeId.fromHex(id.toHex())).isEqualTo(id);
        assertThatThrownBy(() -> NodeId.fromHex("abc"))
                .hasMessage("node id must be 32 hex digits, was 'abc' (3 characters)");
        assertThatThrownBy(() -> NodeId.of(RING)).hasMessageStartingWith("node id must be between 0 and 2^128 - 1");
    }

    private static BigInteger referenceDistance(NodeId key, NodeId node) {
        BigInteger d = key.toBigInteger().subtract(node.toBigInteger()).mod(RING);
        return d.min(RING.subtract(d).mod(RING));
    }
}
