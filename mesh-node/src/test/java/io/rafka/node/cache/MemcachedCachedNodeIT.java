package io.rafka.node.cache;

class MemcachedCachedNodeIT extends CachedNodeContract {
    @Override
    String kind() {
        return "memcached";
    }
}
