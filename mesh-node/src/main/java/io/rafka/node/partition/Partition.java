package io.rafka.node.partition;

import io.rafka.cache.BatchCache;
import io.rafka.cache.CachedBatchKey;
import io.rafka.record.RecordBatch;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogSlice;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A partition this node owns: its log, its idempotent-producer state and the readers waiting for
 * data past the end (long-poll fetches and subscriptions).
 *
 * <p>Guarantees: appends reach the log in the order {@link #append} is called, so a producer's
 * batches keep their order; a retried idempotent batch is never appended twice while its producer
 * state is cached; a waiter registered at offset {@code o} is woken exactly once, as soon as the
 * log end passes {@code o} (or when it is cancelled). Thread-safe: the short critical sections
 * only enqueue work, the log does the I/O on its own threads.
 *
 * <p>With a batch cache, every appended batch is written through after its append succeeded,
 * and a read at an offset inside one of the last {@value #RECENT_BATCHES} batches asks the cache
 * for that batch and the ones after it in one multi-get; the hits that chain from the first are
 * served, and a first miss (or any cache trouble) falls back to the log. The cache is never the
 * source of truth: it only ever answers for batches this partition appended and acknowledged.
 */
public final class Partition {
    static final int RECENT_BATCHES = 4096;

    private final PartitionId id;
    private final PartitionLog log;
    private final int writerEpoch;
    private final BatchCache cache;
    private final long incarnation;
    private final RecentBatches recent = new RecentBatches(RECENT_BATCHES);
    private final ProducerStates producers = new ProducerStates();
    private final List<Waiter> waiters = new ArrayList<>();

    /** The result of an append: the batch's base offset, and whether it was a suppressed retry. */
    public record Produced(long baseOffset, int recordCount, boolean duplicate, long appendTimeMs) {
    }

    /** A reader waiting for the log end to pass {@code offset}. */
    public final class Waiter {
        private final long offset;
        private final Runnable onData;

        private Waiter(long offset, Runnable onData) {
            this.offset = offset;
            this.onData = onData;
        }

        /** Stops waiting; returns false if the waiter already fired. */
        public boolean cancel() {
            synchronized (Partition.this) {
                return waiters.remove(this);
            }
        }
    }

    Partition(PartitionId id, PartitionLog log, int writerEpoch, BatchCache cache, long incarnation) {
        this.id = id;
        this.log = log;
        this.writerEpoch = writerEpoch;
        this.cache = cache;
        this.incarnation = incarnation;
    }

    public PartitionId id() {
        return id;
    }

    public PartitionLog log() {
        return log;
    }

    /** Appends a batch whose CRC the caller has checked. */
    public CompletionStage<Produced> append(RecordBatch batch, Durability durability) {
        CompletionStage<Appended> appended;
        boolean idempotent = batch.isIdempotent();
        long pid = batch.producerId();
        int firstSeq = batch.baseSequence();
        synchronized (this) {
            if (idempotent) {
                ProducerStates.Check check = producers.check(pid, batch.producerEpoch(), firstSeq, batch.lastSequence());
                if (check instanceof ProducerStates.Duplicate dup) {
                    int count = batch.recordCount();
                    return dup.baseOffset().thenApply(base -> new Produced(base, count, true, System.currentTimeMillis()));
                }
                if (check instanceof ProducerStates.Reject reject) {
                    return CompletableFuture.failedFuture(reject.error());
                }
            }
            appended = log.append(batch.buffer(), writerEpoch, durability);
            if (idempotent) {
                producers.record(pid, batch.producerEpoch(), firstSeq, batch.lastSequence(),
                        appended.thenApply(Appended::baseOffset).toCompletableFuture());
            }
        }
        return appended.handle((a, err) -> {
            if (err != null) {
                if (idempotent) {
                    synchronized (this) {
                        producers.forgetFrom(pid, firstSeq);
                    }
                }
                throw err instanceof RuntimeException re ? re : new IllegalStateException(err);
            }
            writeThrough(batch, a.baseOffset());
            wakeWaiters();
            return new Produced(a.baseOffset(), a.recordCount(), false, a.appendTimeMs());
        });
    }

    /**
     * Calls {@code onData} once the log end is past {@code offset}: at once if it already is.
     * {@code onData} runs on the appending thread; it must only hand work off.
     */
    public Waiter awaitData(long offset, Runnable onData) {
        Waiter w = new Waiter(offset, onData);
        synchronized (this) {
            if (log.logEndOffset() <= offset) {
                waiters.add(w);
                return w;
            }
        }
        onData.run();
        return w;
    }

    /** Reads whole batches from {@code offset}: recent ones from the cache when it has them. */
    public CompletionStage<LogSlice> read(long offset, int maxBytes) {
        if (!cache.isAvailable()) {
            return log.read(offset, maxBytes);
        }
        List<RecentBatches.Entry> wanted;
        synchronized (this) {
            wanted = recent.from(offset, maxBytes);
        }
        if (wanted.isEmpty()) {
            return log.read(offset, maxBytes);
        }
        List<CachedBatchKey> keys = wanted.stream().map(e -> key(e.baseOffset())).toList();
        return cache.getAll(keys).thenCompose(found -> {
            List<ByteBuffer> hits = new ArrayList<>();
            int bytes = 0;
            for (Optional<ByteBuffer> f : found) {
                if (f.isEmpty()) {
                    break; // only a chain from the first batch is contiguous
                }
                hits.add(f.get());
                bytes += f.get().remaining();
            }
            if (hits.isEmpty()) {
                return log.read(offset, maxBytes);
            }
            ByteBuffer all = ByteBuffer.allocate(bytes);
            hits.forEach(h -> all.put(h.duplicate()));
            all.flip();
            return CompletableFuture.completedFuture(new LogSlice(all, log.logStartOffset(), log.logEndOffset()));
        });
    }

    private CachedBatchKey key(long baseOffset) {
        return new CachedBatchKey(id, incarnation, writerEpoch, baseOffset);
    }

    /** Records the appended batch and writes it to the cache, with the fields the log stamped. */
    private void writeThrough(RecordBatch batch, long baseOffset) {
        synchronized (this) {
            recent.add(baseOffset, batch.recordCount(), batch.sizeInBytes());
        }
        if (cache.isAvailable()) {
            ByteBuffer stored = ByteBuffer.wrap(batch.toByteArray());
            RecordBatch copy = RecordBatch.wrap(stored.duplicate());
            copy.setBaseOffset(baseOffset);
            copy.setWriterEpoch(writerEpoch);
            cache.put(key(baseOffset), stored);
        }
    }

    /** Rebuilds idempotent-producer state from the batches at the log's tail. */
    public void rememberProducers(ByteBuffer batches) {
        synchronized (this) {
            RecordBatch.forEach(batches, b -> {
                if (b.isIdempotent()) {
                    producers.record(b.producerId(), b.producerEpoch(), b.baseSequence(), b.lastSequence(),
                            CompletableFuture.completedFuture(b.baseOffset()));
                }
            });
        }
    }

    int producerCount() {
        synchronized (this) {
            return producers.size();
        }
    }

    private void wakeWaiters() {
        List<Waiter> ready = new ArrayList<>();
        synchronized (this) {
            long end = log.logEndOffset();
            Iterator<Waiter> it = waiters.iterator();
            while (it.hasNext()) {
                Waiter w = it.next();
                if (w.offset < end) {
                    it.remove();
                    ready.add(w);
                }
            }
        }
        ready.forEach(w -> w.onData.run());
    }

    /** Wakes every waiter (used on close so no reader hangs). */
    void wakeAll() {
        List<Waiter> all;
        synchronized (this) {
            all = new ArrayList<>(waiters);
            waiters.clear();
        }
        all.forEach(w -> w.onData.run());
    }
}
