package io.rafka.supernode.internal;

import com.hazelcast.map.MapStore;
import io.rafka.supernode.MetadataPersistence;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-through store of one metadata map: Hazelcast calls it on the member that owns an
 * entry, before the change is applied in memory and acknowledged, and it loads the map's entries
 * when the map starts empty or misses an entry.
 *
 * <p>Writes are tried once: a failure fails the caller's map operation, which then changes nothing.
 * The initial load is retried, because Hazelcast treats a failed one as an empty map and does not
 * load it again: listing the keys is retried until it succeeds (the map's first use waits for it,
 * as a node must not serve with its topics missing), loading their values for up to
 * {@link #LOAD_DEADLINE} (an entry that still failed is read through when it is accessed). Reading
 * through one missing entry is tried once, so that a CQL outage fails that access fast rather than
 * holding a Hazelcast partition thread.
 */
public final class PersistedMap<V> implements MapStore<String, V> {
    private static final Logger LOG = LoggerFactory.getLogger(PersistedMap.class);
    static final Duration LOAD_DEADLINE = Duration.ofSeconds(30);
    private static final long FIRST_BACKOFF_NANOS = Duration.ofMillis(100).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(5).toNanos();

    private final String map;
    private final MetadataPersistence persistence;
    private final MetadataCodec<V> codec;

    public PersistedMap(String map, MetadataPersistence persistence, MetadataCodec<V> codec) {
        this.map = Objects.requireNonNull(map, "map");
        this.persistence = Objects.requireNonNull(persistence, "persistence");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public void store(String key, V value) {
        persistence.store(map, key, codec.encode(value), codec.version(value));
    }

    @Override
    public void storeAll(Map<String, V> entries) {
        entries.forEach(this::store);
    }

    @Override
    public void delete(String key) {
        persistence.delete(map, key);
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        keys.forEach(this::delete);
    }

    /** One entry missing in memory, read through: tried once, so a CQL outage fails the access fast. */
    @Override
    public V load(String key) {
        return decode(persistence.load(map, List.of(key))).get(key);
    }

    @Override
    public Map<String, V> loadAll(Collection<String> keys) {
        return decode(retried("load " + keys.size() + " entries", LOAD_DEADLINE, () -> persistence.load(map, keys)));
    }

    private Map<String, V> decode(Map<String, byte[]> stored) {
        Map<String, V> values = new HashMap<>();
        stored.forEach((key, bytes) -> {
            try {
                values.put(key, codec.decode(bytes));
            } catch (RuntimeException e) {
                throw new IllegalStateException("entry '" + key + "' of " + map + " cannot be read back: " + e.getMessage(), e);
            }
        });
        return values;
    }

    @Override
    public Iterable<String> loadAllKeys() {
        Collection<String> keys = retried("list the stored keys", null, () -> persistence.keys(map));
        LOG.info("{}: loading {} stored entries", map, keys.size());
        return keys;
    }

    /** Calls {@code call} until it succeeds or, unless {@code limit} is null, {@code limit} has passed, backing off. */
    private <T> T retried(String what, Duration limit, Supplier<T> call) {
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_NANOS;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (RuntimeException e) {
                if (limit != null && System.nanoTime() - start + backoff > limit.toNanos()) {
                    throw e;
                }
                LOG.warn("{}: could not {} (attempt {}: {}); retrying in {} ms", map, what, attempt, e.toString(),
                        backoff / 1_000_000);
                LockSupport.parkNanos(backoff);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    IllegalStateException stopped = new IllegalStateException(map + ": gave up trying to " + what
                            + ": interrupted (the member is shutting down)");
                    stopped.addSuppressed(e);
                    throw stopped;
                }
                backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
            }
        }
    }
}
