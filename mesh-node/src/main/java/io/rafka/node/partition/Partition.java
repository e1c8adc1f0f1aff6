package io.rafka.node.partition;

import io.rafka.cache.BatchCache;
import io.rafka.cache.CachedBatchKey;
import io.rafka.cache.MemoryTail;
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
 * <p>Every appended batch is written through, after its append succeeded, to the node's
 * in-process cache tier and to the sidecar cache when there is one. A read at an offset inside
 * one of the last {@value #RECENT_BATCHES} batches is answered from the in-process tier when it
 * still holds that batch (by the handle its put answered, kept here with the batch's offsets and
 * epoch; the batches that chain from it are copied out without a thread hop or an I/O), else
 * from the sidecar in one multi-get (the hits that chain from the first), else from the log. The
 * caches are never the source of truth: they only ever answer for batches this partition
 * appended and acknowledged.
 */
public final class Partition {
    static final int RECENT_BATCHES = 4096;

    private final PartitionId id;
    private final PartitionLog log;
    private final int writerEpoch;
    private final MemoryTail memory;
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

    Partition(PartitionId id, PartitionLog log, int writerEpoch, Broker.Caches caches, long incarnation) {
        this.id = id;
        this.log = log;
        this.writerEpoch = writerEpoch;
        this.memory = caches.memory();
        this.cache = caches.sidecar();
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

    /** Reads whole batches from {@code offset}: recent ones from a cache tier when one has them. */
    public CompletionStage<LogSlice> read(long offset, int maxBytes) {
        if (!memory.enabled() && !cache.isAvailable()) {
            return log.read(offset, maxBytes);
        }
        List<RecentBatches.Entry> wanted;
        synchronized (this) {
            wanted = recent.from(offset, maxBytes);
        }
        if (wanted.isEmpty()) {
            return log.read(offset, maxBytes);
        }
        if (memory.enabled()) {
            ByteBuffer held = memory.copyChain(wanted);
            if (held != null) {
                return CompletableFuture.completedFuture(new LogSlice(held, log.logStartOffset(), log.logEndOffset()));
            }
        }
        if (!cache.isAvailable()) {
            return log.read(offset, maxBytes);
        }
        List<CachedBatchKey> keys = wanted.stream().map(e -> key(e.epoch(), e.baseOffset())).toList();
        return cache.getAll(keys).thenCompose(found -> {
            List<ByteBuffer> hits = new ArrayList<>();
            for (Optional<ByteBuffer> f : found) {
                if (f.isEmpty()) {
                    break; // only a chain from the first batch is contiguous
                }
                hits.add(f.get());
            }
            if (hits.isEmpty()) {
                return log.read(offset, maxBytes);
            }
            return CompletableFuture.completedFuture(slice(hits));
        });
    }

    /** One buffer holding {@code batches} back to back, as the log would answer them. */
    private LogSlice slice(List<ByteBuffer> batches) {
        int bytes = 0;
        for (ByteBuffer b : batches) {
            bytes += b.remaining();
        }
        ByteBuffer all = ByteBuffer.allocate(bytes);
        batches.forEach(b -> all.put(b.duplicate()));
        all.flip();
        return new LogSlice(all, log.logStartOffset(), log.logEndOffset());
    }

    private CachedBatchKey key(int epoch, long baseOffset) {
        return new CachedBatchKey(id, incarnation, epoch, baseOffset);
    }

    /**
     * Writes the appended batch, with the fields the log stamped, to the cache tiers and records
     * it as recent. The in-process tier gets it before the batch is recorded, so a reader that
     * learns of the batch finds it there.
     */
    private void writeThrough(RecordBatch batch, long baseOffset) {
        ByteBuffer stored = null;
        long handle = MemoryTail.NOT_HELD;
        if (memory.enabled() || cache.isAvailable()) {
            stored = ByteBuffer.wrap(batch.toByteArray());
            RecordBatch copy = RecordBatch.wrap(stored.duplicate());
            copy.setBaseOffset(baseOffset);
            copy.setWriterEpoch(writerEpoch);
            handle = memory.put(stored);
        }
        synchronized (this) {
            recent.add(baseOffset, batch.recordCount(), batch.sizeInBytes(), writerEpoch, handle);
        }
        if (stored != null && cache.isAvailable()) {
            cache.put(key(writerEpoch, baseOffset), stored);
        }
    }

    /**
     * Learns from the batches at the log's tail, read in offset order before the partition
     * serves: rebuilds idempotent-producer state, and records them as recent (under the epoch
     * each was written in) and puts them in the in-process tier, so that consumers resuming at
     * the tail after a restart or a failover are served from memory at once. A batch in the
     * sidecar under the same key (this node wrote it before a restart) is found there too.
     */
    public void rememberTail(ByteBuffer batches) {
        List<RecordBatch> all = RecordBatch.split(batches);
        long[] handles = new long[all.size()];
        for (int i = 0; i < all.size(); i++) {
            handles[i] = memory.put(all.get(i).buffer()); // put copies: no heap copy first
        }
        synchronized (this) {
            for (int i = 0; i < all.size(); i++) {
                RecordBatch b = all.get(i);
                recent.add(b.baseOffset(), b.recordCount(), b.sizeInBytes(), b.writerEpoch(), handles[i]);
                if (b.isIdempotent()) {
                    producers.record(b.producerId(), b.producerEpoch(), b.baseSequence(), b.lastSequence(),
                            CompletableFuture.completedFuture(b.baseOffset()));
                }
            }
        }
    }

    /** The highest producer id this partition knows of, or -1 when none. */
    long highestProducerId() {
        synchronized (this) {
            return producers.highestId();
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
