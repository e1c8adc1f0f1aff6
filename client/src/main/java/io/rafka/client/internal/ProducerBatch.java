package io.rafka.client.internal;

import com.google.protobuf.UnsafeByteOperations;
import io.rafka.client.RecordMetadata;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.record.Header;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * One batch of one partition: open (records being appended), then sealed (bytes and request built
 * once, with its sequence), then sent, possibly several times with the same bytes, until it is
 * finished. All fields are guarded by the owning {@link PartitionProducer}'s lock.
 */
final class ProducerBatch {
    /** Bytes a record adds at most beyond its key and value when it has no headers. */
    private static final int RECORD_OVERHEAD_BOUND = 32;

    private RecordBatchBuilder builder;
    private final int batchSizeBytes;
    private CompletableFuture<RecordMetadata>[] futures;
    private long[] timestamps;
    private int count;
    /** Completes (normally) once every record's future is completed, either way. */
    final CompletableFuture<Void> done = new CompletableFuture<>();

    private byte[] bytes;
    private ProduceRequest request;
    private int baseSequence = -1;
    private long producerId = -1;
    private long sealedAtMs;
    /** Bumped on every send and every rewind; a response for another attempt is stale. */
    int attempt;
    /** Failed sends so far, for the backoff. */
    int retries;
    boolean finished;

    ProducerBatch(int batchSizeBytes) {
        builder = new RecordBatchBuilder(batchSizeBytes);
        this.batchSizeBytes = batchSizeBytes;
    }

    int recordCount() {
        return count;
    }

    int sizeInBytes() {
        return bytes != null ? bytes.length : builder.sizeInBytes();
    }

    /** True when the record can be appended without the batch exceeding {@code limit} bytes. */
    boolean fits(long timestamp, byte[] key, byte[] value, List<Header> headers, int limit) {
        long size = builder.sizeInBytes();
        if (headers.isEmpty() && size + RECORD_OVERHEAD_BOUND + (key == null ? 0 : key.length)
                + (value == null ? 0 : value.length) <= limit) {
            return true; // a cheap upper bound suffices on the hot path
        }
        return size + builder.sizeOfRecord(timestamp, key, value, headers) <= limit;
    }

    void append(long timestamp, byte[] key, byte[] value, List<Header> headers,
                CompletableFuture<RecordMetadata> future) {
        builder.append(timestamp, key, value, headers);
        if (timestamps == null) {
            // sized for a batch full of records like the first one, so they are allocated once
            int perRecord = RECORD_OVERHEAD_BOUND / 2 + (key == null ? 0 : key.length)
                    + (value == null ? 0 : value.length);
            int capacity = Math.max(8, Math.min(batchSizeBytes / Math.max(1, perRecord) + 1, 16_384));
            timestamps = new long[capacity];
            futures = newFutures(capacity);
        } else if (count == timestamps.length) {
            timestamps = Arrays.copyOf(timestamps, count * 2);
            futures = Arrays.copyOf(futures, count * 2);
        }
        timestamps[count] = timestamp;
        futures[count++] = future;
    }

    /** Encodes the batch with its producer identity and builds the request, once. */
    void seal(String topic, int partition, Acks acks, long producerId, short producerEpoch,
              int baseSequence, long nowMs) {
        this.bytes = builder.build(producerId, producerEpoch, baseSequence);
        this.builder = null;
        this.baseSequence = baseSequence;
        this.producerId = producerId;
        this.sealedAtMs = nowMs;
        this.request = ProduceRequest.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setAcks(acks)
                .setBatch(UnsafeByteOperations.unsafeWrap(bytes))
                .build();
    }

    /**
     * Re-stamps a sealed batch with a new producer identity (after a producer id reset), into a
     * fresh copy of the bytes so a request still being written keeps its own.
     */
    void restamp(long producerId, short producerEpoch, int baseSequence) {
        byte[] copy = bytes.clone();
        ByteBuffer b = ByteBuffer.wrap(copy);
        b.putLong(RecordBatch.PRODUCER_ID_OFFSET, producerId);
        b.putShort(RecordBatch.PRODUCER_EPOCH_OFFSET, producerEpoch);
        b.putInt(RecordBatch.BASE_SEQUENCE_OFFSET, baseSequence);
        CRC32C crc = new CRC32C();
        crc.update(copy, RecordBatch.ATTRIBUTES_OFFSET, copy.length - RecordBatch.ATTRIBUTES_OFFSET);
        b.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
        this.bytes = copy;
        this.baseSequence = baseSequence;
        this.producerId = producerId;
        this.request = request.toBuilder().setBatch(UnsafeByteOperations.unsafeWrap(copy)).build();
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<RecordMetadata>[] newFutures(int n) {
        return (CompletableFuture<RecordMetadata>[]) new CompletableFuture<?>[n];
    }

    boolean isSealed() {
        return bytes != null;
    }

    ProduceRequest request() {
        return request;
    }

    long producerId() {
        return producerId;
    }

    int baseSequence() {
        return baseSequence;
    }

    long sealedAtMs() {
        return sealedAtMs;
    }

    /** Completes every record's future; call outside the partition lock. */
    void succeed(String topic, int partition, long baseOffset) {
        for (int i = 0; i < count; i++) {
            long offset = baseOffset < 0 ? -1 : baseOffset + i;
            futures[i].complete(new RecordMetadata(topic, partition, offset, timestamps[i]));
        }
        done.complete(null);
    }

    /** Fails every record's future; call outside the partition lock. */
    void fail(Throwable error) {
        for (int i = 0; i < count; i++) {
            futures[i].completeExceptionally(error);
        }
        done.complete(null);
    }
}
