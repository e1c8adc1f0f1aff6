package io.rafka.client;

import io.rafka.client.internal.ProducerEngine;
import java.util.concurrent.CompletableFuture;

/**
 * Sends records to Rafka topics, batching them per partition.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Ordering:</b> records sent to the same partition (from one thread, or ordered between
 *   threads) are appended in send order, also across retries: a failed batch and every later
 *   batch of its partition are re-sent in sequence order.</li>
 *   <li><b>Idempotent retries</b> (idempotence on, the default): batches carry a producer id and
 *   per-partition sequence numbers, and a retry re-sends the same bytes, so the broker
 *   acknowledges a batch it already appended with its original offset instead of appending it
 *   twice. Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED out of
 *   order) are retried with exponential backoff until {@code deliveryTimeoutMs}; other errors fail
 *   the batch's records with a {@link RafkaException} carrying the broker's status code.</li>
 *   <li><b>Thread-safety:</b> thread-safe; share one producer between threads.</li>
 * </ul>
 *
 * <p>The futures returned by {@link #send} complete on a gRPC event-loop thread: callbacks
 * attached to them must not block (hand heavy work to another executor).
 */
public final class RafkaProducer implements AutoCloseable {
    private final ProducerEngine engine;

    public RafkaProducer(ProducerConfig config) {
        this.engine = ProducerEngine.create(config);
    }

    /** A producer with default settings for the broker at {@code bootstrap} ({@code host:port}). */
    public RafkaProducer(String bootstrap) {
        this(ProducerConfig.defaults(bootstrap));
    }

    /**
     * Queues the record and returns a future completed with its offset once the broker
     * acknowledged its batch, or failed with a {@link RafkaException}. Blocks only to look up the
     * topic or producer id the first time, or while the send buffer is full (up to
     * {@code maxBlockMs}).
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        return engine.send(record);
    }

    /** The topic's partition count (cached after the first lookup). */
    public int partitionCount(String topic) {
        return engine.partitionCount(topic);
    }

    /** Sends every queued record now and blocks until all records sent so far have completed. */
    public void flush() {
        engine.flush();
    }

    /** Flushes, then releases the connections; later sends fail. */
    @Override
    public void close() {
        engine.close();
    }
}
