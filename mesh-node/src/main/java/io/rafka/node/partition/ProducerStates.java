package io.rafka.node.partition;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Idempotent-producer bookkeeping of one partition: for each producer id, its epoch and the last
 * {@value #CACHED_BATCHES} batches it appended (sequence range and base offset, or the pending
 * append). A batch whose sequence range matches a cached one is a retry and gets the original
 * offset; a batch that does not continue the sequence is out of order. A producer id this
 * partition does not know, or a newer epoch, must start at sequence 0: accepting any sequence
 * there would turn a batch that arrived late (unary calls are not ordered, even on one
 * connection) into a permanent gap.
 *
 * <p>Not thread-safe: confined to the owning {@link Partition}'s lock.
 */
final class ProducerStates {
    static final int CACHED_BATCHES = 5;

    /** The decision for an incoming idempotent batch. */
    sealed interface Check permits Accept, Duplicate, Reject {
    }

    record Accept() implements Check {
    }

    /** A retry of a cached batch: answer with its (possibly still pending) base offset. */
    record Duplicate(CompletableFuture<Long> baseOffset) implements Check {
    }

    record Reject(BrokerException error) implements Check {
    }

    private record Entry(int firstSeq, int lastSeq, CompletableFuture<Long> baseOffset) {
    }

    private static final class Producer {
        short epoch;
        final ArrayDeque<Entry> batches = new ArrayDeque<>(CACHED_BATCHES);
        /** The sequence expected next when no batch is cached (after a failed append). */
        int expectedWhenEmpty;
    }

    private final Map<Long, Producer> producers = new HashMap<>();

    Check check(long producerId, short epoch, int firstSeq, int lastSeq) {
        Producer p = producers.get(producerId);
        if (p == null || epoch > p.epoch) {
            if (firstSeq == 0) {
                return new Accept();
            }
            return new Reject(new BrokerException(BrokerException.Reason.FAILED_PRECONDITION,
                    "unknown producer " + producerId + " epoch " + epoch + " on this partition: its first batch must"
                            + " have sequence 0, got " + firstSeq + " (producer state expired or a batch was lost);"
                            + " start a new producer id"));
        }
        if (epoch < p.epoch) {
            return new Reject(new BrokerException(BrokerException.Reason.FAILED_PRECONDITION,
                    "producer " + producerId + " epoch " + epoch + " is fenced by epoch " + p.epoch));
        }
        for (Entry e : p.batches) {
            if (e.firstSeq() == firstSeq && e.lastSeq() == lastSeq) {
                return new Duplicate(e.baseOffset());
            }
        }
        int expected = p.batches.isEmpty() ? p.expectedWhenEmpty : p.batches.peekLast().lastSeq() + 1;
        if (firstSeq != expected) {
            return new Reject(new BrokerException(BrokerException.Reason.ABORTED,
                    "out of order sequence for producer " + producerId + ": expected " + expected
                            + ", got " + firstSeq));
        }
        return new Accept();
    }

    void record(long producerId, short epoch, int firstSeq, int lastSeq, CompletableFuture<Long> baseOffset) {
        Producer p = producers.computeIfAbsent(producerId, k -> new Producer());
        if (epoch != p.epoch) {
            p.epoch = epoch;
            p.batches.clear();
        }
        if (p.batches.size() == CACHED_BATCHES) {
            p.batches.removeFirst();
        }
        p.batches.addLast(new Entry(firstSeq, lastSeq, baseOffset));
    }

    /**
     * Forgets a failed append and every later one of the producer, so that the retry of the failed
     * batch (same sequence) is accepted as the next one and nothing after it can leave a gap.
     */
    void forgetFrom(long producerId, int firstSeq) {
        Producer p = producers.get(producerId);
        if (p == null) {
            return;
        }
        Iterator<Entry> it = p.batches.iterator();
        boolean drop = false;
        while (it.hasNext()) {
            Entry e = it.next();
            drop |= e.firstSeq() == firstSeq;
            if (drop) {
                it.remove();
            }
        }
        if (p.batches.isEmpty()) {
            p.expectedWhenEmpty = firstSeq;
        }
    }

    int size() {
        return producers.size();
    }

    /** The highest producer id held, or -1 when none. */
    long highestId() {
        long max = -1;
        for (long id : producers.keySet()) {
            max = Math.max(max, id);
        }
        return max;
    }
}
