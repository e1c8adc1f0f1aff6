package io.rafka.storage.local;

import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.WriterLease;
import io.rafka.storage.local.internal.LocalPartitionLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded storage engine: each partition is a segmented log in
 * {@code <dataDir>/<topic>-<partition>/} (see docs/architecture.md, "Embedded log").
 *
 * <p>All blocking file I/O runs on the {@link Executor} given at construction, which the caller
 * owns and shuts down after {@link #close()}; it should have a few threads (reads of different
 * partitions and the append drain of each partition run on it in parallel). Under
 * {@link FsyncPolicy#INTERVAL} the engine also runs one daemon timer thread that queues a flush
 * of every open log each interval. Opening a partition that is already open returns the same log.
 *
 * <p>Writer leases: the storage is this process's alone, so the engine itself is the authority on
 * who writes. A log opened under a {@link WriterLease} fails its appends with
 * {@link FencedException} once the lease is invalid (see {@link LocalPartitionLog}). Opening a
 * partition with a higher epoch than its open log fences and closes that log first (its queued
 * appends fail, its last group is finished or undone) and then opens the directory anew; opening
 * with a lower epoch than the highest this engine has opened the partition with fails with
 * {@link FencedException}. That memory is per engine instance, not on disk: a restarted node gets
 * its epochs from the cluster metadata again.
 */
public final class LocalLogEngine implements LogEngine {
    /** Topic characters allowed in a directory name; also Kafka's rule. */
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private final LocalLogConfig config;
    private final Executor executor;
    private final Map<PartitionId, LocalPartitionLog> logs = new ConcurrentHashMap<>();
    /** The highest epoch each partition was opened with. Guarded by openLock. */
    private final Map<PartitionId, Integer> highestEpochs = new ConcurrentHashMap<>();
    private final Object openLock = new Object();
    private final ScheduledExecutorService flusher;
    private volatile boolean closed;

    /**
     * @param config     engine-wide settings
     * @param ioExecutor runs every blocking file operation; not shut down by this engine
     */
    public LocalLogEngine(LocalLogConfig config, Executor ioExecutor) {
        this.config = Objects.requireNonNull(config, "config");
        this.executor = Objects.requireNonNull(ioExecutor, "ioExecutor");
        if (config.fsync() == FsyncPolicy.INTERVAL) {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "rafka-log-flusher");
                t.setDaemon(true);
                return t;
            });
            flusher.scheduleAtFixedRate(() -> logs.values().forEach(LocalPartitionLog::flushInBackground),
                    config.fsyncIntervalMs(), config.fsyncIntervalMs(), TimeUnit.MILLISECONDS);
        } else {
            flusher = null;
        }
    }

    public LocalLogConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "local";
    }

    /** The directory of a partition's log. */
    public Path partitionDir(PartitionId id) {
        if (!LEGAL_TOPIC.matcher(id.topic()).matches() || id.topic().equals(".") || id.topic().equals("..")) {
            throw new IllegalArgumentException("topic " + id.topic()
                    + " must be 1 to 249 characters of [A-Za-z0-9._-] and not . or ..");
        }
        return config.dataDir().resolve(id.topic() + "-" + id.partition());
    }

    /**
     * {@inheritDoc}
     *
     * <p>An open with the epoch of the partition's open log returns that log (which goes on
     * checking the lease it was opened with).
     */
    @Override
    public CompletionStage<PartitionLog> open(PartitionId id, LogConfig logConfig, WriterLease lease) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(logConfig, "logConfig");
        Objects.requireNonNull(lease, "lease");
        Path dir = partitionDir(id);
        return onExecutor(() -> {
            synchronized (openLock) {
                if (closed) {
                    throw new IllegalStateException("engine " + name() + " is closed");
                }
                int highest = highestEpochs.getOrDefault(id, 0);
                if (lease.epoch() < highest) {
                    throw new FencedException(id, lease.epoch(), "cannot open " + id + " with epoch " + lease.epoch()
                            + ": it was opened with epoch " + highest);
                }
                LocalPartitionLog existing = logs.get(id);
                if (existing != null) {
                    if (existing.lease().epoch() == lease.epoch()) {
                        return existing;
                    }
                    // A newer owner: the old log must stop writing before the directory is opened again.
                    existing.fence(lease.epoch());
                    existing.close();
                }
                LocalPartitionLog opened = LocalPartitionLog.open(id, dir, logConfig, config, lease, executor,
                        l -> logs.remove(l.id(), l));
                logs.put(id, opened);
                highestEpochs.put(id, lease.epoch());
                return opened;
            }
        });
    }

    @Override
    public CompletionStage<Void> delete(PartitionId id) {
        Objects.requireNonNull(id, "id");
        Path dir = partitionDir(id);
        return onExecutor(() -> {
            synchronized (openLock) {
                if (logs.containsKey(id)) {
                    throw new IllegalStateException("log " + id + " is open; close it before deleting it");
                }
                highestEpochs.remove(id);
                if (Files.exists(dir)) {
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(p);
                        }
                    } catch (UncheckedIOException e) {
                        throw e.getCause();
                    }
                }
                return null;
            }
        });
    }

    /** Closes every open log (flushing it and writing its clean-shutdown marker). Blocking. */
    @Override
    public void close() {
        List<LocalPartitionLog> open;
        synchronized (openLock) {
            if (closed) {
                return;
            }
            closed = true;
            open = new ArrayList<>(logs.values());
        }
        if (flusher != null) {
            flusher.shutdownNow();
        }
        open.forEach(LocalPartitionLog::close);
    }

    private interface IoTask<T> {
        T run() throws IOException;
    }

    private <T> CompletionStage<T> onExecutor(IoTask<T> task) {
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    future.complete(task.run());
                } catch (IOException e) {
                    future.completeExceptionally(new StorageUnavailableException(e.getMessage(), e));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new StorageUnavailableException("the I/O executor rejected work", e));
        }
        return future;
    }

    @Override
    public String toString() {
        return "LocalLogEngine[" + config.dataDir() + ", fsync " + config.fsync() + "]";
    }
}
