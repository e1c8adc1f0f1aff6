package io.rafka.node.partition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ProducerStatesTest {
    final ProducerStates states = new ProducerStates();

    @Test
    void anUnknownProducerMustStartAtSequenceZero() {
        assertThat(states.check(1, (short) 0, 0, 3)).isInstanceOf(ProducerStates.Accept.class);
        assertThat(states.check(1, (short) 0, 17, 20)).isInstanceOfSatisfying(ProducerStates.Reject.class,
                r -> assertThat(r.error().getMessage()).contains("must have sequence 0, got 17"));
    }

    @Test
    void aCachedBatchIsADuplicateWithItsOriginalOffset() {
        states.record(1, (short) 0, 0, 9, CompletableFuture.completedFuture(100L));
        states.record(1, (short) 0, 10, 19, CompletableFuture.completedFuture(110L));
        var check = states.check(1, (short) 0, 0, 9);
        assertThat(check).isInstanceOfSatisfying(ProducerStates.Duplicate.class,
                d -> assertThat(d.baseOffset().join()).isEqualTo(100L));
        assertThat(states.check(1, (short) 0, 20, 25)).isInstanceOf(ProducerStates.Accept.class);
    }

    @Test
    void aGapInTheSequenceIsOutOfOrder() {
        states.record(1, (short) 0, 0, 9, CompletableFuture.completedFuture(0L));
        assertThat(states.check(1, (short) 0, 12, 13)).isInstanceOfSatisfying(ProducerStates.Reject.class,
                r -> assertThat(r.error().getMessage()).contains("expected 10, got 12"));
    }

    @Test
    void onlyTheLastFiveBatchesAreRemembered() {
        for (int i = 0; i < 6; i++) {
            states.record(1, (short) 0, i * 10, i * 10 + 9, CompletableFuture.completedFuture((long) i * 10));
        }
        assertThat(states.check(1, (short) 0, 0, 9)).isInstanceOf(ProducerStates.Reject.class);
        assertThat(states.check(1, (short) 0, 10, 19)).isInstanceOf(ProducerStates.Duplicate.class);
    }

    @Test
    void anOlderEpochIsFencedAndANewerOneStartsAfresh() {
        states.record(1, (short) 3, 0, 9, CompletableFuture.completedFuture(0L));
        assertThat(states.check(1, (short) 2, 10, 11)).isInstanceOfSatisfying(ProducerStates.Reject.class,
                r -> assertThat(r.error().getMessage()).contains("fenced"));
        assertThat(states.check(1, (short) 4, 0, 0)).isInstanceOf(ProducerStates.Accept.class);
        assertThat(states.check(1, (short) 4, 5, 6)).isInstanceOf(ProducerStates.Reject.class);
    }

    @Test
    void forgettingFromAFailedBatchDropsItAndItsSuccessorsAndExpectsItsRetry() {
        states.record(1, (short) 0, 0, 9, CompletableFuture.completedFuture(0L));
        states.record(1, (short) 0, 10, 19, new CompletableFuture<>());
        states.record(1, (short) 0, 20, 29, new CompletableFuture<>());
        states.forgetFrom(1, 10);
        assertThat(states.check(1, (short) 0, 20, 29)).as("a later batch must not leave a gap")
                .isInstanceOf(ProducerStates.Reject.class);
        assertThat(states.check(1, (short) 0, 10, 19)).isInstanceOf(ProducerStates.Accept.class);
    }

    @Test
    void afterTheOnlyCachedBatchFailsTheProducerStillExpectsThatSequence() {
        states.record(1, (short) 0, 0, 9, new CompletableFuture<>());
        states.forgetFrom(1, 0);
        assertThat(states.check(1, (short) 0, 10, 19)).isInstanceOf(ProducerStates.Reject.class);
        assertThat(states.check(1, (short) 0, 0, 9)).isInstanceOf(ProducerStates.Accept.class);
    }
}
