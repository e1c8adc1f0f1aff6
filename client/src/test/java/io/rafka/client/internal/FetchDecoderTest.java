package io.rafka.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.RafkaException;
import io.rafka.record.Header;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FetchDecoderTest {
    /** Two batches: offsets 10..14 and 15..17, values = offset as one byte. */
    private static ByteBuffer batches() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long base = 10;
        for (int count : new int[] {5, 3}) {
            RecordBatchBuilder b = new RecordBatchBuilder(256);
            for (int i = 0; i < count; i++) {
                b.append(1000 + i, i == 0 ? null : new byte[] {1},
                        new byte[] {(byte) (base + i)}, List.of(new Header("h", null)));
            }
            byte[] bytes = b.build();
            RecordBatch.wrap(bytes).setBaseOffset(base);
            out.writeBytes(bytes);
            base += count;
        }
        return ByteBuffer.wrap(out.toByteArray());
    }

    @Test
    void returnsRecordsFromThePositionOnSkippingEarlierOnesInTheSameBatch() {
        List<ConsumerRecord> out = new ArrayList<>();
        long next = FetchDecoder.decode("t", 3, batches(), 12, true, out);
        assertThat(next).isEqualTo(18);
        assertThat(out).extracting(ConsumerRecord::offset).containsExactly(12L, 13L, 14L, 15L, 16L, 17L);
        ConsumerRecord first = out.get(0);
        assertThat(first.topic()).isEqualTo("t");
        assertThat(first.partition()).isEqualTo(3);
        assertThat(first.value()).containsExactly(12);
        assertThat(first.timestamp()).isEqualTo(1002);
        assertThat(first.headers()).extracting(Header::key).containsExactly("h");
    }

    @Test
    void skipsWholeBatchesBelowThePositionAndReturnsThePositionWhenNothingIsNew() {
        List<ConsumerRecord> out = new ArrayList<>();
        assertThat(FetchDecoder.decode("t", 0, batches(), 15, true, out)).isEqualTo(18);
        assertThat(out).extracting(ConsumerRecord::offset).containsExactly(15L, 16L, 17L);
        out.clear();
        assertThat(FetchDecoder.decode("t", 0, batches(), 18, true, out)).isEqualTo(18);
        assertThat(out).isEmpty();
    }

    @Test
    void corruptBatchIsReportedAsDataLoss() {
        ByteBuffer b = batches();
        b.put(RecordBatch.HEADER_SIZE + 3, (byte) 0x55);
        assertThatThrownBy(() -> FetchDecoder.decode("t", 0, b, 0, true, new ArrayList<>()))
                .isInstanceOf(RafkaException.class)
                .satisfies(e -> assertThat(((RafkaException) e).code()).isEqualTo(Status.Code.DATA_LOSS))
                .hasMessageContaining("offset 10 of t-0");
    }
}
