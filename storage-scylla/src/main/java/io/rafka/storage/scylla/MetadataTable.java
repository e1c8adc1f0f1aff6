package io.rafka.storage.scylla;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.scylla.internal.Failures;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Key-value rows for the cluster's metadata in the log's keyspace: table {@code metadata}, each map
 * ({@code map_name}) spread over {@value #SHARDS} CQL partitions ({@code shard}, from a hash of the
 * key), one row per entry ({@code entry_key}, {@code entry_value} as opaque bytes), no TTL. Writes and reads use the engine's consistency levels, so with
 * LOCAL_QUORUM on both a read sees every acknowledged write.
 *
 * <p>Every method blocks on the driver (for at most the request timeout per request): call it
 * from a worker or a Hazelcast partition thread, never an event loop. CQL failures are thrown as
 * {@link StorageUnavailableException}.
 */
public final class MetadataTable {
    /** Keys per {@code IN} query when loading many entries. */
    static final int LOAD_CHUNK = 100;
    /** CQL partitions per map. Part of the stored layout: changing it needs a migration. */
    static final int SHARDS = 16;

    private final CqlSession session;
    private final ConsistencyLevel write;
    private final ConsistencyLevel read;
    private final PreparedStatement insert;
    private final PreparedStatement delete;
    private final PreparedStatement keys;
    private final PreparedStatement values;

    private MetadataTable(CqlSession session, ScyllaConfig config, List<PreparedStatement> prepared) {
        this.session = session;
        this.write = DefaultConsistencyLevel.valueOf(config.writeConsistency());
        this.read = DefaultConsistencyLevel.valueOf(config.readConsistency());
        this.insert = prepared.get(0);
        this.delete = prepared.get(1);
        this.keys = prepared.get(2);
        this.values = prepared.get(3);
    }

    /** Prepares the statements; the table exists already (the engine's schema check created it). */
    static CompletionStage<MetadataTable> prepare(CqlSession session, ScyllaConfig config) {
        String t = config.keyspace() + ".metadata";
        List<CompletableFuture<PreparedStatement>> all = List.of(
                session.prepareAsync("INSERT INTO " + t + " (map_name, shard, entry_key, entry_value) VALUES (?, ?, ?, ?)")
                        .toCompletableFuture(),
                session.prepareAsync("DELETE FROM " + t + " WHERE map_name = ? AND shard = ? AND entry_key = ?")
                        .toCompletableFuture(),
                session.prepareAsync("SELECT entry_key FROM " + t + " WHERE map_name = ? AND shard = ?").toCompletableFuture(),
                session.prepareAsync("SELECT entry_key, entry_value FROM " + t + " WHERE map_name = ? AND shard = ?"
                        + " AND entry_key IN ?").toCompletableFuture());
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0]))
                .thenApply(v -> new MetadataTable(session, config, all.stream().map(CompletableFuture::join).toList()));
    }

    /** Stores (or replaces) the value of {@code key} in {@code map}. */
    public void store(String map, String key, byte[] value) {
        run("store " + map + "/" + key, () -> session.execute(insert(map, key, value)));
    }

    /**
     * Stores the value of {@code key} in {@code map} with {@code timestamp} as its write time: of
     * two writes of one key the one with the higher timestamp is kept, whatever order they land in,
     * so a caller whose values carry a growing version can pass it here (a delete, stamped by the
     * clock, shadows every such write).
     */
    public void store(String map, String key, byte[] value, long timestamp) {
        if (timestamp < 0) {
            throw new IllegalArgumentException("a metadata write timestamp must not be negative, was " + timestamp);
        }
        run("store " + map + "/" + key, () -> session.execute(insert(map, key, value).setQueryTimestamp(timestamp)));
    }

    private BoundStatement insert(String map, String key, byte[] value) {
        requireName("map", map);
        requireName("key", key);
        Objects.requireNonNull(value, "value");
        return writing(insert.bind(map, shard(key), key, ByteBuffer.wrap(value)));
    }

    /** Deletes {@code key} from {@code map}; a missing key is fine. */
    public void delete(String map, String key) {
        requireName("map", map);
        requireName("key", key);
        run("delete " + map + "/" + key, () -> session.execute(writing(delete.bind(map, shard(key), key))));
    }

    /** Every key of {@code map}, in key order. */
    public List<String> keys(String map) {
        requireName("map", map);
        return call("list the keys of " + map, () -> {
            List<String> out = new ArrayList<>();
            for (int shard = 0; shard < SHARDS; shard++) {
                for (Row row : session.execute(reading(keys.bind(map, shard)))) {
                    out.add(row.getString(0));
                }
            }
            out.sort(null);
            return out;
        });
    }

    /** The values of those of {@code keys} that are stored in {@code map}. */
    public Map<String, byte[]> load(String map, Collection<String> keys) {
        requireName("map", map);
        keys.forEach(key -> requireName("key", key));
        Map<Integer, List<String>> byShard = new TreeMap<>();
        keys.forEach(key -> byShard.computeIfAbsent(shard(key), s -> new ArrayList<>()).add(key));
        Map<String, byte[]> out = new HashMap<>();
        byShard.forEach((shard, all) -> {
            for (int from = 0; from < all.size(); from += LOAD_CHUNK) {
                loadChunk(map, shard, all.subList(from, Math.min(all.size(), from + LOAD_CHUNK)), out);
            }
        });
        return out;
    }

    private void loadChunk(String map, int shard, List<String> chunk, Map<String, byte[]> out) {
        run("load " + chunk.size() + " entries of " + map, () -> {
            for (Row row : session.execute(reading(values.bind(map, shard, chunk)))) {
                ByteBuffer b = row.getByteBuffer(1);
                byte[] bytes = new byte[b == null ? 0 : b.remaining()];
                if (b != null) {
                    b.duplicate().get(bytes);
                }
                out.put(row.getString(0), bytes);
            }
        });
    }

    /** The CQL partition of a key within its map: a stable hash (String.hashCode is specified). */
    static int shard(String key) {
        return Math.floorMod(key.hashCode(), SHARDS);
    }

    private static void requireName(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a metadata " + what + " name must not be empty, was "
                    + (name == null ? "null" : "''"));
        }
    }

    private BoundStatement writing(BoundStatement s) {
        return s.setConsistencyLevel(write).setIdempotent(true);
    }

    private BoundStatement reading(BoundStatement s) {
        return s.setConsistencyLevel(read).setIdempotent(true);
    }

    private static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            throw Failures.toStorage("metadata storage could not " + what, e);
        }
    }

    private static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }
}
