package io.rafka.cache;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cache of {@code cache.kind: none}: every get misses at once and every put is a no-op, so
 * the node serves every read from the log. Counts nothing. Thread-safe and stateless.
 */
public final class NoCache implements BatchCache {
    public static final NoCache INSTANCE = new NoCache();
    private static final CompletionStage<Optional<ByteBuffer>> MISS = CompletableFuture.completedStage(Optional.empty());
    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private NoCache() {
    }

    @Override
    public String describe() {
        return "none";
    }

    @Override
    public CompletionStage<Void> put(CachedBatchKey key, ByteBuffer batch) {
        return DONE;
    }

    @Override
    public CompletionStage<Optional<ByteBuffer>> get(CachedBatchKey key) {
        return MISS;
    }

    @Override
    public CompletionStage<List<Optional<ByteBuffer>>> getAll(List<CachedBatchKey> keys) {
        return CompletableFuture.completedStage(Collections.nCopies(keys.size(), Optional.empty()));
    }

    @Override
    public boolean isAvailable() {
        return false;
    }

    @Override
    public CacheMetrics metrics() {
        return CacheMetrics.empty(CacheConfig.Kind.NONE);
    }

    @Override
    public void close() {
    }
}
