package io.rafka.storage.scylla.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EpochHistoryTest {

    @Test
    void anEmptyHistoryTakesEveryRow() {
        EpochHistory h = EpochHistory.of(null);

        assertThat(h.isEmpty()).isTrue();
        assertThat(h.isGenuine(0, 0)).isTrue();
        assertThat(h.isGenuine(1234, 42)).isTrue();
        assertThat(h.latestEpoch()).isZero();
    }

    @Test
    void anOffsetBelongsToTheGreatestEpochStartingAtOrBelowIt() {
        EpochHistory h = EpochHistory.of(Map.of(1, 10L, 2, 25L, 4, 25L, 5, 40L));

        assertThat(h.ownerOf(0)).isZero();
        assertThat(h.ownerOf(9)).isZero();
        assertThat(h.ownerOf(10)).isEqualTo(1);
        assertThat(h.ownerOf(24)).isEqualTo(1);
        // Epoch 2 wrote nothing before epoch 4 took over at the same offset.
        assertThat(h.ownerOf(25)).isEqualTo(4);
        assertThat(h.ownerOf(39)).isEqualTo(4);
        assertThat(h.ownerOf(40)).isEqualTo(5);
        assertThat(h.ownerOf(Long.MAX_VALUE)).isEqualTo(5);
        assertThat(h.latestEpoch()).isEqualTo(5);
        assertThat(h.latestFirstOffset()).isEqualTo(40);
    }

    @Test
    void onlyTheOwningEpochsRowsAreGenuineAboveTheFirstEpoch() {
        EpochHistory h = EpochHistory.of(Map.of(1, 10L, 2, 25L));

        assertThat(h.isGenuine(3, 0)).isTrue();
        assertThat(h.isGenuine(3, 77)).as("written before fencing began, by the sole writer").isTrue();
        assertThat(h.isGenuine(10, 1)).isTrue();
        assertThat(h.isGenuine(10, 0)).isFalse();
        assertThat(h.isGenuine(24, 2)).isFalse();
        assertThat(h.isGenuine(25, 1)).as("a late write of the fenced epoch 1").isFalse();
        assertThat(h.isGenuine(30, 2)).isTrue();
    }

    @Test
    void aLaterEpochStartingLowerStillOwnsEverythingAboveItsStart() {
        EpochHistory h = EpochHistory.of(Map.of(1, 100L, 2, 50L));

        assertThat(h.ownerOf(60)).isEqualTo(2);
        assertThat(h.ownerOf(150)).isEqualTo(2);
    }

    @Test
    void addingAnEpochKeepsARecordedStart() {
        EpochHistory h = EpochHistory.of(Map.of(3, 7L));

        assertThat(h.with(3, 20).firstOffset(3)).isEqualTo(7);
        assertThat(h.with(4, 20).asMap()).containsExactly(Map.entry(3, 7L), Map.entry(4, 20L));
        assertThat(h.asMap()).containsOnlyKeys(3);
    }
}
