package io.rafka.cache;

/** The cache contract on a real redis-server. */
class RedisBatchCacheIT extends BatchCacheContract {
    @Override
    CacheConfig.Kind kind() {
        return CacheConfig.Kind.REDIS;
    }
}
