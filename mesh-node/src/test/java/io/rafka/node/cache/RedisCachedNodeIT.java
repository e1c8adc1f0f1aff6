package io.rafka.node.cache;

class RedisCachedNodeIT extends CachedNodeContract {
    @Override
    String kind() {
        return "redis";
    }
}
