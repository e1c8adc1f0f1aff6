package io.rafka.client.internal;

import io.grpc.Status;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaException;
import io.rafka.client.RecordMetadata;
import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.TopicDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The producer behind {@link io.rafka.client.RafkaProducer}: topic metadata cache, producer id,
 * buffer accounting and one {@link PartitionProducer} per partition. Thread-safe.
 */
public final class ProducerEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerEngine.class);
    /** Identity stamped on batches when idempotence is off. */
    private static final InitProducerResponse NO_PRODUCER_ID = InitProducerResponse.newBuilder()
            .setProducerId(-1).setProducerEpoch(-1).build();

    final ProducerConfig config;
    final ProduceTransport transport;
    final Timer timer;
    final LongSupplier clock;
    private final ConcurrentHashMap<String, TopicState> topics = new ConcurrentHashMap<>();
    private final Object initLock = new Object();
    private volatile InitProducerResponse producerId;
    private final AtomicLong bufferedBytes = new AtomicLong();
    private final Object bufferLock = new Object();
    private volatile boolean closed;
    private volatile boolean terminated;

    ProducerEngine(ProducerConfig config, ProduceTransport transport, Timer timer, LongSupplier clock) {
        this.config = config;
        this.transport = transport;
        this.timer = timer;
        this.clock = clock;
        this.producerId = config.idempotence() ? null : NO_PRODUCER_ID;
    }

    /** An engine talking gRPC to {@code config.bootstrap()}. */
    public static ProducerEngine create(ProducerConfig config) {
        return new ProducerEngine(config, new GrpcProduceTransport(config),
                new ThreadTimer("rafka-producer-timer"), System::currentTimeMillis);
    }

    /**
     * Appends the record to its partition's open batch. Blocks (up to maxBlockMs) only to look up
     * the topic or producer id the first time, or while the buffer is full.
     */
    public CompletableFuture<RecordMetadata> send(ProducerRecord record) {
        if (closed) {
            return CompletableFuture.failedFuture(
                    new RafkaException(Status.Code.CANCELLED, "producer is closed"));
        }
        try {
            if (producerId == null) {
                initProducerId();
            }
            TopicState topic = topic(record.topic());
            int partition = topic.choosePartition(record);
            awaitBufferSpace();
            long timestamp = record.timestamp() == 0 ? clock.getAsLong() : record.timestamp();
            return topic.partition(partition).append(timestamp, record.key(), record.value(),
                    record.headers());
        } catch (RafkaException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Seals every open batch and waits until every batch sealed so far has completed. */
    public void flush() {
        List<CompletableFuture<Void>> waits = new ArrayList<>();
        for (TopicState t : topics.values()) {
            for (PartitionProducer p : t.partitions()) {
                p.flushInto(waits);
            }
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).join();
    }

    /** Rejects new sends, flushes, fails records that raced with close, releases resources. */
    @Override
    public void close() {
        closed = true;
        try {
            flush();
        } finally {
            terminated = true;
            RafkaException error = new RafkaException(Status.Code.CANCELLED,
                    "producer closed before the record was sent");
            for (TopicState t : topics.values()) {
                for (PartitionProducer p : t.partitions()) {
                    p.abort(error);
                }
            }
            timer.close();
            transport.close();
        }
    }

    boolean isTerminated() {
        return terminated;
    }

    InitProducerResponse producerId() {
        return producerId;
    }

    /** Partition count of {@code topic}, looking it up when not cached. */
    public int partitionCount(String topic) {
        return topic(topic).partitionCount();
    }

    private TopicState topic(String name) {
        TopicState t = topics.get(name);
        if (t != null) {
            return t;
        }
        TopicDescription d = Rpc.await(transport.describeTopic(name), config.maxBlockMs(),
                "describing topic " + name);
        return topics.computeIfAbsent(name, n -> new TopicState(this, n, d.getPartitionCount()));
    }

    /** Re-reads a topic's partition count in the background (after NOT_FOUND and the like). */
    void refreshTopic(String name) {
        transport.describeTopic(name).whenComplete((d, error) -> {
            TopicState t = topics.get(name);
            if (d != null && t != null) {
                t.updatePartitionCount(d.getPartitionCount());
            } else if (error != null) {
                LOG.debug("refreshing topic {} failed: {}", name, error.getMessage());
            }
        });
    }

    private void initProducerId() {
        synchronized (initLock) {
            if (producerId == null) {
                producerId = Rpc.await(transport.initProducer(), config.maxBlockMs(),
                        "InitProducer");
                LOG.debug("producer id {} epoch {}", producerId.getProducerId(),
                        producerId.getProducerEpoch());
            }
        }
    }

    void reserve(int bytes) {
        bufferedBytes.addAndGet(bytes);
    }

    void release(int bytes) {
        long now = bufferedBytes.addAndGet(-bytes);
        if (now < config.bufferMemoryBytes() && now + bytes >= config.bufferMemoryBytes()) {
            synchronized (bufferLock) {
                bufferLock.notifyAll();
            }
        }
    }

    private void awaitBufferSpace() {
        long limit = config.bufferMemoryBytes();
        if (bufferedBytes.get() < limit) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.maxBlockMs());
        synchronized (bufferLock) {
            while (bufferedBytes.get() >= limit) {
                long waitMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (waitMs <= 0) {
                    throw new RafkaException(Status.Code.RESOURCE_EXHAUSTED, "send buffer holds "
                            + bufferedBytes.get() + " bytes, at bufferMemoryBytes " + limit
                            + ", still full after maxBlockMs " + config.maxBlockMs());
                }
                try {
                    bufferLock.wait(waitMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RafkaException(Status.Code.CANCELLED,
                            "interrupted while waiting for send buffer space", e);
                }
            }
        }
    }
}
