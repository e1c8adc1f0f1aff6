package io.rafka.storage.scylla.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class EpochClockTest {
    private static final long NOW_MICROS = System.currentTimeMillis() * 1000;

    @Test
    void everyTimestampOfAnEpochIsAboveEveryClockTimeAndEveryTimestampOfALowerEpoch() {
        // 2^52 microseconds after 1970 is in 2112.
        assertThat(Instant.EPOCH.plus(EpochClock.FENCED_BASE, ChronoUnit.MICROS).atZone(ZoneOffset.UTC).getYear())
                .isEqualTo(2112);
        assertThat(EpochClock.base(1)).isGreaterThan(NOW_MICROS);
        assertThat(EpochClock.base(1)).isEqualTo((1L << 52) + (1L << 40));
        for (int epoch : new int[] {1, 2, 1000, EpochClock.MAX_EPOCH - 1}) {
            long lastOfEpoch = EpochClock.base(epoch) + EpochClock.EPOCH_SPAN - 1;
            assertThat(EpochClock.base(epoch + 1)).isGreaterThan(lastOfEpoch);
            assertThat(EpochClock.epochOf(lastOfEpoch)).isEqualTo(epoch);
            assertThat(EpochClock.epochOf(EpochClock.base(epoch + 1))).isEqualTo(epoch + 1);
        }
        assertThat(EpochClock.epochOf(NOW_MICROS)).isZero();
    }

    @Test
    void theLargestEpochStillFitsIn63Bits() {
        long last = EpochClock.last(EpochClock.MAX_EPOCH);

        assertThat(last).isEqualTo(Long.MAX_VALUE);
        EpochClock clock = EpochClock.resume(EpochClock.MAX_EPOCH, Long.MIN_VALUE);
        long open = clock.next();
        assertThat(open).isEqualTo(EpochClock.base(EpochClock.MAX_EPOCH));
        assertThat(clock.highWaterMark(Long.MAX_VALUE - 3)).isEqualTo(Long.MAX_VALUE);
        assertThat(EpochClock.resume(EpochClock.MAX_EPOCH, Long.MAX_VALUE)).isNull();
        assertThat(EpochClock.MAX_EPOCH).isEqualTo((1 << 23) - (1 << 12) - 1);
        assertThatThrownBy(() -> EpochClock.checkEpoch(EpochClock.MAX_EPOCH + 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(EpochClock.MAX_EPOCH))
                .hasMessageContaining(String.valueOf(EpochClock.MAX_EPOCH + 1));
        assertThatThrownBy(() -> EpochClock.checkEpoch(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aNewEpochStartsAtItsBaseAndOnlyTheOpenWriteMayGoBeforeItIsAcknowledged() {
        EpochClock clock = EpochClock.resume(3, EpochClock.base(2) + 12345);
        assertThat(EpochClock.last(2) + 1).isEqualTo(EpochClock.base(3));

        long open = clock.next();

        assertThat(open).isEqualTo(EpochClock.base(3));
        assertThatThrownBy(clock::next).isInstanceOf(EpochClock.Exhausted.class);
        clock.acknowledged(open);
        assertThat(clock.next()).isEqualTo(open + 1);
        assertThat(clock.next()).isEqualTo(open + 2);
        assertThat(clock.ceiling()).isEqualTo(clock.highWaterMark(open)).isEqualTo(open + EpochClock.RESERVATION - 1);
    }

    @Test
    void theSameEpochReopenedStartsAtTheStoredHighWaterMark() {
        EpochClock first = EpochClock.resume(5, Long.MIN_VALUE);
        long open = first.next();
        first.acknowledged(open);
        long last = 0;
        for (int i = 0; i < 1000; i++) {
            last = first.next();
        }
        // Whatever the first log sent is at or below the mark of its last acknowledged state write.
        long storedMark = first.highWaterMark(open);
        assertThat(last).isLessThanOrEqualTo(storedMark);

        EpochClock second = EpochClock.resume(5, storedMark);

        assertThat(second.next()).isEqualTo(storedMark + 1).isGreaterThan(last);
    }

    @Test
    void noTimestampIsIssuedAtOrAboveTheAcknowledgedLimitUntilAStateWriteRaisesIt() {
        EpochClock clock = EpochClock.resume(1, EpochClock.base(1) + 500);
        long open = clock.next();

        assertThatThrownBy(clock::next).isInstanceOf(EpochClock.Exhausted.class)
                .hasMessageContaining("no write of epoch 1 was acknowledged");
        clock.acknowledged(open);
        assertThat(clock.next()).isEqualTo(open + 1);
    }

    @Test
    void anEpochWithoutTimestampsLeftOrBelowAStoredHigherEpochCannotResume() {
        long endOfEpoch7 = EpochClock.last(7);

        assertThat(EpochClock.resume(7, endOfEpoch7)).isNull();
        assertThat(EpochClock.resume(7, EpochClock.base(9) + 5)).isNull();
        EpochClock last = EpochClock.resume(7, endOfEpoch7 - 1);
        long ts = last.next();
        assertThat(ts).isEqualTo(endOfEpoch7);
        assertThat(last.highWaterMark(ts)).isEqualTo(endOfEpoch7);
        last.acknowledged(ts);
        assertThatThrownBy(last::next).isInstanceOf(EpochClock.Exhausted.class)
                .hasMessageContaining("used all its");
    }
}
