package io.rafka.client.internal;

import io.grpc.Status;
import io.rafka.client.ProducerConfig;
import io.rafka.client.RafkaException;
import io.rafka.client.RecordMetadata;
import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.record.Header;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The send pipeline of one partition: the open batch, then a FIFO of sealed batches in sequence
 * order, split into {@code inFlight} (sent, unanswered; at most maxInFlightPerPartition) followed
 * by {@code pending} (not sent yet). Invariant: every in-flight batch precedes every pending one.
 *
 * <p>On a retryable failure the failed batch and every later in-flight batch move back to the
 * front of {@code pending} (their outstanding attempts become stale) and sending pauses for the
 * backoff, so batches are re-sent, with the same bytes, in sequence order. A batch refused as
 * out of order (ABORTED) while earlier batches are still in flight overtook them on the way: it
 * is rewound the same way but re-sent, without backoff, as soon as those have answered. On a
 * terminal failure of an idempotent batch the later batches' sequences no longer follow the
 * broker's, so the partition takes a fresh producer id and re-stamps them from sequence 0.
 *
 * <p>Sends happen outside the lock but are serialized by a work-in-progress counter, so they
 * leave in queue order without any thread ever waiting for another's network call.
 */
final class PartitionProducer {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionProducer.class);

    private final ProducerEngine engine;
    private final ProducerConfig config;
    private final String topic;
    private final int partition;
    private final int connection;
    private final Runnable onSealed;
    private final AtomicInteger drainWip = new AtomicInteger();

    // guarded by this
    private ProducerBatch open;
    private Timer.Cancellable lingerTask;
    private final ArrayDeque<ProducerBatch> inFlight = new ArrayDeque<>();
    private final ArrayDeque<ProducerBatch> pending = new ArrayDeque<>();
    private long producerId;
    private short producerEpoch;
    private int nextSequence;
    private boolean backingOff;
    private boolean resettingProducerId;
    /** Set when a batch overtook an earlier one; sending resumes once inFlight is empty. */
    private boolean awaitingEarlier;
    /**
     * True until a batch stamped with the current producer id was acknowledged: the broker accepts
     * any sequence from a producer id it does not know yet, so until it has seen the first batch
     * only that batch may fly (a later one overtaking it would be accepted and leave a gap).
     */
    private boolean producerIdUnconfirmed = true;
    /** Largest inFlight size (acknowledged batches behind an unanswered one count too). */
    private final int window;

    /** A batch chosen for sending, the attempt the response must match and its request. */
    private record Send(ProducerBatch batch, int attempt, ProduceRequest request) {
    }

    PartitionProducer(ProducerEngine engine, String topic, int partition, Runnable onSealed) {
        this.engine = engine;
        this.config = engine.config;
        this.topic = topic;
        this.partition = partition;
        this.connection = partition % config.connections();
        this.onSealed = onSealed;
        InitProducerResponse id = engine.producerId();
        this.producerId = id.getProducerId();
        this.producerEpoch = (short) id.getProducerEpoch();
        // the broker remembers the last MAX_IDEMPOTENT_WINDOW batches per producer; a retry of a
        // batch further back than that would be refused as out of order instead of deduplicated
        this.window = config.idempotence()
                ? Math.min(config.maxInFlightPerPartition(), MAX_IDEMPOTENT_WINDOW)
                : config.maxInFlightPerPartition();
    }

    /** Batches per producer and partition whose sequence ranges the broker caches. */
    static final int MAX_IDEMPOTENT_WINDOW = 5;

    /** Appends a record to the open batch, sealing and sending batches as they fill. */
    CompletableFuture<RecordMetadata> append(long timestamp, byte[] key, byte[] value,
                                             List<Header> headers) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        boolean sealed = false;
        RafkaException tooLarge = null;
        synchronized (this) {
            ProducerBatch b = open;
            if (b != null && !b.fits(timestamp, key, value, headers, config.batchSizeBytes())) {
                seal();
                sealed = true;
                b = null;
            }
            if (b == null) {
                b = new ProducerBatch(config.batchSizeBytes());
                if (!b.fits(timestamp, key, value, headers, config.maxRequestBytes())) {
                    tooLarge = new RafkaException(Status.Code.INVALID_ARGUMENT, "record for "
                            + topic + "-" + partition + " needs a batch larger than maxRequestBytes "
                            + config.maxRequestBytes());
                } else {
                    open = b;
                    ProducerBatch lingering = b;
                    lingerTask = engine.timer.schedule(config.lingerMs(),
                            () -> lingerExpired(lingering));
                }
            }
            if (tooLarge == null) {
                b.append(timestamp, key, value, headers, future);
                // full when a record like this one would not fit: send now rather than on the next;
                // and with nothing of this partition on the wire, waiting buys no batching
                if (!b.fits(timestamp, key, value, headers, config.batchSizeBytes()) || idle()) {
                    seal();
                    sealed = true;
                }
            }
        }
        if (sealed) {
            onSealed.run();
            drain();
        }
        if (tooLarge != null) {
            future.completeExceptionally(tooLarge);
        }
        return future;
    }

    /**
     * True when nothing of this partition is queued or on the wire. Batching exists to share a
     * request among records that would otherwise wait behind one another; an idle partition sends
     * at once and records arriving meanwhile batch up behind it (Nagle-style), so lingerMs bounds
     * the wait under load instead of adding to every record's latency at low rates.
     * Caller holds the lock.
     */
    private boolean idle() {
        return config.sendWhenIdle() && inFlight.isEmpty() && pending.isEmpty() && !backingOff && !resettingProducerId && !awaitingEarlier;
    }

    private void lingerExpired(ProducerBatch batch) {
        boolean sealed = false;
        synchronized (this) {
            if (open == batch) {
                seal();
                sealed = true;
            }
        }
        if (sealed) {
            onSealed.run();
            drain();
        }
    }

    /** Seals the open batch (assigning its sequence) and queues it. Caller holds the lock. */
    private void seal() {
        ProducerBatch b = open;
        open = null;
        if (lingerTask != null) {
            lingerTask.cancel();
            lingerTask = null;
        }
        int sequence = -1;
        if (config.idempotence()) {
            sequence = nextSequence;
            nextSequence += b.recordCount();
        }
        b.seal(topic, partition, config.acks(), producerId, producerEpoch, sequence,
                engine.clock.getAsLong());
        pending.addLast(b);
        engine.reserve(b.sizeInBytes());
    }

    /**
     * Seals the open batch and adds the completion of every unfinished batch to {@code waits},
     * then sends what may be sent.
     */
    void flushInto(List<CompletableFuture<Void>> waits) {
        boolean sealed = false;
        synchronized (this) {
            if (open != null) {
                seal();
                sealed = true;
            }
            for (ProducerBatch b : inFlight) {
                waits.add(b.done);
            }
            for (ProducerBatch b : pending) {
                waits.add(b.done);
            }
        }
        if (sealed) {
            onSealed.run();
        }
        drain();
    }

    /** Fails the open and pending batches (used at close for records that raced with it). */
    void abort(RafkaException error) {
        List<ProducerBatch> failed = new ArrayList<>();
        synchronized (this) {
            if (open != null) {
                failed.add(open);
                open = null;
            }
            for (ProducerBatch b : pending) {
                b.finished = true;
                failed.add(b);
            }
            pending.clear();
        }
        for (ProducerBatch b : failed) {
            finish(b, null, error);
        }
    }

    /** Sends pending batches while the in-flight limit allows, in queue order. */
    void drain() {
        if (drainWip.getAndIncrement() != 0) {
            return; // the thread draining now will loop once more
        }
        int missed = 1;
        List<Send> sends = new ArrayList<>(config.maxInFlightPerPartition());
        while (true) {
            synchronized (this) {
                if (awaitingEarlier && inFlight.isEmpty()) {
                    awaitingEarlier = false;
                }
                int limit = config.idempotence() && producerIdUnconfirmed ? 1 : window;
                while (!backingOff && !resettingProducerId && !awaitingEarlier && !pending.isEmpty()
                        && inFlight.size() < limit) {
                    ProducerBatch b = pending.pollFirst();
                    inFlight.addLast(b);
                    sends.add(new Send(b, ++b.attempt, b.request()));
                }
            }
            for (Send s : sends) {
                try {
                    engine.transport.produce(connection, s.request(),
                            (response, error) -> onResponse(s.batch(), s.attempt(), response, error));
                } catch (RuntimeException e) {
                    onResponse(s.batch(), s.attempt(), null, e);
                }
            }
            sends.clear();
            missed = drainWip.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void onResponse(ProducerBatch b, int attempt, ProduceResponse response, Throwable error) {
        boolean sealedOpen = false;
        RafkaException failure = null;
        boolean resetProducerId = false;
        List<ProducerBatch> alsoFailed = List.of();
        synchronized (this) {
            if (b.attempt != attempt || b.finished) {
                return; // superseded by a rewind: the batch is re-sent or already done
            }
            if (error == null) {
                b.finished = true;
                if (b.producerId() == producerId) {
                    producerIdUnconfirmed = false;
                }
                // an acknowledged batch keeps its place in the window until every earlier one
                // answered: the broker only dedups the last few batches, so the window must not
                // slide past an unanswered (possibly retried) batch
                while (!inFlight.isEmpty() && inFlight.peekFirst().finished) {
                    inFlight.pollFirst();
                }
                if (open != null && idle()) {
                    seal(); // the wire is free: what gathered meanwhile goes now, not at its linger
                    sealedOpen = true;
                }
            } else {
                RafkaException e = Errors.toRafka(error);
                if (e.code() == Status.Code.ABORTED && inFlight.peekFirst() != b
                        && !engine.isTerminated()) {
                    // reached the broker before an earlier batch still in flight: not a failure;
                    // re-send it (and those after it) once the earlier ones have answered
                    rewindFrom(b);
                    awaitingEarlier = true;
                    return;
                }
                long backoff = Errors.backoffMs(config.retryBackoffMs(), config.retryBackoffMaxMs(),
                        b.retries++);
                long age = engine.clock.getAsLong() + backoff - b.sealedAtMs();
                boolean retryable = Errors.isRetryable(e.code()) || e.code() == Status.Code.ABORTED;
                if (retryable && !engine.isTerminated() && age < config.deliveryTimeoutMs()) {
                    LOG.debug("retrying {} batch(es) of {}-{} from sequence {} in {} ms after {}",
                            inFlight.size(), topic, partition, b.baseSequence(), backoff, e.getMessage());
                    rewindFrom(b);
                    if (!backingOff) {
                        backingOff = true;
                        engine.timer.schedule(backoff, this::endBackoff);
                    }
                    return;
                }
                failure = retryable && !engine.isTerminated()
                        ? new RafkaException(e.code(), "batch of " + b.recordCount() + " records to "
                                + topic + "-" + partition + " not acknowledged within deliveryTimeoutMs "
                                + config.deliveryTimeoutMs() + ": " + e.getMessage(), e)
                        : e;
                rewindFrom(b);
                pending.pollFirst();
                b.finished = true;
                if (engine.isTerminated()) {
                    alsoFailed = new ArrayList<>(pending);
                    alsoFailed.forEach(p -> p.finished = true);
                    pending.clear();
                } else if (config.idempotence()) {
                    resetProducerId = !resettingProducerId;
                    resettingProducerId = true;
                }
            }
        }
        if (sealedOpen) {
            onSealed.run();
        }
        if (failure == null) {
            if (response.getDuplicate()) {
                LOG.debug("{}-{} batch at sequence {} was a duplicate of offset {}", topic, partition,
                        b.baseSequence(), response.getBaseOffset());
            }
            finish(b, response, null);
        } else {
            finish(b, null, failure);
            for (ProducerBatch p : alsoFailed) {
                finish(p, null, failure);
            }
            if (failure.code() == Status.Code.NOT_FOUND
                    || (failure.code() == Status.Code.INVALID_ARGUMENT
                        && String.valueOf(failure.getMessage()).contains("partition"))) {
                engine.refreshTopic(topic);
            }
            if (resetProducerId) {
                resetProducerId();
            }
        }
        drain();
    }

    /**
     * Moves {@code b} and every in-flight batch after it back to the front of {@code pending},
     * keeping sequence order, and makes their outstanding attempts stale. Caller holds the lock.
     */
    private void rewindFrom(ProducerBatch b) {
        ProducerBatch last;
        do {
            last = inFlight.pollLast();
            if (!last.finished) { // acknowledged ones are appended: not re-sent
                last.attempt++;
                pending.addFirst(last);
            }
        } while (last != b);
    }

    private void endBackoff() {
        synchronized (this) {
            backingOff = false;
        }
        drain();
    }

    /** Gets a fresh producer id and re-stamps every pending batch from sequence 0 with it. */
    private void resetProducerId() {
        engine.transport.initProducer().whenComplete((id, error) -> {
            List<ProducerBatch> expired = new ArrayList<>();
            synchronized (this) {
                if (id != null) {
                    producerId = id.getProducerId();
                    producerEpoch = (short) id.getProducerEpoch();
                    nextSequence = 0;
                    producerIdUnconfirmed = true;
                    for (ProducerBatch p : pending) {
                        p.restamp(producerId, producerEpoch, nextSequence);
                        nextSequence += p.recordCount();
                    }
                    resettingProducerId = false;
                    LOG.info("{}-{} continues with producer id {} after a failed batch", topic,
                            partition, producerId);
                } else {
                    long now = engine.clock.getAsLong();
                    while (!pending.isEmpty() && (engine.isTerminated()
                            || now - pending.peekFirst().sealedAtMs() >= config.deliveryTimeoutMs())) {
                        ProducerBatch p = pending.pollFirst();
                        p.finished = true;
                        expired.add(p);
                    }
                }
            }
            RafkaException failure = error == null ? null : new RafkaException(
                    Errors.toRafka(error).code(), "no producer id to continue " + topic + "-"
                    + partition + " after a failed batch: " + error.getMessage(), error);
            for (ProducerBatch p : expired) {
                finish(p, null, failure);
            }
            if (id != null) {
                drain();
            } else if (!engine.isTerminated()) {
                engine.timer.schedule(config.retryBackoffMs(), this::resetProducerId);
            }
        });
    }

    private void finish(ProducerBatch b, ProduceResponse response, RafkaException error) {
        if (b.isSealed()) {
            engine.release(b.sizeInBytes());
        }
        if (error == null) {
            b.succeed(topic, partition, response.getBaseOffset());
        } else {
            b.fail(error);
        }
    }
}
