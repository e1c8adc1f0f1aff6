package io.rafka.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Encodes records into one {@link RecordBatch}, once, on the producer side. Each record is
 * (zig-zag varints):
 *
 * <pre>
 * varint  length            bytes after this field
 * int8    attributes        0
 * varlong timestampDelta    timestamp - firstTimestamp
 * varint  offsetDelta       index of the record in the batch
 * varint  keyLength         -1 for null, then the key bytes
 * varint  valueLength       -1 for null, then the value bytes
 * varint  headerCount       then per header: varint keyLength, UTF-8 key, varint valueLength
 *                           (-1 for null), value bytes
 * </pre>
 *
 * Not thread-safe: one builder belongs to one producer batch.
 */
public final class RecordBatchBuilder {
    private byte[] buf;
    private int pos = RecordBatch.HEADER_SIZE;
    private int count;
    private long firstTimestamp;
    private long maxTimestamp = Long.MIN_VALUE;

    public RecordBatchBuilder(int initialCapacity) {
        if (initialCapacity < RecordBatch.HEADER_SIZE) {
            initialCapacity = RecordBatch.HEADER_SIZE + 64;
        }
        this.buf = new byte[initialCapacity];
    }

    /** Bytes the batch would take if built now. */
    public int sizeInBytes() {
        return pos;
    }

    public int recordCount() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Bytes a record would add to the batch, before appending it. */
    public int sizeOfRecord(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        long firstTs = count == 0 ? timestamp : firstTimestamp;
        int body = bodySize(timestamp - firstTs, count, key, value, headers);
        return Varints.sizeOfVarint(body) + body;
    }

    /** Appends a record. Key, value and header values may be null. */
    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value, List<Header> headers) {
        if (count == 0) {
            firstTimestamp = timestamp;
        }
        long delta = timestamp - firstTimestamp;
        int body = bodySize(delta, count, key, value, headers);
        ensureCapacity(Varints.sizeOfVarint(body) + body);
        int p = Varints.writeVarint(body, buf, pos);
        buf[p++] = 0;
        p = Varints.writeVarlong(delta, buf, p);
        p = Varints.writeVarint(count, buf, p);
        p = writeBytes(key, p);
        p = writeBytes(value, p);
        p = Varints.writeVarint(headers.size(), buf, p);
        for (Header h : headers) {
            p = writeBytes(h.key().getBytes(StandardCharsets.UTF_8), p);
            p = writeBytes(h.value(), p);
        }
        pos = p;
        count++;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        return this;
    }

    public RecordBatchBuilder append(long timestamp, byte[] key, byte[] value) {
        return append(timestamp, key, value, List.of());
    }

    /** Builds a batch without producer identity (not idempotent). */
    public byte[] build() {
        return build(-1L, (short) -1, -1);
    }

    /**
     * Builds the batch with the producer identity used for duplicate suppression. The returned
     * array is the batch; the builder must not be used afterwards.
     */
    public byte[] build(long producerId, short producerEpoch, int baseSequence) {
        if (count == 0) {
            throw new IllegalStateException("cannot build an empty batch");
        }
        ByteBuffer b = ByteBuffer.wrap(buf, 0, pos).order(ByteOrder.BIG_ENDIAN);
        b.putLong(RecordBatch.BASE_OFFSET_OFFSET, 0L);
        b.putInt(RecordBatch.LENGTH_OFFSET, pos - RecordBatch.LOG_OVERHEAD);
        b.putInt(RecordBatch.WRITER_EPOCH_OFFSET, 0);
        b.put(RecordBatch.MAGIC_OFFSET, RecordBatch.MAGIC);
        b.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) 0);
        b.putInt(RecordBatch.RECORD_COUNT_OFFSET, count);
        b.putLong(RecordBatch.FIRST_TIMESTAMP_OFFSET, firstTimestamp);
        b.putLong(RecordBatch.MAX_TIMESTAMP_OFFSET, maxTimestamp);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        CRC32C crc = new CRC32C();
        crc.update(buf, RecordBatch.ATTRIBUTES_OFFSET, pos - RecordBatch.ATTRIBUTES_OFFSET);
        b.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
    }

    private static int bodySize(long tsDelta, int offsetDelta, byte[] key, byte[] value,
                                List<Header> headers) {
        int size = 1 + Varints.sizeOfVarlong(tsDelta) + Varints.sizeOfVarint(offsetDelta)
                + sizeOfBytes(key) + sizeOfBytes(value) + Varints.sizeOfVarint(headers.size());
        for (Header h : headers) {
            size += sizeOfBytes(h.key().getBytes(StandardCharsets.UTF_8)) + sizeOfBytes(h.value());
        }
        return size;
    }

    private static int sizeOfBytes(byte[] b) {
        return b == null ? 1 : Varints.sizeOfVarint(b.length) + b.length;
    }

    private int writeBytes(byte[] b, int p) {
        if (b == null) {
            return Varints.writeVarint(-1, buf, p);
        }
        p = Varints.writeVarint(b.length, buf, p);
        System.arraycopy(b, 0, buf, p, b.length);
        return p + b.length;
    }

    private void ensureCapacity(int extra) {
        if (pos + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + extra));
        }
    }
}
