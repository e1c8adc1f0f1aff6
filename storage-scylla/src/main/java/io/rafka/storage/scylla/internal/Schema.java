package io.rafka.storage.scylla.internal;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.schema.ColumnMetadata;
import com.datastax.oss.driver.api.core.metadata.schema.KeyspaceMetadata;
import com.datastax.oss.driver.api.core.metadata.schema.TableMetadata;
import com.datastax.oss.driver.api.core.type.DataType;
import com.datastax.oss.driver.api.core.type.DataTypes;
import io.rafka.storage.scylla.ScyllaConfig;
import io.rafka.storage.scylla.ScyllaConfigException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keyspace and the two tables of the log, created when missing and checked when present. Only
 * CQL that both ScyllaDB and Apache Cassandra accept (no SAI, no Cassandra-only functions).
 *
 * <pre>
 * batches     ((topic, partition, bucket), base_offset)  one row per appended record batch, TTL = retention
 *             last_offset, max_timestamp, writer_epoch, data (the batch bytes, base offset and epoch stamped)
 * partitions  ((topic, partition), bucket)               one row per bucket: its max timestamp (TTL = retention + 60 s)
 *             static: bucket_span, head_bucket, end_offset, start_bucket (no TTL: the partition's own state),
 *             epochs (epoch -> first offset, see EpochHistory), writer_clock (see EpochClock)
 * metadata    ((map_name, shard), entry_key)             cluster metadata written through from the
 *             entry_value (opaque bytes), no TTL         supernodes' maps (see MetadataTable)
 * </pre>
 *
 * <p>A {@code partitions} table of an earlier version, without the fencing columns, gets them
 * with {@code ALTER TABLE ... ADD} (both ScyllaDB and Cassandra accept it; existing rows read
 * them as null, which means: never opened by a fenced writer).
 */
public final class Schema {
    private static final Logger log = LoggerFactory.getLogger(Schema.class);
    static final String BATCHES = "batches";
    static final String PARTITIONS = "partitions";
    static final String METADATA = "metadata";
    /** DDL may wait for schema agreement; give it more than a data request. */
    private static final Duration DDL_TIMEOUT = Duration.ofSeconds(60);

    private static final Map<String, DataType> BATCHES_COLUMNS = columns(
            "topic", DataTypes.TEXT, "partition", DataTypes.INT, "bucket", DataTypes.BIGINT,
            "base_offset", DataTypes.BIGINT, "last_offset", DataTypes.BIGINT, "max_timestamp", DataTypes.BIGINT,
            "writer_epoch", DataTypes.INT, "data", DataTypes.BLOB);
    private static final Map<String, DataType> PARTITIONS_COLUMNS = columns(
            "topic", DataTypes.TEXT, "partition", DataTypes.INT, "bucket", DataTypes.BIGINT,
            "max_timestamp", DataTypes.BIGINT, "bucket_span", DataTypes.BIGINT, "head_bucket", DataTypes.BIGINT,
            "end_offset", DataTypes.BIGINT, "start_bucket", DataTypes.BIGINT,
            "epochs", DataTypes.mapOf(DataTypes.INT, DataTypes.BIGINT), "writer_clock", DataTypes.BIGINT);
    private static final Map<String, DataType> METADATA_COLUMNS = columns(
            "map_name", DataTypes.TEXT, "shard", DataTypes.INT, "entry_key", DataTypes.TEXT, "entry_value", DataTypes.BLOB);
    /** Columns added after the first release, with their CQL types: added to an existing table when missing. */
    private static final Map<String, String> PARTITIONS_ADDED_COLUMNS = Map.of(
            "epochs", "map<int, bigint> static", "writer_clock", "bigint static");

    private Schema() {
    }

    /**
     * Checks the cluster against the configuration (local datacenter, replication factor against
     * its nodes), then creates or checks the keyspace and tables.
     *
     * @return a stage failing with {@link ScyllaConfigException} for a setting the cluster cannot honour
     */
    public static CompletionStage<Void> ensure(CqlSession session, ScyllaConfig config) {
        try {
            checkCluster(session, config);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        String ks = config.keyspace();
        Optional<KeyspaceMetadata> existing = session.getMetadata().getKeyspace(CqlIdentifier.fromInternal(ks));
        CompletionStage<?> keyspace;
        if (existing.isPresent()) {
            try {
                checkReplication(existing.get(), config);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
            keyspace = CompletableFuture.completedFuture(null);
        } else {
            log.info("Creating keyspace {} with {} replication factor {}", ks, config.replicationStrategy(),
                    config.replicationFactor());
            keyspace = ddl(session, createKeyspace(config));
        }
        return keyspace
                .thenCompose(v -> ddl(session, createBatches(ks)))
                .thenCompose(v -> ddl(session, createPartitions(ks)))
                .thenCompose(v -> ddl(session, createMetadata(ks)))
                .thenCompose(v -> session.refreshSchemaAsync())
                .thenCompose(metadata -> addMissingColumns(session, ks, metadata.getKeyspace(CqlIdentifier.fromInternal(ks))))
                .thenCompose(v -> session.refreshSchemaAsync())
                .thenAccept(metadata -> {
                    KeyspaceMetadata km = metadata.getKeyspace(CqlIdentifier.fromInternal(ks)).orElseThrow(() ->
                            new IllegalStateException("keyspace " + ks + " is missing right after it was created"));
                    checkTable(km, BATCHES, BATCHES_COLUMNS);
                    checkTable(km, PARTITIONS, PARTITIONS_COLUMNS);
                    checkTable(km, METADATA, METADATA_COLUMNS);
                });
    }

    /**
     * Adds the columns of {@link #PARTITIONS_ADDED_COLUMNS} a {@code partitions} table of an
     * earlier version lacks. Another engine starting at the same time may add them first: a
     * failed ALTER is fine if the column is there afterwards (the check after it decides).
     */
    private static CompletionStage<Void> addMissingColumns(CqlSession session, String ks, Optional<KeyspaceMetadata> km) {
        Optional<TableMetadata> table = km.flatMap(k -> k.getTable(CqlIdentifier.fromInternal(PARTITIONS)));
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        if (table.isEmpty()) {
            return chain;
        }
        for (Map.Entry<String, String> column : new TreeMap<>(PARTITIONS_ADDED_COLUMNS).entrySet()) {
            if (table.get().getColumn(CqlIdentifier.fromInternal(column.getKey())).isPresent()) {
                continue;
            }
            String cql = "ALTER TABLE " + ks + "." + PARTITIONS + " ADD " + column.getKey() + " " + column.getValue();
            chain = chain.thenCompose(v -> {
                log.info("Upgrading the schema: {}", cql);
                return ddl(session, cql).handle((rs, e) -> {
                    if (e != null) {
                        log.info("{} failed ({}); checking whether another node added the column", cql, e.toString());
                    }
                    return null;
                });
            });
        }
        return chain;
    }

    private static void checkCluster(CqlSession session, ScyllaConfig config) {
        Map<String, Integer> nodesPerDc = new TreeMap<>();
        for (Node n : session.getMetadata().getNodes().values()) {
            nodesPerDc.merge(String.valueOf(n.getDatacenter()), 1, Integer::sum);
        }
        String dc = config.localDatacenter();
        if (!nodesPerDc.containsKey(dc)) {
            throw new ScyllaConfigException(ScyllaConfig.LOCAL_DATACENTER, ScyllaConfig.LOCAL_DATACENTER + " '" + dc
                    + "' is not a datacenter of the cluster at " + ScyllaConfig.CONTACT_POINTS + "="
                    + config.contactPoints() + "; its datacenters are " + nodesPerDc.keySet());
        }
        boolean nts = config.replicationStrategy().equals(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY);
        int nodes = nts ? nodesPerDc.get(dc) : nodesPerDc.values().stream().mapToInt(Integer::intValue).sum();
        if (config.replicationFactor() > nodes) {
            throw new ScyllaConfigException(ScyllaConfig.REPLICATION_FACTOR, ScyllaConfig.REPLICATION_FACTOR + " "
                    + config.replicationFactor() + " exceeds the " + nodes + " CQL node(s) "
                    + (nts ? "in datacenter '" + dc + "'" : "in the cluster") + " (" + ScyllaConfig.REPLICATION_STRATEGY
                    + "=" + config.replicationStrategy() + "): writes at " + config.writeConsistency()
                    + " could not be placed; lower it or add nodes");
        }
    }

    private static void checkReplication(KeyspaceMetadata km, ScyllaConfig config) {
        Map<String, String> r = km.getReplication();
        String cls = r.getOrDefault("class", "");
        String simple = cls.substring(cls.lastIndexOf('.') + 1);
        String ks = config.keyspace();
        if (!simple.equals(config.replicationStrategy())) {
            throw new ScyllaConfigException(ScyllaConfig.REPLICATION_STRATEGY, "keyspace " + ks + " exists with "
                    + simple + " but " + ScyllaConfig.REPLICATION_STRATEGY + " is " + config.replicationStrategy()
                    + "; make them agree (ALTER KEYSPACE or change the setting)");
        }
        String key = simple.equals(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY) ? config.localDatacenter() : "replication_factor";
        String actual = r.get(key);
        int factor = parseFactor(actual);
        if (factor != config.replicationFactor()) {
            throw new ScyllaConfigException(ScyllaConfig.REPLICATION_FACTOR, "keyspace " + ks + " exists with "
                    + (actual == null ? "no replicas" : actual + " replica(s)") + " for " + key + " but "
                    + ScyllaConfig.REPLICATION_FACTOR + " is " + config.replicationFactor()
                    + "; make them agree (ALTER KEYSPACE or change the setting)");
        }
    }

    /** A replication factor as the schema states it: {@code 3}, or {@code 3/1} with transient replicas. */
    private static int parseFactor(String v) {
        if (v == null) {
            return 0;
        }
        int slash = v.indexOf('/');
        try {
            return Integer.parseInt((slash < 0 ? v : v.substring(0, slash)).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void checkTable(KeyspaceMetadata km, String table, Map<String, DataType> expected) {
        TableMetadata tm = km.getTable(CqlIdentifier.fromInternal(table)).orElseThrow(() ->
                new IllegalStateException("table " + km.getName().asInternal() + "." + table + " is missing after CREATE TABLE"));
        for (Map.Entry<String, DataType> e : expected.entrySet()) {
            Optional<ColumnMetadata> c = tm.getColumn(CqlIdentifier.fromInternal(e.getKey()));
            if (c.isEmpty() || !c.get().getType().equals(e.getValue())) {
                throw new ScyllaConfigException(ScyllaConfig.KEYSPACE, "table " + km.getName().asInternal() + "." + table
                        + " exists with a different schema: column " + e.getKey() + " should be " + e.getValue()
                        + " but is " + c.map(col -> col.getType().toString()).orElse("missing") + "; use another "
                        + ScyllaConfig.KEYSPACE + " or drop the table");
            }
        }
        List<String> pk = tm.getPartitionKey().stream().map(c -> c.getName().asInternal()).toList();
        List<String> wantedPk = switch (table) {
            case BATCHES -> List.of("topic", "partition", "bucket");
            case METADATA -> List.of("map_name", "shard");
            default -> List.of("topic", "partition");
        };
        if (!pk.equals(wantedPk)) {
            throw new ScyllaConfigException(ScyllaConfig.KEYSPACE, "table " + km.getName().asInternal() + "." + table
                    + " exists with partition key " + pk + " instead of " + wantedPk + "; use another "
                    + ScyllaConfig.KEYSPACE + " or drop the table");
        }
    }

    private static CompletionStage<?> ddl(CqlSession session, String cql) {
        return session.executeAsync(SimpleStatement.newInstance(cql).setTimeout(DDL_TIMEOUT));
    }

    static String createKeyspace(ScyllaConfig c) {
        String replication = c.replicationStrategy().equals(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY)
                ? "{'class': 'NetworkTopologyStrategy', '" + c.localDatacenter() + "': " + c.replicationFactor() + "}"
                : "{'class': 'SimpleStrategy', 'replication_factor': " + c.replicationFactor() + "}";
        return "CREATE KEYSPACE IF NOT EXISTS " + c.keyspace() + " WITH replication = " + replication
                + " AND durable_writes = true";
    }

    /**
     * Time-window compaction suits rows that are written once and expire by TTL: whole SSTables of
     * expired windows are dropped instead of being compacted. gc_grace_seconds is cut to the 3 h
     * hint window because the table sees deletes only when a partition is deleted or a failed
     * append is cleaned up, never on the normal path.
     */
    static String createBatches(String ks) {
        return "CREATE TABLE IF NOT EXISTS " + ks + "." + BATCHES + " ("
                + "topic text, partition int, bucket bigint, base_offset bigint, last_offset bigint,"
                + " max_timestamp bigint, writer_epoch int, data blob,"
                + " PRIMARY KEY ((topic, partition, bucket), base_offset))"
                + " WITH CLUSTERING ORDER BY (base_offset ASC)"
                + " AND compaction = {'class': 'TimeWindowCompactionStrategy', 'compaction_window_unit': 'HOURS',"
                + " 'compaction_window_size': '6'}"
                + " AND gc_grace_seconds = 10800"
                + " AND comment = 'Rafka record batches: one row per appended batch, TTL = retention'";
    }

    static String createPartitions(String ks) {
        return "CREATE TABLE IF NOT EXISTS " + ks + "." + PARTITIONS + " ("
                + "topic text, partition int, bucket bigint, max_timestamp bigint,"
                + " bucket_span bigint static, head_bucket bigint static, end_offset bigint static,"
                + " start_bucket bigint static, epochs map<int, bigint> static, writer_clock bigint static,"
                + " PRIMARY KEY ((topic, partition), bucket))"
                + " WITH CLUSTERING ORDER BY (bucket ASC)"
                + " AND comment = 'Rafka partition state (static) and per-bucket max timestamps'";
    }

    /**
     * A map's entries spread over a fixed number of CQL partitions (shards, by a hash of the key),
     * so that commits of many groups, and the tombstones of deleted leases, are not all on one
     * replica set, while a cluster starting up still lists a map in a few queries.
     */
    static String createMetadata(String ks) {
        return "CREATE TABLE IF NOT EXISTS " + ks + "." + METADATA + " ("
                + "map_name text, shard int, entry_key text, entry_value blob,"
                + " PRIMARY KEY ((map_name, shard), entry_key))"
                + " WITH comment = 'Rafka cluster metadata: topics, leases, committed offsets, counters'";
    }

    private static Map<String, DataType> columns(Object... kv) {
        Map<String, DataType> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (DataType) kv[i + 1]);
        }
        return m;
    }
}
