package io.rafka.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NoCacheTest {

    @Test
    void everyGetMissesAndEveryPutIsANoOp() {
        BatchCache cache = BatchCache.open(CacheConfig.none("c"));
        CachedBatchKey key = TestBatches.key(0, 0);

        cache.put(key, ByteBuffer.wrap(TestBatches.batch(0, 0))).toCompletableFuture().join();

        assertThat(cache).isSameAs(NoCache.INSTANCE);
        assertThat(cache.get(key).toCompletableFuture().join()).isEmpty();
        assertThat(cache.getAll(List.of(key, key.next(5))).toCompletableFuture().join())
                .containsExactly(Optional.empty(), Optional.empty());
        assertThat(cache.isAvailable()).isFalse();
        assertThat(cache.metrics().hits() + cache.metrics().misses()).isZero();
    }
}
