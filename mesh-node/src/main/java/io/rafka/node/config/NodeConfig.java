package io.rafka.node.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.rafka.cache.CacheConfig;
import io.rafka.storage.scylla.ScyllaConfig;
import java.time.Duration;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The one immutable configuration of a node process. Values come, lowest precedence first, from
 * the defaults below, a YAML file (nested maps are flattened to dotted keys: {@code grpc: {port:
 * 9090}} is {@code grpc.port}), {@code RAFKA_*} environment variables ({@code RAFKA_GRPC_PORT}
 * sets {@code grpc.port}: upper case, dots and dashes become underscores) and explicit overrides
 * (command-line {@code --set key=value}). Unknown keys in the file or overrides are refused, so a
 * typo never silently falls back to a default.
 */
public record NodeConfig(
        String nodeName,
        String clusterName,
        String grpcHost,
        int grpcPort,
        String advertisedAddress,
        String httpHost,
        int httpPort,
        Path dataDir,
        String storageEngine,
        String fsync,
        long fsyncIntervalMs,
        int storageThreads,
        int eventLoops,
        int maxBatchBytes,
        int maxFetchBytes,
        int defaultPartitions,
        long retentionMs,
        long retentionBytes,
        long segmentBytes,
        long retentionCheckIntervalMs,
        int producerStateScanRecords,
        CacheConfig cache,
        Optional<ScyllaConfig> scylla,
        Optional<ClusterConfig> cluster) {

    /** The ordinal a StatefulSet appends to its pods' names: {@code rafka-12} has ordinal 12. */
    private static final Pattern ORDINAL = Pattern.compile("-(\\d{1,9})$");

    /** One configuration key: its dotted name, default, description and validating parser. */
    public record Key(String name, String defaultValue, String description, Function<String, Object> parser) {
        public String envName() {
            return "RAFKA_" + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        }
    }

    /** Every key, in documentation order. README's configuration table lists the same. */
    public static final List<Key> KEYS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
            new Key("node.name", "", "Stable identity of the node (pod name); its ring id derives from it. Empty = host name.", s -> s),
            new Key("cluster.name", "rafka", "Name of the cluster; nodes of different clusters never join.", NodeConfig::nonEmpty),
            new Key("cluster.enabled", "false", "Cluster mode: join the mesh (needs storage.engine=scylla). false = a standalone node.", s -> bool("cluster.enabled", s)),
            new Key("cluster.host", "127.0.0.1", "Interface the cluster transport (Hazelcast) binds to and advertises to other nodes.", NodeConfig::nonEmpty),
            new Key("cluster.port", "5701", "Port of the cluster transport.", s -> range("cluster.port", s, 1, 65535)),
            new Key("cluster.seeds", "", "host:port of members to join through, separated by commas. A node listed in its own seeds may found the cluster; others must reach one.", s -> s),
            new Key("cluster.supernode", "true", "Hold cluster metadata (a Hazelcast full member); false = a lite member that holds none.", s -> bool("cluster.supernode", s)),
            new Key("cluster.supernodes", "0", "Supernode count of a StatefulSet: when > 0, cluster.supernode is derived from the ordinal ending node.name (rafka-N is a supernode when N < this count). 0 = cluster.supernode decides.", s -> range("cluster.supernodes", s, 0, 1000)),
            new Key("cluster.metadata-backups", "1", "Synchronous backups of each metadata entry on other supernodes (1 survives the loss of any one supernode).", s -> range("cluster.metadata-backups", s, 0, 6)),
            new Key("cluster.session-ttl-ms", "2500", "Life of the node's session and partition leases without renewal: how long a dead owner blocks its partitions.", s -> longRange("cluster.session-ttl-ms", s, 500, 600_000)),
            new Key("cluster.failure-detection-ms", "5000", "How long the cluster transport waits for a silent member's heartbeat before removing it.", s -> longRange("cluster.failure-detection-ms", s, 2000, 600_000)),
            new Key("cluster.seed-wait-ms", "30000", "How long start-up waits for host names in cluster.seeds to resolve (pods starting together) before joining through those that do.", s -> longRange("cluster.seed-wait-ms", s, 0, 3_600_000)),
            new Key("grpc.host", "0.0.0.0", "Interface the gRPC API listens on.", NodeConfig::nonEmpty),
            new Key("grpc.port", "9090", "Port of the gRPC API (0 = any free port).", s -> port("grpc.port", s)),
            new Key("grpc.advertised-address", "", "host:port clients should use to reach this node. Empty = grpc.host (or 127.0.0.1 for 0.0.0.0) and the bound port.", s -> s),
            new Key("http.host", "0.0.0.0", "Interface of the HTTP health endpoints.", NodeConfig::nonEmpty),
            new Key("http.port", "9091", "Port of /health/live, /health/ready and /metrics (0 = any free port, -1 = off).", s -> range("http.port", s, -1, 65535)),
            new Key("data.dir", "data", "Directory of the embedded log and the node's metadata.", NodeConfig::nonEmpty),
            new Key("storage.engine", "local", "Partition log engine: local (embedded segment files) or scylla (ScyllaDB / Cassandra over CQL).", s -> oneOf("storage.engine", s, "local", "scylla")),
            new Key("storage.scylla.contact-points", "127.0.0.1:9042", "CQL nodes, host:port separated by commas.", s -> s),
            new Key("storage.scylla.local-datacenter", "datacenter1", "Datacenter this node talks to; LOCAL_* consistency counts its replicas.", s -> s),
            new Key("storage.scylla.keyspace", "rafka", "Keyspace of the log tables, created when missing.", s -> s),
            new Key("storage.scylla.replication-strategy", "NetworkTopologyStrategy", "NetworkTopologyStrategy or SimpleStrategy, used when the keyspace is created.", s -> s),
            new Key("storage.scylla.replication-factor", "3", "Replicas per datacenter; start-up fails when it exceeds the CQL nodes.", s -> range("storage.scylla.replication-factor", s, 1, 100)),
            new Key("storage.scylla.write-consistency", "LOCAL_QUORUM", "Consistency level of appends (acks LEADER and ALL wait for it).", s -> s),
            new Key("storage.scylla.read-consistency", "LOCAL_QUORUM", "Consistency level of reads and start-up recovery.", s -> s),
            new Key("storage.scylla.username", "", "User for PasswordAuthenticator; empty = no credentials.", s -> s),
            new Key("storage.scylla.password", "", "Password (never logged; use RAFKA_STORAGE_SCYLLA_PASSWORD from a Secret).", s -> s),
            new Key("storage.scylla.tls.enabled", "false", "TLS towards the CQL nodes.", s -> bool("storage.scylla.tls.enabled", s)),
            new Key("storage.scylla.tls.truststore", "", "JKS/PKCS12 truststore path; empty = the JVM's default trust.", s -> s),
            new Key("storage.scylla.tls.truststore-password", "", "Truststore password (never logged).", s -> s),
            new Key("storage.scylla.tls.hostname-validation", "true", "Check the CQL node's certificate host name.", s -> bool("storage.scylla.tls.hostname-validation", s)),
            new Key("storage.scylla.request-timeout-ms", "5000", "Longest one CQL request may take; a slower append fails UNAVAILABLE, never half-written.", s -> longRange("storage.scylla.request-timeout-ms", s, 1, 600_000)),
            new Key("storage.scylla.bucket-offsets", "100000", "Offsets per CQL partition (bucket) of the batches table.", s -> longRange("storage.scylla.bucket-offsets", s, 1, 1L << 40)),
            new Key("storage.local.fsync", "interval", "When the embedded log forces data to disk: never, interval or always (every acks=ALL append waits for fsync).", s -> oneOf("storage.local.fsync", s, "never", "interval", "always")),
            new Key("storage.local.fsync-interval-ms", "1000", "Flush period with fsync=interval.", s -> range("storage.local.fsync-interval-ms", s, 1, 3_600_000)),
            new Key("storage.threads", "4", "Threads doing storage I/O.", s -> range("storage.threads", s, 1, 256)),
            new Key("event-loops", "0", "Vert.x event loops; 0 = 2 per core.", s -> range("event-loops", s, 0, 256)),
            new Key("limits.max-batch-bytes", "1048576", "Largest record batch a produce may carry.", s -> range("limits.max-batch-bytes", s, 1024, 64 * 1024 * 1024)),
            new Key("limits.max-fetch-bytes", "8388608", "Largest max_bytes a fetch or subscribe may ask for.", s -> range("limits.max-fetch-bytes", s, 1024, 256 * 1024 * 1024)),
            new Key("topic.default-partitions", "6", "Partitions of a topic created without a count (CLI default).", s -> range("topic.default-partitions", s, 1, 10_000)),
            new Key("topic.retention-ms", "604800000", "Default time retention of a topic, ms (-1 = forever).", s -> longRange("topic.retention-ms", s, -1, Long.MAX_VALUE)),
            new Key("topic.retention-bytes", "-1", "Default size retention per partition, bytes (-1 = unlimited).", s -> longRange("topic.retention-bytes", s, -1, Long.MAX_VALUE)),
            new Key("topic.segment-bytes", "134217728", "Default segment size of the embedded log.", s -> longRange("topic.segment-bytes", s, 65_536, 1L << 30)),
            new Key("retention.check-interval-ms", "60000", "How often retention runs.", s -> longRange("retention.check-interval-ms", s, 100, 86_400_000)),
            new Key("producer-state.scan-records", "200000", "Records at each partition's tail read when it opens, to rebuild idempotent producer state and warm the cache tiers.", s -> range("producer-state.scan-records", s, 0, 100_000_000))),
            // cache.* keys: defined and validated by cache-sidecar's CacheConfig
            CacheConfig.KEYS.stream().map(NodeConfig::cacheKey)).toList();

    private static Key cacheKey(CacheConfig.Key k) {
        return new Key(k.name(), k.defaultValue(), k.description(), s -> s);
    }

    public NodeConfig {
        if (grpcPort != 0 && grpcPort == httpPort) {
            throw new ConfigException("grpc.port and http.port must differ, both are " + grpcPort);
        }
    }

    /** The defaults alone. */
    public static NodeConfig defaults() {
        return load(Optional.empty(), Map.of(), Map.of());
    }

    /**
     * Loads a configuration.
     *
     * @param file      optional YAML file
     * @param env       environment variables (only {@code RAFKA_*} ones are read)
     * @param overrides explicit dotted-key overrides, highest precedence
     * @throws ConfigException naming the key and the value when one is invalid or unknown
     */
    public static NodeConfig load(Optional<Path> file, Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> values = new LinkedHashMap<>();
        KEYS.forEach(k -> values.put(k.name(), k.defaultValue()));
        Set<String> explicit = new HashSet<>();
        if (file.isPresent()) {
            Map<String, String> fromFile = readYaml(file.get());
            fromFile.forEach((k, v) -> {
                requireKnown(k, "in " + file.get());
                values.put(k, v);
                explicit.add(k);
            });
        }
        for (Key k : KEYS) {
            String v = env.get(k.envName());
            if (v != null) {
                values.put(k.name(), v);
                explicit.add(k.name());
            }
        }
        overrides.forEach((k, v) -> {
            requireKnown(k, "as an override");
            values.put(k, v);
            explicit.add(k);
        });
        Map<String, Object> parsed = new TreeMap<>();
        for (Key k : KEYS) {
            String raw = values.get(k.name()).trim();
            try {
                parsed.put(k.name(), k.parser().apply(raw));
            } catch (ConfigException e) {
                throw e.getMessage().startsWith(k.name()) ? e
                        : new ConfigException(k.name() + ": " + e.getMessage() + ", was '" + raw + "'");
            }
        }
        Map<String, String> cacheSettings = new TreeMap<>();
        CacheConfig.KEYS.forEach(k -> cacheSettings.put(k.name(), (String) parsed.get(k.name())));
        CacheConfig cache;
        try {
            cache = CacheConfig.parse(cacheSettings, (String) parsed.get("cluster.name"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        long direct = maxDirectMemory();
        if (cache.memoryBytes() > direct / 2) {
            throw new ConfigException("cache.memory-bytes must be at most half the JVM's direct memory (" + direct / 2
                    + " bytes of -XX:MaxDirectMemorySize " + direct + "; the in-process tier lives there), was "
                    + cache.memoryBytes());
        }
        Optional<ScyllaConfig> scylla = Optional.empty();
        if (parsed.get("storage.engine").equals("scylla")) {
            scylla = Optional.of(scyllaConfig(parsed));
        }
        String name = (String) parsed.get("node.name");
        if (name.isEmpty()) {
            name = hostName();
        }
        Optional<ClusterConfig> cluster = Optional.empty();
        if ((Boolean) parsed.get("cluster.enabled")) {
            cluster = Optional.of(clusterConfig(parsed, name, explicit.contains("cluster.supernode")));
        }
        return new NodeConfig(
                name,
                (String) parsed.get("cluster.name"),
                (String) parsed.get("grpc.host"),
                (Integer) parsed.get("grpc.port"),
                (String) parsed.get("grpc.advertised-address"),
                (String) parsed.get("http.host"),
                (Integer) parsed.get("http.port"),
                Path.of((String) parsed.get("data.dir")),
                (String) parsed.get("storage.engine"),
                (String) parsed.get("storage.local.fsync"),
                (Integer) parsed.get("storage.local.fsync-interval-ms"),
                (Integer) parsed.get("storage.threads"),
                (Integer) parsed.get("event-loops"),
                (Integer) parsed.get("limits.max-batch-bytes"),
                (Integer) parsed.get("limits.max-fetch-bytes"),
                (Integer) parsed.get("topic.default-partitions"),
                (Long) parsed.get("topic.retention-ms"),
                (Long) parsed.get("topic.retention-bytes"),
                (Long) parsed.get("topic.segment-bytes"),
                (Long) parsed.get("retention.check-interval-ms"),
                (Integer) parsed.get("producer-state.scan-records"),
                cache,
                scylla,
                cluster);
    }

    private static ClusterConfig clusterConfig(Map<String, Object> p, String nodeName, boolean supernodeExplicit) {
        List<String> seeds = new ArrayList<>();
        for (String seed : ((String) p.get("cluster.seeds")).split(",")) {
            String s = seed.trim();
            if (s.isEmpty()) {
                continue;
            }
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new ConfigException("cluster.seeds entries must be host:port, was '" + s + "'");
            }
            range("cluster.seeds", s.substring(colon + 1), 1, 65535);
            seeds.add(s);
        }
        if (!p.get("storage.engine").equals("scylla")) {
            throw new ConfigException("cluster.enabled=true needs storage.engine=scylla: every node of the mesh must "
                    + "reach the same partition logs, and the embedded log (storage.engine=" + p.get("storage.engine")
                    + ") is private to one node");
        }
        long ttl = (Long) p.get("cluster.session-ttl-ms");
        boolean supernode = supernode((Boolean) p.get("cluster.supernode"), supernodeExplicit,
                (Integer) p.get("cluster.supernodes"), nodeName);
        return new ClusterConfig((String) p.get("cluster.host"), (Integer) p.get("cluster.port"), seeds,
                supernode, (Integer) p.get("cluster.metadata-backups"),
                Duration.ofMillis(ttl), Duration.ofMillis((Long) p.get("cluster.failure-detection-ms")),
                Duration.ofMillis((Long) p.get("cluster.seed-wait-ms")));
    }

    /**
     * Whether the node is a supernode. With {@code cluster.supernodes} = n > 0, the pods of a
     * StatefulSet decide it from their ordinal: {@code rafka-0} .. {@code rafka-(n-1)} are
     * supernodes, every later pod a lite member, so one pod template serves every replica.
     */
    private static boolean supernode(boolean configured, boolean explicit, int supernodes, String nodeName) {
        if (supernodes == 0) {
            return configured;
        }
        Matcher m = ORDINAL.matcher(nodeName);
        if (!m.find()) {
            if (explicit) {
                return configured;
            }
            throw new ConfigException("cluster.supernodes=" + supernodes + " derives cluster.supernode from the ordinal "
                    + "at the end of node.name (rafka-0, rafka-1, ...), but node.name '" + nodeName + "' has none; "
                    + "name the node like a StatefulSet pod or set cluster.supernode=true|false");
        }
        int ordinal = Integer.parseInt(m.group(1));
        boolean derived = ordinal < supernodes;
        if (explicit && derived != configured) {
            throw new ConfigException("cluster.supernode=" + configured + " contradicts cluster.supernodes=" + supernodes
                    + ": node.name '" + nodeName + "' has ordinal " + ordinal + ", which makes it "
                    + (derived ? "a supernode" : "a lite member") + "; set only one of the two");
        }
        return derived;
    }

    private static ScyllaConfig scyllaConfig(Map<String, Object> p) {
        try {
            ScyllaConfig.Builder b = ScyllaConfig.builder()
                    .contactPoints(List.of(((String) p.get("storage.scylla.contact-points")).split("\\s*,\\s*")))
                    .localDatacenter((String) p.get("storage.scylla.local-datacenter"))
                    .keyspace((String) p.get("storage.scylla.keyspace"))
                    .replicationStrategy((String) p.get("storage.scylla.replication-strategy"))
                    .replicationFactor((Integer) p.get("storage.scylla.replication-factor"))
                    .writeConsistency((String) p.get("storage.scylla.write-consistency"))
                    .readConsistency((String) p.get("storage.scylla.read-consistency"))
                    .requestTimeout(Duration.ofMillis((Long) p.get("storage.scylla.request-timeout-ms")))
                    .bucketOffsets((Long) p.get("storage.scylla.bucket-offsets"));
            String user = (String) p.get("storage.scylla.username");
            if (!user.isEmpty()) {
                b.credentials(user, (String) p.get("storage.scylla.password"));
            }
            if ((Boolean) p.get("storage.scylla.tls.enabled")) {
                String store = (String) p.get("storage.scylla.tls.truststore");
                String pass = (String) p.get("storage.scylla.tls.truststore-password");
                b.tls(new ScyllaConfig.Tls(store.isEmpty() ? Optional.empty() : Optional.of(Path.of(store)),
                        pass.isEmpty() ? Optional.empty() : Optional.of(pass),
                        (Boolean) p.get("storage.scylla.tls.hostname-validation")));
            }
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** The effective settings as {@code key=value} lines, for the start-up log. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("node.name=" + nodeName);
        out.add("cluster.name=" + clusterName);
        out.add("cluster=" + cluster.map(c -> c.address() + (c.supernode() ? " supernode" : " lite") + " seeds "
                + c.seeds() + " session-ttl " + c.sessionTtl().toMillis() + " ms").orElse("off (standalone)"));
        out.add("grpc=" + grpcHost + ":" + grpcPort + (advertisedAddress.isEmpty() ? "" : " advertised " + advertisedAddress));
        out.add("http=" + httpHost + ":" + httpPort);
        out.add("data.dir=" + dataDir.toAbsolutePath());
        out.add("storage.engine=" + storageEngine + (scylla.isPresent()
                ? " contact-points=" + scylla.get().contactPoints() + " dc=" + scylla.get().localDatacenter()
                        + " keyspace=" + scylla.get().keyspace() + " rf=" + scylla.get().replicationFactor()
                        + " write=" + scylla.get().writeConsistency() + " read=" + scylla.get().readConsistency()
                        + (scylla.get().credentials().isPresent() ? " user=" + scylla.get().credentials().get().username() + " password=****" : "")
                : " fsync=" + fsync + " (" + fsyncIntervalMs + " ms)"));
        out.add("limits.max-batch-bytes=" + maxBatchBytes + " limits.max-fetch-bytes=" + maxFetchBytes);
        out.add("cache=" + cache.describe() + (cache.kind() == CacheConfig.Kind.NONE ? "" : " ttl " + cache.ttl().toMillis()
                + " ms, timeout " + cache.timeout().toMillis() + " ms")
                + (cache.memoryBytes() == 0 ? ", in-process tier off" : ", in-process tier " + cache.memoryBytes() + " bytes"));
        out.add("topic defaults: partitions=" + defaultPartitions + " retention.ms=" + retentionMs
                + " retention.bytes=" + retentionBytes + " segment.bytes=" + segmentBytes);
        return out;
    }

    private static void requireKnown(String key, String where) {
        if (KEYS.stream().noneMatch(k -> k.name().equals(key))) {
            throw new ConfigException("unknown configuration key '" + key + "' " + where
                    + "; known keys: " + KEYS.stream().map(Key::name).toList());
        }
    }

    private static Map<String, String> readYaml(Path file) {
        Object root;
        try (InputStream in = Files.newInputStream(file)) {
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ConfigException("configuration file " + file + " is not valid YAML: " + e.getMessage());
        }
        Map<String, String> flat = new LinkedHashMap<>();
        if (root == null) {
            return flat;
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException("configuration file " + file + " must hold a YAML mapping, found "
                    + root.getClass().getSimpleName());
        }
        flatten("", map, flat);
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        map.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            if (v instanceof Map<?, ?> nested) {
                flatten(key, nested, out);
            } else if (v == null) {
                out.put(key, "");
            } else {
                out.put(key, String.valueOf(v));
            }
        });
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "rafka-node";
        }
    }

    private static Object nonEmpty(String s) {
        if (s.isEmpty()) {
            throw new ConfigException("value must not be empty");
        }
        return s;
    }

    private static Object port(String key, String s) {
        return range(key, s, 0, 65535);
    }

    private static Object range(String key, String s, int min, int max) {
        long v = (Long) longRange(key, s, min, max);
        return (int) v;
    }

    private static Object longRange(String key, String s, long min, long max) {
        long v;
        try {
            v = Long.parseLong(s.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be an integer, was '" + s + "'");
        }
        if (v < min || v > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + ", was " + v);
        }
        return v;
    }

    private static Object bool(String key, String s) {
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key + " must be true or false, was '" + s + "'");
    }

    private static Object oneOf(String key, String s, String... allowed) {
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw new ConfigException(key + " must be one of " + List.of(allowed) + ", was '" + s + "'");
    }

    /**
     * The JVM's limit on direct memory: -XX:MaxDirectMemorySize, or the heap limit when it is not
     * set (the JVM's own default).
     */
    public static long maxDirectMemory() {
        var diagnostic = java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class);
        long set = diagnostic == null ? 0 : Long.parseLong(diagnostic.getVMOption("MaxDirectMemorySize").getValue());
        return set > 0 ? set : Runtime.getRuntime().maxMemory();
    }
}
