package io.rafka.storage.local;

import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
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
 */
public final class LocalLogEngine implements LogEngine {
    /** Topic characters allowed in a directory name; also Kafka's rule. */
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    private final LocalLogConfig config;
    private final Executor executor;
    private final Map<PartitionId, LocalPartitionLog> logs = new ConcurrentHashMap<>();
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

    @Override
    public CompletionStage<PartitionLog> open(PartitionId id, LogConfig logConfig) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(logConfig, "logConfig");
        Path dir = partitionDir(id);
        return onExecutor(() -> {
            synchronized (openLock) {
                if (closed) {
                    throw new IllegalStateException("engine " + name() + " is closed");
                }
                LocalPartitionLog existing = logs.get(id);
                if (existing != null) {
                    return existing;
                }
                LocalPartitionLog opened = LocalPartitionLog.open(id, dir, logConfig, config, executor,
                        l -> logs.remove(l.id(), l));
                logs.put(id, opened);
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
