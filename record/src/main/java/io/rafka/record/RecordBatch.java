package io.rafka.record;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * A view of one encoded record batch: the unit a producer sends, the broker stores and a consumer
 * fetches, as the same bytes. Layout (big-endian; docs/record-batch.md):
 *
 * <pre>
 *  0  int64  baseOffset      assigned by the broker (producers write 0)
 *  8  int32  batchLength     bytes after this field; whole batch = 12 + batchLength
 * 12  int32  writerEpoch     ownership epoch stamped by the broker (producers write 0)
 * 16  int8   magic           1
 * 17  uint32 crc             CRC-32C of bytes [21, end)
 * 21  int16  attributes      0 (reserved for compression)
 * 23  int32  recordCount     1.. ; offsets baseOffset .. baseOffset + recordCount - 1
 * 27  int64  firstTimestamp  ms since the epoch
 * 35  int64  maxTimestamp    largest record timestamp
 * 43  int64  producerId      -1 when not idempotent
 * 51  int16  producerEpoch   -1 when not idempotent
 * 53  int32  baseSequence    -1 when not idempotent; sequence of the first record
 * 57  records               recordCount records (see RecordBatchBuilder)
 * </pre>
 *
 * The CRC deliberately leaves out the fields the broker fills in (base offset, writer epoch), so
 * the broker never recomputes it and the consumer can still verify what the producer wrote.
 * Instances are views: they share the buffer and never copy it.
 */
public final class RecordBatch {
    public static final byte MAGIC = 1;
    public static final int BASE_OFFSET_OFFSET = 0;
    public static final int LENGTH_OFFSET = 8;
    public static final int WRITER_EPOCH_OFFSET = 12;
    public static final int MAGIC_OFFSET = 16;
    public static final int CRC_OFFSET = 17;
    public static final int ATTRIBUTES_OFFSET = 21;
    public static final int RECORD_COUNT_OFFSET = 23;
    public static final int FIRST_TIMESTAMP_OFFSET = 27;
    public static final int MAX_TIMESTAMP_OFFSET = 35;
    public static final int PRODUCER_ID_OFFSET = 43;
    public static final int PRODUCER_EPOCH_OFFSET = 51;
    public static final int BASE_SEQUENCE_OFFSET = 53;
    public static final int HEADER_SIZE = 57;
    /** Bytes needed to learn a batch's total size: base offset and length. */
    public static final int LOG_OVERHEAD = 12;

    private final ByteBuffer buf;

    private RecordBatch(ByteBuffer buf) {
        this.buf = buf;
    }

    /**
     * Wraps the batch that starts at {@code buffer.position()} and spans exactly to {@code
     * buffer.limit()}. Checks only that the header fits and the length matches; call {@link
     * #ensureValid()} to check the CRC and contents.
     */
    public static RecordBatch wrap(ByteBuffer buffer) {
        ByteBuffer b = buffer.slice().order(ByteOrder.BIG_ENDIAN);
        if (b.remaining() < HEADER_SIZE) {
            throw new CorruptBatchException("batch of " + b.remaining()
                    + " bytes is shorter than the " + HEADER_SIZE + "-byte header");
        }
        int length = b.getInt(LENGTH_OFFSET);
        if (length + LOG_OVERHEAD != b.remaining()) {
            throw new CorruptBatchException("batch length field says " + (length + LOG_OVERHEAD)
                    + " bytes but the buffer holds " + b.remaining());
        }
        return new RecordBatch(b);
    }

    public static RecordBatch wrap(byte[] bytes) {
        return wrap(ByteBuffer.wrap(bytes));
    }

    /**
     * The size of the batch starting at {@code pos} in {@code buf}, or -1 when fewer than
     * {@link #LOG_OVERHEAD} bytes remain. A negative or tiny length field means corruption.
     */
    public static int sizeAt(ByteBuffer buf, int pos) {
        if (buf.limit() - pos < LOG_OVERHEAD) {
            return -1;
        }
        int length = buf.getInt(pos + LENGTH_OFFSET);
        if (length < HEADER_SIZE - LOG_OVERHEAD) {
            throw new CorruptBatchException("batch length " + length + " at position " + pos
                    + " is below the minimum " + (HEADER_SIZE - LOG_OVERHEAD));
        }
        return length + LOG_OVERHEAD;
    }

