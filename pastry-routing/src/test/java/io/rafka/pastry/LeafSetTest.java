package io.rafka.pastry;

import org.junit.jupiter.api.Test;

import static io.rafka.pastry.Ids.handle;
import static io.rafka.pastry.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeafSetTest {

    @Test
    void sizeMustBeEvenAndWithinLimits() {
        assertThatThrownBy(() -> new LeafSet(handle("80"), 7))
                .hasMessage("leaf set size must be even and between 2 and 64, was 7");
        assertThatThrownBy(() -> new LeafSet(handle("80"), 66))
                .hasMessage("leaf set size must be even and between 2 and 64, was 66");
    }

    @Test
    void keepsTheHalfClosestOnEachSideSortedByDistance() {
        LeafSet leaves = new LeafSet(handle("80"), 4);
        for (String p : new String[] {"70", "81", "90", "7f", "60", "85", "a0"}) {
            leaves.consider(handle(p));
        }
        assertThat(leaves.clockwise()).extracting(NodeHandle::id).containsExactly(id("81"), id("85"));
        assertThat(leaves.counterClockwise()).extracting(NodeHandle::id).containsExactly(id("7f"), id("70"));
        assertThat(leaves.size()).isEqualTo(4);
    }

    @Test
    void sidesWrapAroundZero() {
        LeafSet leaves = new LeafSet(handle("01"), 4);
        leaves.consider(handle("ff"));
        leaves.consider(handle("fe"));
        leaves.consider(handle("02"));
        leaves.consider(handle("03"));
        leaves.consider(handle("80"));
        assertThat(leaves.counterClockwise()).extracting(NodeHandle::id).containsExactly(id("ff"), id("fe"));
        assertThat(leaves.clockwise()).extracting(NodeHandle::id).containsExactly(id("02"), id("03"));
        assertThat(leaves.covers(id("00"))).isTrue();
        assertThat(leaves.covers(id("fe"))).isTrue();
        assertThat(leaves.covers(id("fd"))).isFalse();
        assertThat(leaves.covers(id("0301"))).isFalse();
        assertThat(leaves.closest(id("0001"))).isEqualTo(handle("01"));
        assertThat(leaves.closest(id("ff8"))).isEqualTo(handle("ff"));
    }

    @Test
    void rangeRunsFromFarthestCounterClockwiseToFarthestClockwiseLeaf() {
        LeafSet leaves = new LeafSet(handle("80"), 4);
        for (String p : new String[] {"70", "78", "88", "90", "a0", "60"}) {
            leaves.consider(handle(p));
        }
        assertThat(leaves.covers(id("70"))).isTrue();
        assertThat(leaves.covers(id("8f"))).isTrue();
        assertThat(leaves.covers(id("90"))).isTrue();
        assertThat(leaves.covers(id("9001"))).isFalse();
        assertThat(leaves.covers(id("6fff"))).isFalse();
    }

    @Test
    void smallNetworkSidesOverlapAndCoverTheWholeRing() {
        LeafSet leaves = new LeafSet(handle("80"), 16);
        leaves.consider(handle("10"));
        leaves.consider(handle("c0"));
        assertThat(leaves.size()).isEqualTo(2);
        assertThat(leaves.members()).hasSize(2);
        for (String k : new String[] {"00", "20", "7f", "81", "f0", "ffffffff"}) {
            assertThat(leaves.covers(id(k))).as(k).isTrue();
        }
    }

    @Test
    void emptyLeafSetCoversEveryKeyAndTheOwnerIsClosest() {
        LeafSet leaves = new LeafSet(handle("80"), 16);
        assertThat(leaves.covers(id("00"))).isTrue();
        assertThat(leaves.closest(id("00"))).isEqualTo(handle("80"));
    }

    @Test
    void replicaSetIsTheKClosestIncludingTheOwner() {
        LeafSet leaves = new LeafSet(handle("80"), 8);
        for (String p : new String[] {"70", "78", "88", "90", "a0", "60"}) {
            leaves.consider(handle(p));
        }
        assertThat(leaves.replicaSet(id("87"), 3)).extracting(NodeHandle::id)
                .containsExactly(id("88"), id("80"), id("90"));
        assertThatThrownBy(() -> leaves.replicaSet(id("87"), 0))
                .hasMessage("replica count must be between 1 and the leaf set size + 1 (9), was 0");
    }

    @Test
    void removeDropsTheNodeFromBothSides() {
        LeafSet leaves = new LeafSet(handle("80"), 16);
        leaves.consider(handle("10"));
        assertThat(leaves.clockwise()).hasSize(1);
        assertThat(leaves.counterClockwise()).hasSize(1);
        assertThat(leaves.remove(id("10"))).isTrue();
        assertThat(leaves.size()).isZero();
        assertThat(leaves.remove(id("10"))).isFalse();
    }

    @Test
    void sameIdAtNewAddressReplacesTheHandle() {
        LeafSet leaves = new LeafSet(handle("80"), 4);
        leaves.consider(handle("81"));
        NodeHandle moved = new NodeHandle(id("81"), "elsewhere:1");
        assertThat(leaves.consider(moved)).isTrue();
        assertThat(leaves.clockwise()).containsExactly(moved);
    }
}
