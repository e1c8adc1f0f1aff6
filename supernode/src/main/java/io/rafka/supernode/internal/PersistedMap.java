package io.rafka.supernode.internal;

import com.hazelcast.map.MapStore;
import io.rafka.supernode.MetadataPersistence;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The write-through store of one metadata map: Hazelcast calls it on the member that owns an
 * entry, before the change is applied in memory and acknowledged, and it loads the map's entries
 * when the map starts empty or misses an entry.
 */
public final class PersistedMap<V> implements MapStore<String, V> {
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
        persistence.store(map, key, codec.encode(value));
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

    @Override
    public V load(String key) {
        return loadAll(List.of(key)).get(key);
    }

    @Override
    public Map<String, V> loadAll(Collection<String> keys) {
        Map<String, V> values = new HashMap<>();
        persistence.load(map, keys).forEach((key, bytes) -> {
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
        return persistence.keys(map);
    }
}