    /**
     * Calls {@code action} for each whole batch in {@code batches} (concatenated batches, as a
     * fetch returns them), without copying. A trailing partial batch is ignored.
     */
    public static void forEach(ByteBuffer batches, Consumer<RecordBatch> action) {
        ByteBuffer b = batches.slice().order(ByteOrder.BIG_ENDIAN);
        int pos = 0;
        while (true) {
            int size = sizeAt(b, pos);
            if (size < 0 || pos + size > b.limit()) {
                return;
            }
            action.accept(wrap(b.slice(pos, size)));
            pos += size;
        }
    }

    /** The batches in {@code batches}, in order. */
    public static List<RecordBatch> split(ByteBuffer batches) {
        List<RecordBatch> out = new ArrayList<>();
        forEach(batches, out::add);
        return out;
    }

    /**
     * Checks everything a broker must check before accepting the batch: magic, CRC, record
     * count, timestamps order and that the records decode to exactly the batch's length.
     *
     * @throws CorruptBatchException naming the failed check and its values
     */
    public void ensureValid() {
        byte magic = buf.get(MAGIC_OFFSET);
        if (magic != MAGIC) {
            throw new CorruptBatchException("batch magic is " + magic + ", expected " + MAGIC);
        }
        long stored = crc();
        long computed = computeCrc();
        if (stored != computed) {
            throw new CorruptBatchException("batch CRC mismatch: header says 0x"
                    + Long.toHexString(stored) + ", bytes give 0x" + Long.toHexString(computed));
        }
        int count = recordCount();
        if (count <= 0) {
            throw new CorruptBatchException("batch record count must be positive, was " + count);
        }
        if (maxTimestamp() < firstTimestamp()) {
            throw new CorruptBatchException("batch max timestamp " + maxTimestamp()
                    + " is below its first timestamp " + firstTimestamp());
        }
        // A structural walk of the record length prefixes, not a decode: the broker keeps
        // batches opaque on the hot path but must not store one that consumers cannot split.
        ByteBuffer body = buf.duplicate().position(HEADER_SIZE);
        int seen = 0;
        try {
            for (; seen < count; seen++) {
                skipRecord(body);
            }
        } catch (RuntimeException e) {
            throw new CorruptBatchException("batch records do not decode after record " + seen
                    + " of " + count + ": " + e.getMessage());
        }
        if (body.hasRemaining()) {
            throw new CorruptBatchException(body.remaining() + " trailing bytes after " + count
                    + " records");
        }
    }

    /** True when the CRC matches the bytes. Cheaper than {@link #ensureValid()}. */
    public boolean isCrcValid() {
        return buf.get(MAGIC_OFFSET) == MAGIC && crc() == computeCrc();
    }

