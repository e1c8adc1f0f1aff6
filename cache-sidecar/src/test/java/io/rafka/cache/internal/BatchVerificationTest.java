package io.rafka.cache.internal;

import static io.rafka.cache.TestBatches.batch;
import static io.rafka.cache.TestBatches.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BatchVerificationTest {

    @Test
    void theBatchTheKeyNamesPasses() {
        assertThat(BatchVerification.problem(key(7, 100), batch(100, 7))).isEmpty();
    }

    @Test
    void aBatchOfAnotherOffsetFails() {
        assertThat(BatchVerification.problem(key(7, 100), batch(105, 7)))
                .hasValue("holds base offset 105, key says 100");
    }

    @Test
    void aBatchOfAnotherEpochFails() {
        assertThat(BatchVerification.problem(key(7, 100), batch(100, 6)))
                .hasValue("holds writer epoch 6, key says 7");
    }

    @Test
    void aFlippedRecordByteFailsTheCrc() {
        byte[] value = batch(100, 7);
        value[value.length - 3] ^= 0x40;

        assertThat(BatchVerification.problem(key(7, 100), value)).hasValue("magic or CRC-32C does not match the bytes");
    }

    @Test
    void aChangedRecordCountFailsTheCrc() {
        byte[] value = batch(100, 7);
        value[RecordBatch.RECORD_COUNT_OFFSET + 3] = 4;

        assertThat(BatchVerification.problem(key(7, 100), value)).isPresent();
    }

    @Test
    void garbageAndTruncatedValuesFail() {
        assertThat(BatchVerification.problem(key(7, 100), "hello".getBytes())).get().asString()
                .contains("shorter than the 57-byte header");
        byte[] full = batch(100, 7);
        assertThat(BatchVerification.problem(key(7, 100), Arrays.copyOf(full, full.length - 1))).get().asString()
                .contains("length field says");
        assertThat(BatchVerification.problem(key(7, 100), new byte[0])).isPresent();
    }
}
