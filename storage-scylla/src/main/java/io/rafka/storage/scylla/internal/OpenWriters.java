package io.rafka.storage.scylla.internal;

import io.rafka.storage.FencedException;
import io.rafka.storage.PartitionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The partition logs this JVM has open for writing, across all engine instances, so that an open
 * with a higher epoch fences an older writer of the same JVM at once, not only through storage:
 * the older log stops sending, its writes in flight settle (and are acknowledged if they
 * succeeded while its lease held), and only then does the new log read the partition's state. So
 * within one JVM the new owner sees exactly what the old one acknowledged. Across JVMs the lease
 * and the epoch-dominant timestamps do the fencing.
 *
 * <p>A partition is known by the engine's storage (contact points and keyspace) and its id; the
 * highest epoch claimed for it is kept for the life of the JVM (one small entry per partition
 * ever opened).
 */
final class OpenWriters {
    record Key(String storage, PartitionId partition) {
    }

    private static final class Slot {
        int highestEpoch;
        final List<ScyllaPartitionLog> logs = new ArrayList<>();
    }

    private static final Map<Key, Slot> SLOTS = new ConcurrentHashMap<>();

    private OpenWriters() {
    }

    /**
     * Before an open with {@code epoch}: fails if a higher epoch was claimed here; fences the
     * registered logs of a lower epoch (and, for fenced epochs, of the same epoch: another log of
     * one owner) and completes once they have stopped writing, or after {@code drainTimeout}.
     * Epoch 0 (the sole writer) fences nobody.
     */
    static CompletionStage<Void> claim(Key key, int epoch, Duration drainTimeout) {
        Slot slot = SLOTS.computeIfAbsent(key, k -> new Slot());
        List<ScyllaPartitionLog> older = new ArrayList<>();
        synchronized (slot) {
            if (slot.highestEpoch > epoch) {
                return CompletableFuture.failedFuture(new FencedException(key.partition(), epoch, "cannot open "
                        + key.partition() + " with epoch " + epoch + ": this process opened it with epoch "
                        + slot.highestEpoch));
            }
            if (epoch > 0) {
                slot.highestEpoch = epoch;
                slot.logs.removeIf(l -> {
                    boolean fence = l.epoch() <= epoch;
                    if (fence) {
                        older.add(l);
                    }
                    return fence;
                });
            }
        }
        CompletableFuture<?>[] stopped = older.stream()
                .map(l -> l.fence(epoch, drainTimeout).toCompletableFuture())
                .toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(stopped);
    }

    /** Records an opened log; fails if a higher epoch was claimed since its open began. */
    static void register(Key key, ScyllaPartitionLog log) {
        Slot slot = SLOTS.computeIfAbsent(key, k -> new Slot());
        synchronized (slot) {
            if (slot.highestEpoch > log.epoch()) {
                throw new FencedException(key.partition(), log.epoch(), "a writer with epoch " + slot.highestEpoch
                        + " opened " + key.partition() + " while epoch " + log.epoch() + " was opening it");
            }
            slot.logs.add(log);
        }
    }

    static void unregister(Key key, ScyllaPartitionLog log) {
        Slot slot = SLOTS.get(key);
        if (slot != null) {
            synchronized (slot) {
                slot.logs.remove(log);
            }
        }
    }
}
