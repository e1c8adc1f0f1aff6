package io.rafka.cache;

import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.PartitionId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Real record batches as the log stores them: base offset and writer epoch stamped. */
public final class TestBatches {
    public static final PartitionId PARTITION = new PartitionId("orders", 3);
    public static final long INCARNATION = 1_764_085_200_000L;

    private TestBatches() {
    }

    public static byte[] batch(long baseOffset, int epoch, int records, int valueBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(records * (valueBytes + 32));
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            byte[] tag = ("r" + (baseOffset + i)).getBytes(StandardCharsets.UTF_8);
            System.arraycopy(tag, 0, value, 0, Math.min(tag.length, valueBytes));
            b.append(1_700_000_000_000L + i, ("k" + i).getBytes(StandardCharsets.UTF_8), value);
        }
        byte[] bytes = b.build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        batch.setBaseOffset(baseOffset);
        batch.setWriterEpoch(epoch);
        return bytes;
    }

    public static byte[] batch(long baseOffset, int epoch) {
        return batch(baseOffset, epoch, 5, 100);
    }

    public static CachedBatchKey key(int epoch, long baseOffset) {
        return new CachedBatchKey(PARTITION, INCARNATION, epoch, baseOffset);
    }

    public static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
