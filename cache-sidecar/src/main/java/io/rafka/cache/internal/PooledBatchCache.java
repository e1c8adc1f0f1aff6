package io.rafka.cache.internal;

import io.rafka.cache.BatchCache;
import io.rafka.cache.CacheConfig;
import io.rafka.cache.CacheMetrics;
import io.rafka.cache.CachedBatchKey;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part every server-backed cache shares: a bounded worker pool for the blocking client, the
 * per-operation timeout, down/up state with probing, verification on read and the counters.
 * Subclasses supply only the blocking calls, which run on the workers and nowhere else.
 *
 * <p>Threads: {@code cache.threads} workers named {@code rafka-cache-<kind>-N} with a queue of
 * {@code cache.queue-size}, and one timer thread ({@code rafka-cache-<kind>-timer}) that answers
 * calls the server has not answered within {@code cache.timeout-ms} and schedules probes. A call
 * completes exactly once, whichever of worker and timer comes first; a late answer is dropped.
 * Nothing here blocks the caller.
 *
 * <p>Puts are coalesced: one write is in flight at a time, and the puts that arrive meanwhile go
 * out together in the next one (at most {@value #MAX_PUTS_PER_WRITE} values or
 * {@value #MAX_BYTES_PER_WRITE} bytes), as a Redis pipeline or a run of memcached sets. Under load
 * that turns one round trip, one worker hand-off and one timeout per batch into one per write.
 * A put also waits up to {@link CacheConfig#effectiveWriteLinger()} for company (the timer
 * starts the write when the oldest waiting put has waited that long, or at once when a write's
 * worth is waiting); with no linger, a put alone goes out at once. At most
 * {@code cache.queue-size} puts wait; beyond that a put is skipped as busy. Puts still waiting
 * when the cache closes are dropped (completed as skipped): the log has them.
 */
abstract class PooledBatchCache implements BatchCache {
    /** One logger for every cache, so operators can tune or silence it in one place. */
    private static final Logger LOG = LoggerFactory.getLogger(BatchCache.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    static final int MAX_PUTS_PER_WRITE = 64;
    static final int MAX_BYTES_PER_WRITE = 4 * 1024 * 1024;

    protected final CacheConfig config;
    private final String threadPrefix;
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor timer;
    private final CacheCounters counters = new CacheCounters();
    private final CacheHealth health;
    private final AtomicBoolean refusalLogged = new AtomicBoolean();
    private final AtomicBoolean keyProblemLogged = new AtomicBoolean();
    private final AtomicBoolean corruptLogged = new AtomicBoolean();
    private volatile boolean closed;
    private final ConcurrentLinkedQueue<PendingPut> pendingPuts = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean lingerScheduled = new AtomicBoolean();
    private final long lingerNanos;

    /** A put waiting for the next write, since {@code queuedAt} ({@link System#nanoTime()}). */
    private record PendingPut(String key, byte[] value, long queuedAt, CompletableFuture<Void> done) {
    }

    protected PooledBatchCache(CacheConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.threadPrefix = "rafka-cache-" + config.kind().configName();
        this.health = new CacheHealth(config.describe(), LOG);
        this.lingerNanos = config.effectiveWriteLinger().toNanos();
        this.workers = new ThreadPoolExecutor(config.threads(), config.threads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(config.queueSize()), threads(threadPrefix + "-"),
                new ThreadPoolExecutor.AbortPolicy());
        this.timer = new ScheduledThreadPoolExecutor(1, threads(threadPrefix + "-timer"));
        // Most timeouts are cancelled because the call finished first: drop them at once.
        timer.setRemoveOnCancelPolicy(true);
    }

    /** Reads one value; null when absent. Runs on a worker. */
    protected abstract byte[] read(String key) throws Exception;

    /** Reads several values in one round trip, in key order, null where absent. Runs on a worker. */
    protected abstract List<byte[]> readAll(List<String> keys) throws Exception;

    /**
     * Stores the values under their keys with the configured TTL, in one round trip where the
     * protocol allows (pipelined). Throws if any of them was not stored. Runs on a worker.
     */
    protected abstract void writeAll(List<String> keys, List<byte[]> values) throws Exception;

    /** One round trip to the server, reconnecting first if needed. Runs on a worker while down. */
    protected abstract void probe() throws Exception;

    /**
     * True when the server answered but refused (out of memory, value too large): the server is
     * up, only this call failed, so the cache is not marked down.
     */
    protected abstract boolean isRefusal(Exception e);

    /** Releases the client. Called once, from {@link #close()}. */
    protected abstract void closeClient();

    @Override
    public String describe() {
        return config.describe();
    }

    @Override
    public CompletionStage<Void> put(CachedBatchKey key, ByteBuffer batch) {
        Objects.requireNonNull(batch, "batch");
        if (batch.remaining() > config.maxValueBytes()) {
            counters.skippedOversize.increment();
            return DONE;
        }
        Optional<String> rendered = render(key);
        if (rendered.isEmpty()) {
            return DONE;
        }
        if (closed || !health.isUp()) {
            counters.skippedDown.increment();
            return DONE;
        }
        if (pendingCount.incrementAndGet() > config.queueSize()) {
            pendingCount.decrementAndGet();
            counters.skippedBusy.increment();
            return DONE;
        }
        PendingPut put = new PendingPut(rendered.get(), bytes(batch.duplicate()), System.nanoTime(), new CompletableFuture<>());
        pendingBytes.addAndGet(put.value().length);
        pendingPuts.add(put);
        writePending();
        return put.done();
    }

    /**
     * Starts a write of the waiting puts when they are due and none is in flight; when they are
     * not due yet, makes sure the timer comes back for them. Every way out leaves either a write
     * in flight (its completion calls this again), a timer scheduled (it calls this), or nothing
     * waiting, so no put is left behind.
     */
    private void writePending() {
        while (true) {
            PendingPut oldest = pendingPuts.peek();
            if (oldest == null) {
                return;
            }
            long waited = System.nanoTime() - oldest.queuedAt();
            boolean due = closed || waited >= lingerNanos || pendingCount.get() >= MAX_PUTS_PER_WRITE
                    || pendingBytes.get() >= MAX_BYTES_PER_WRITE;
            if (!due) {
                scheduleLinger(lingerNanos - waited);
                return;
            }
            if (!writing.compareAndSet(false, true)) {
                return;
            }
            List<PendingPut> batch = new ArrayList<>();
            long bytes = 0;
            for (PendingPut p; batch.size() < MAX_PUTS_PER_WRITE && (p = pendingPuts.peek()) != null; ) {
                if (!batch.isEmpty() && bytes + p.value().length > MAX_BYTES_PER_WRITE) {
                    break;
                }
                pendingPuts.poll();
                batch.add(p);
                bytes += p.value().length;
            }
            pendingCount.addAndGet(-batch.size());
            pendingBytes.addAndGet(-bytes);
            if (batch.isEmpty()) {
                writing.set(false);
                continue;
            }
            List<String> keys = batch.stream().map(PendingPut::key).toList();
            List<byte[]> values = batch.stream().map(PendingPut::value).toList();
            CompletableFuture<Outcome<Boolean>> written = this.call(() -> {
                writeAll(keys, values);
                return Boolean.TRUE;
            });
            if (!written.isDone()) {
                written.thenRun(() -> {
                    finish(batch, written.join());
                    writePending();
                });
                return;
            }
            finish(batch, written.join()); // answered at once (down, busy): go on with the loop
        }
    }

    /** Has the timer call {@link #writePending()} in {@code nanos}, unless it already will. */
    private void scheduleLinger(long nanos) {
        if (!lingerScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            timer.schedule(() -> {
                lingerScheduled.set(false);
                writePending();
            }, Math.max(nanos, 0), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            lingerScheduled.set(false); // closing: close() completes the waiting puts
        }
    }

    private void finish(List<PendingPut> batch, Outcome<Boolean> outcome) {
        if (outcome instanceof Outcome.Done<Boolean>) {
            counters.puts.add(batch.size());
            counters.writes.increment();
            refusalLogged.set(false);
        }
        writing.set(false);
        batch.forEach(p -> p.done().complete(null));
    }

    @Override
    public CompletionStage<Optional<ByteBuffer>> get(CachedBatchKey key) {
        Optional<String> rendered = render(key);
        if (rendered.isEmpty()) {
            counters.misses.increment();
            return CompletableFuture.completedFuture(Optional.empty());
        }
        String k = rendered.get();
        return this.<byte[]>call(() -> read(k)).thenApply(outcome -> answer(key, outcome));
    }

    @Override
    public CompletionStage<List<Optional<ByteBuffer>>> getAll(List<CachedBatchKey> keys) {
        List<String> rendered = new ArrayList<>(keys.size());
        int[] position = new int[keys.size()]; // index into rendered, or -1
        for (int i = 0; i < keys.size(); i++) {
            Optional<String> k = render(keys.get(i));
            position[i] = k.isPresent() ? rendered.size() : -1;
            k.ifPresent(rendered::add);
        }
        if (rendered.isEmpty()) {
            counters.misses.add(keys.size());
            return CompletableFuture.completedFuture(Collections.nCopies(keys.size(), Optional.empty()));
        }
        return this.<List<byte[]>>call(() -> readAll(rendered)).thenApply(outcome -> {
            List<Optional<ByteBuffer>> out = new ArrayList<>(keys.size());
            for (int i = 0; i < keys.size(); i++) {
                if (position[i] < 0) {
                    counters.misses.increment();
                    out.add(Optional.empty());
                } else {
                    Outcome<byte[]> one = outcome instanceof Outcome.Done<List<byte[]>> done
                            ? new Outcome.Done<>(done.value().get(position[i])) : Outcome.notServed();
                    out.add(answer(keys.get(i), one));
                }
            }
            return out;
        });
    }

    @Override
    public boolean isAvailable() {
        return !closed && health.isUp();
    }

    @Override
    public CacheMetrics metrics() {
        return counters.snapshot(config.kind(), isAvailable(), health.downTransitions());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        writePending(); // puts still lingering complete as skipped; the log has them
        workers.shutdown();
        try {
            if (!workers.awaitTermination(config.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                for (Runnable r : workers.shutdownNow()) {
                    if (r instanceof Call<?> c) {
                        c.abandon();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeClient();
        }
    }

    /** Fails fast when blocking client code runs anywhere but on this cache's own threads. */
    protected final void assertOnCacheThread() {
        assert Thread.currentThread().getName().startsWith(threadPrefix)
                : "blocking cache call on " + Thread.currentThread().getName();
    }

    private Optional<ByteBuffer> answer(CachedBatchKey key, Outcome<byte[]> outcome) {
        if (outcome instanceof Outcome.Done<byte[]> done && done.value() != null) {
            byte[] value = done.value();
            Optional<String> problem = BatchVerification.problem(key, value);
            if (problem.isEmpty()) {
                counters.hits.increment();
                return Optional.of(ByteBuffer.wrap(value));
            }
            counters.corrupt.increment();
            if (corruptLogged.compareAndSet(false, true)) {
                LOG.warn("cache {} returned a value under {} that is not the batch the key names: {}; "
                        + "treated as a miss (further ones are only counted)", describe(), key, problem.get());
            }
        }
        counters.misses.increment();
        return Optional.empty();
    }

    private Optional<String> render(CachedBatchKey key) {
        try {
            return Optional.of(key.render(config.cluster()));
        } catch (IllegalArgumentException e) {
            counters.skippedKey.increment();
            if (keyProblemLogged.compareAndSet(false, true)) {
                LOG.warn("not caching {}: {} (further ones are only counted)", key.partition(), e.getMessage());
            }
            return Optional.empty();
        }
    }

    /** Runs {@code body} on a worker, answered by the timeout if the worker is too slow. */
    private <T> CompletableFuture<Outcome<T>> call(Blocking<T> body) {
        if (closed || !health.isUp()) {
            counters.skippedDown.increment();
            return CompletableFuture.completedFuture(Outcome.notServed());
        }
        Call<T> call = new Call<>(body);
        try {
            workers.execute(call);
        } catch (RejectedExecutionException e) {
            counters.skippedBusy.increment();
            return CompletableFuture.completedFuture(Outcome.notServed());
        }
        try {
            ScheduledFuture<?> timeout = timer.schedule(call::timeOut, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            call.result.whenComplete((o, e) -> timeout.cancel(false));
        } catch (RejectedExecutionException e) {
            call.abandon(); // closing
        }
        return call.result;
    }

    private void failed(Exception e) {
        counters.errors.increment();
        if (closed) {
            return;
        }
        if (isRefusal(e)) {
            if (refusalLogged.compareAndSet(false, true)) {
                LOG.warn("cache {} refused a call: {}; it stays in use, calls it refuses are misses "
                        + "(logged again only after a write succeeds)", describe(), describe(e));
            }
            return;
        }
        if (health.markDown(describe(e))) {
            scheduleProbe();
        }
    }

    /**
     * A timeout, whether our timer or the client's own socket/operation timeout saw it first
     * (they are set to the same value, so either may win the race).
     */
    private void timedOut() {
        counters.timeouts.increment();
        counters.errors.increment();
        if (!closed && health.markDown("no answer within " + config.timeout().toMillis()
                + " ms (cache.timeout-ms)")) {
            scheduleProbe();
        }
    }

    private static boolean isTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private void scheduleProbe() {
        if (closed) {
            return;
        }
        try {
            timer.schedule(this::startProbe, config.probeInterval().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void startProbe() {
        try {
            workers.execute(new Probe());
        } catch (RejectedExecutionException e) {
            scheduleProbe();
        }
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        Throwable cause = e.getCause();
        if (cause != null && cause != e) {
            sb.append(" (").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage()).append(')');
        }
        return sb.toString();
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.remaining() == b.array().length) {
            return b.array();
        }
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix.endsWith("-") ? prefix + n.incrementAndGet() : prefix);
            t.setDaemon(true);
            return t;
        };
    }

    @FunctionalInterface
    private interface Blocking<T> {
        T run() throws Exception;
    }

    /** What a call came to: the server's answer, or not served (error, timeout, skipped). */
    private sealed interface Outcome<T> permits Outcome.Done, Outcome.NotServed {
        record Done<T>(T value) implements Outcome<T> {
        }

        record NotServed<T>() implements Outcome<T> {
        }

        static <T> Outcome<T> notServed() {
            return new NotServed<>();
        }
    }

    /**
     * One call on a worker. Settles once: by the worker, the timeout or close, whichever comes
     * first; the counters and the health are updated before the stage completes, so whoever
     * waits on it sees them.
     */
    private final class Call<T> implements Runnable {
        final CompletableFuture<Outcome<T>> result = new CompletableFuture<>();
        private final AtomicBoolean settled = new AtomicBoolean();
        private final Blocking<T> body;
        private final long start = System.nanoTime();

        Call(Blocking<T> body) {
            this.body = body;
        }

        @Override
        public void run() {
            if (settled.get()) {
                return; // timed out while queued: the server is not asked at all
            }
            assertOnCacheThread();
            Outcome<T> outcome;
            Exception error = null;
            try {
                outcome = new Outcome.Done<>(body.run());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                outcome = Outcome.notServed();
                error = e;
            }
            if (settled.compareAndSet(false, true)) {
                counters.latency(System.nanoTime() - start);
                if (error != null && isTimeout(error)) {
                    timedOut();
                } else if (error != null) {
                    failed(error);
                }
                result.complete(outcome);
            }
        }

        /** The timer's answer when the worker has not answered within the timeout. */
        void timeOut() {
            if (settled.compareAndSet(false, true)) {
                counters.latency(System.nanoTime() - start);
                timedOut();
                result.complete(Outcome.notServed());
            }
        }

        void abandon() {
            if (settled.compareAndSet(false, true)) {
                counters.skippedDown.increment();
                result.complete(Outcome.notServed());
            }
        }
    }

    /** While down: one round trip; back up on success, try again later on failure. */
    private final class Probe implements Runnable {
        @Override
        public void run() {
            if (closed) {
                return;
            }
            assertOnCacheThread();
            try {
                probe();
                health.markUp();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                LOG.debug("cache {} probe failed: {}", describe(), describe(e));
                scheduleProbe();
            }
        }
    }
}
