package io.rafka.cache;

import io.rafka.cache.internal.MemcachedBatchCache;
import io.rafka.cache.internal.RedisBatchCache;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A hot-tail cache of record batches beside the partition log. Never the source of truth: every
 * answer may be "not here", and the caller then reads the log.
 *
 * <p>Guarantees of every implementation:
 * <ul>
 *   <li>No method blocks or throws (except for null arguments): the blocking client runs on the
 *       cache's own bounded worker pool, and every stage completes normally, within about
 *       {@code cache.timeout-ms}. Failures, timeouts and skipped calls are counted in
 *       {@link #metrics()}, never propagated. Stages complete on a cache thread: callers hop
 *       back to their own context (event loop) before touching their state.</li>
 *   <li>A get returns only a batch whose header carries the key's base offset and epoch and whose
 *       CRC-32C is valid; anything else found under the key is a miss, counted as corrupt.</li>
 *   <li>When the server is down or slow the cache marks itself down, logs that once, completes
 *       calls at once as misses/skips, probes the server every {@code cache.probe-interval-ms},
 *       reconnects and logs once when it is back.</li>
 *   <li>When the worker queue is full a call completes at once as skipped; nothing queues
 *       without bound.</li>
 * </ul>
 */
public interface BatchCache extends AutoCloseable {

    /** Opens the cache {@code config} describes. Does not wait for the server: a cache that cannot connect starts down. */
    static BatchCache open(CacheConfig config) {
        return switch (config.kind()) {
            case NONE -> NoCache.INSTANCE;
            case REDIS -> new RedisBatchCache(config);
            case MEMCACHED -> new MemcachedBatchCache(config);
            case MEMORY -> throw new IllegalArgumentException("memory is not a sidecar kind");
        };
    }

    /** {@code redis at 127.0.0.1:6379}, for logs. */
    String describe();

    /**
     * Writes a batch through to the cache with the configured TTL. Call it only after the batch's
     * append succeeded, with the bytes as stored (base offset and writer epoch stamped). Batches
     * over {@code cache.max-value-bytes} are skipped. The buffer's position and limit are not
     * changed; its content must not change afterwards (appended batches are immutable).
     *
     * @return a stage that completes (normally, always) once the value is stored or skipped
     */
    CompletionStage<Void> put(CachedBatchKey key, ByteBuffer batch);

    /**
     * Reads the batch stored under {@code key}, verified against the key.
     *
     * @return the batch (a fresh heap buffer the caller owns, position 0), or empty on a miss of
     *         any kind
     */
    CompletionStage<Optional<ByteBuffer>> get(CachedBatchKey key);

    /**
     * Reads several batches in one round trip (Redis MGET, memcached multi-get), each verified
     * as {@link #get} does. Useful when the caller knows the keys ahead, e.g. from an index of
     * recently appended batches; to chain from one batch to the next without one, call
     * {@link #get} with {@link CachedBatchKey#next(int)}.
     *
     * @return one entry per key, in the same order
     */
    CompletionStage<List<Optional<ByteBuffer>>> getAll(List<CachedBatchKey> keys);

    /** False while the cache is marked down (or is {@link NoCache}). */
    boolean isAvailable();

    /** A snapshot of the counters. Cheap; safe from any thread. */
    CacheMetrics metrics();

    /** Stops the workers and closes the client. Calls made afterwards complete as skipped. */
    @Override
    void close();
}
