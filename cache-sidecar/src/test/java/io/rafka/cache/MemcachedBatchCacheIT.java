package io.rafka.cache;

/** The cache contract on a real memcached. */
class MemcachedBatchCacheIT extends BatchCacheContract {
    @Override
    CacheConfig.Kind kind() {
        return CacheConfig.Kind.MEMCACHED;
    }
}
