package io.rafka.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordBatchTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void encodedRecordsDecodeToTheSameKeysValuesHeadersAndTimestamps() {
        byte[] batch = new RecordBatchBuilder(128)
                .append(1_000L, bytes("k1"), bytes("v1"), List.of(new Header("h", bytes("x"))))
                .append(990L, null, bytes("v2"))
                .append(1_500L, bytes("k3"), null, List.of(new Header("n", null)))
                .build(7L, (short) 2, 40);
        RecordBatch b = RecordBatch.wrap(batch);
        b.ensureValid();
        b.setBaseOffset(100);
        List<Record> records = b.records();
        assertThat(records).hasSize(3);
        assertThat(records.get(0).offset()).isEqualTo(100);
        assertThat(records.get(0).key()).isEqualTo(bytes("k1"));
        assertThat(records.get(0).headers().get(0).value()).isEqualTo(bytes("x"));
        assertThat(records.get(1).key()).isNull();
        assertThat(records.get(1).timestamp()).isEqualTo(990L);
        assertThat(records.get(2).value()).isNull();
        assertThat(records.get(2).headers().get(0).value()).isNull();
        assertThat(b.firstTimestamp()).isEqualTo(1_000L);
        assertThat(b.maxTimestamp()).isEqualTo(1_500L);
        assertThat(b.producerId()).isEqualTo(7L);
        assertThat(b.producerEpoch()).isEqualTo((short) 2);
        assertThat(b.baseSequence()).isEqualTo(40);
        assertThat(b.lastSequence()).isEqualTo(42);
        assertThat(b.lastOffset()).isEqualTo(102);
    }

    @Test
    void brokerStampedFieldsDoNotBreakTheCrc() {
        RecordBatch b = RecordBatch.wrap(new RecordBatchBuilder(64).append(1L, null, bytes("v")).build());
        b.setBaseOffset(123_456_789L);
        b.setWriterEpoch(9);
        b.ensureValid();
        assertThat(b.writerEpoch()).isEqualTo(9);
    }

    @Test
    void aFlippedByteInTheRecordsFailsTheCrcCheck() {
        byte[] batch = new RecordBatchBuilder(64).append(1L, bytes("key"), bytes("value")).build();
        batch[batch.length - 2] ^= 0x01;
        RecordBatch b = RecordBatch.wrap(batch);
        assertThat(b.isCrcValid()).isFalse();
        assertThatThrownBy(b::ensureValid).isInstanceOf(CorruptBatchException.class)
                .hasMessageContaining("CRC mismatch");
    }

    @Test
    void aLengthFieldThatDisagreesWithTheBufferIsRejected() {
        byte[] batch = new RecordBatchBuilder(64).append(1L, null, bytes("v")).build();
        ByteBuffer.wrap(batch).putInt(RecordBatch.LENGTH_OFFSET, 5_000);
        assertThatThrownBy(() -> RecordBatch.wrap(batch)).isInstanceOf(CorruptBatchException.class)
                .hasMessageContaining("5012");
    }

    @Test
    void garbageShorterThanAHeaderIsRejected() {
        assertThatThrownBy(() -> RecordBatch.wrap(new byte[10]))
                .isInstanceOf(CorruptBatchException.class).hasMessageContaining("57-byte header");
    }

    @Test
    void aWrongRecordCountWithAValidCrcIsRejectedByTheStructuralWalk() {
        byte[] batch = new RecordBatchBuilder(64).append(1L, null, bytes("v")).append(2L, null, bytes("w")).build();
        ByteBuffer bb = ByteBuffer.wrap(batch);
        bb.putInt(RecordBatch.RECORD_COUNT_OFFSET, 3);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(batch, RecordBatch.ATTRIBUTES_OFFSET, batch.length - RecordBatch.ATTRIBUTES_OFFSET);
        bb.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        assertThatThrownBy(() -> RecordBatch.wrap(batch).ensureValid())
                .isInstanceOf(CorruptBatchException.class).hasMessageContaining("after record 2 of 3");
    }

    @Test
    void concatenatedBatchesSplitAndAPartialTailIsIgnored() {
        byte[] a = new RecordBatchBuilder(64).append(1L, null, bytes("a")).build();
        byte[] b = new RecordBatchBuilder(64).append(2L, null, bytes("b")).append(3L, null, bytes("c")).build();
        ByteBuffer all = ByteBuffer.allocate(a.length + b.length + 20);
        all.put(a).put(b).put(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
        all.flip();
        List<RecordBatch> batches = RecordBatch.split(all);
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1).recordCount()).isEqualTo(2);
    }

    @Test
    void sizeOfRecordPredictsTheGrowthOfTheBatch() {
        RecordBatchBuilder builder = new RecordBatchBuilder(64);
        builder.append(10L, bytes("k"), bytes("v"));
        int before = builder.sizeInBytes();
        int predicted = builder.sizeOfRecord(20L, bytes("key"), new byte[300], List.of(new Header("a", bytes("b"))));
        builder.append(20L, bytes("key"), new byte[300], List.of(new Header("a", bytes("b"))));
        assertThat(builder.sizeInBytes() - before).isEqualTo(predicted);
    }
}
