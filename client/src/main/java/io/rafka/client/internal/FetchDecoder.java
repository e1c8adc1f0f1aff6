package io.rafka.client.internal;

import io.grpc.Status;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.RafkaException;
import io.rafka.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.List;

/** Turns fetched batch bytes into consumer records, skipping those below the position. */
public final class FetchDecoder {
    private FetchDecoder() {
    }

    /**
     * Appends to {@code out} every record of {@code batches} (concatenated whole batches) with an
     * offset >= {@code fromOffset}, in order, and returns the offset after the last one appended
     * ({@code fromOffset} when none). Batches wholly below {@code fromOffset} are not decoded.
     *
     * @throws RafkaException with DATA_LOSS when {@code checkCrc} and a batch's CRC mismatches
     */
    public static long decode(String topic, int partition, ByteBuffer batches, long fromOffset,
                              boolean checkCrc, List<ConsumerRecord> out) {
        long[] next = {fromOffset};
        RecordBatch.forEach(batches, batch -> {
            if (batch.lastOffset() < next[0]) {
                return;
            }
            if (checkCrc && !batch.isCrcValid()) {
                throw new RafkaException(Status.Code.DATA_LOSS, "batch at offset "
                        + batch.baseOffset() + " of " + topic + "-" + partition
                        + " fails its CRC check (CRC 0x" + Long.toHexString(batch.crc()) + ")");
            }
            batch.forEachRecord(r -> {
                if (r.offset() >= next[0]) {
                    out.add(new ConsumerRecord(topic, partition, r.offset(), r.timestamp(), r.key(),
                            r.value(), r.headers()));
                    next[0] = r.offset() + 1;
                }
            });
        });
        return next[0];
    }
}