    private long computeCrc() {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate().position(ATTRIBUTES_OFFSET));
        return crc.getValue();
    }

    public long baseOffset() {
        return buf.getLong(BASE_OFFSET_OFFSET);
    }

    /** Offset of the last record of the batch. */
    public long lastOffset() {
        return baseOffset() + recordCount() - 1;
    }

    /** Offset after the batch. */
    public long nextOffset() {
        return baseOffset() + recordCount();
    }

    public int sizeInBytes() {
        return buf.limit();
    }

    public int writerEpoch() {
        return buf.getInt(WRITER_EPOCH_OFFSET);
    }

    public byte magic() {
        return buf.get(MAGIC_OFFSET);
    }

    public long crc() {
        return buf.getInt(CRC_OFFSET) & 0xffffffffL;
    }

    public int recordCount() {
        return buf.getInt(RECORD_COUNT_OFFSET);
    }

    public long firstTimestamp() {
        return buf.getLong(FIRST_TIMESTAMP_OFFSET);
    }

    public long maxTimestamp() {
        return buf.getLong(MAX_TIMESTAMP_OFFSET);
    }

    public long producerId() {
        return buf.getLong(PRODUCER_ID_OFFSET);
    }

    public short producerEpoch() {
        return buf.getShort(PRODUCER_EPOCH_OFFSET);
    }

    public int baseSequence() {
        return buf.getInt(BASE_SEQUENCE_OFFSET);
    }

    /** Sequence of the last record, or -1 when the batch is not idempotent. */
    public int lastSequence() {
        int base = baseSequence();
        return base < 0 ? -1 : base + recordCount() - 1;
    }

    public boolean isIdempotent() {
        return producerId() >= 0 && baseSequence() >= 0;
    }

    /** Stamps the broker-assigned base offset, in place. Does not touch the CRC. */
    public void setBaseOffset(long offset) {
        buf.putLong(BASE_OFFSET_OFFSET, offset);
    }

    /** Stamps the owner's epoch, in place. Does not touch the CRC. */
    public void setWriterEpoch(int epoch) {
        buf.putInt(WRITER_EPOCH_OFFSET, epoch);
    }

    /** The batch's bytes (shared, position 0, limit = size). */
    public ByteBuffer buffer() {
        return buf.duplicate();
    }

    /** A fresh copy of the batch's bytes. */
    public byte[] toByteArray() {
        byte[] out = new byte[buf.limit()];
        buf.duplicate().get(out);
        return out;
    }

    /** Decodes every record. */
    public List<Record> records() {
        List<Record> out = new ArrayList<>(recordCount());
        forEachRecord(out::add);
        return out;
    }

    /** Decodes the records one by one, without building a list. */
    public void forEachRecord(Consumer<Record> action) {
        ByteBuffer body = buf.duplicate().position(HEADER_SIZE);
        long base = baseOffset();
        long firstTs = firstTimestamp();
        int count = recordCount();
        for (int i = 0; i < count; i++) {
            action.accept(readRecord(body, base, firstTs));
        }
    }

    private static Record readRecord(ByteBuffer body, long base, long firstTs) {
        int length = Varints.readVarint(body);
        int end = body.position() + length;
        if (length < 0 || end > body.limit()) {
            throw new CorruptBatchException("record length " + length + " exceeds the batch");
        }
        body.get(); // attributes
        long ts = firstTs + Varints.readVarlong(body);
        long offset = base + Varints.readVarint(body);
        byte[] key = readBytes(body);
        byte[] value = readBytes(body);
        int headerCount = Varints.readVarint(body);
        if (headerCount < 0 || headerCount > length) {
            throw new CorruptBatchException("record header count " + headerCount + " is invalid");
        }
        List<Header> headers = headerCount == 0 ? List.of() : new ArrayList<>(headerCount);
        for (int h = 0; h < headerCount; h++) {
            byte[] hk = readBytes(body);
            if (hk == null) {
                throw new CorruptBatchException("record header key is null");
            }
            headers.add(new Header(new String(hk, StandardCharsets.UTF_8), readBytes(body)));
        }
        if (body.position() != end) {
            throw new CorruptBatchException("record decoded to " + (body.position() - end + length)
                    + " bytes but its length says " + length);
        }
        return new Record(offset, ts, key, value, headers);
    }

    /** Walks one record by its length prefix only: no allocation, no field decoding. */
    private static void skipRecord(ByteBuffer body) {
        int length = Varints.readVarint(body);
        if (length < 1 || length > body.remaining()) {
            throw new CorruptBatchException("record length " + length + " does not fit the "
                    + body.remaining() + " bytes left");
        }
        body.position(body.position() + length);
    }

    private static byte[] readBytes(ByteBuffer body) {
        int len = Varints.readVarint(body);
        if (len < 0) {
            if (len != -1) {
                throw new CorruptBatchException("byte field length " + len + " is negative");
            }
            return null;
        }
        if (len > body.remaining()) {
            throw new CorruptBatchException("byte field length " + len + " exceeds the "
                    + body.remaining() + " bytes left");
        }
        byte[] out = new byte[len];
        body.get(out);
        return out;
    }

    @Override
    public String toString() {
        return "RecordBatch[baseOffset=" + baseOffset() + ", records=" + recordCount()
                + ", bytes=" + sizeInBytes() + "]";
    }
}
