package io.rafka.cache;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How a node reaches its batch cache. Validated here, so a bad value fails at start-up naming
 * the setting and the value.
 *
 * @param kind          none, redis or memcached
 * @param cluster       the cluster name, first part of every key (so clusters can share a server)
 * @param host          cache server host (the sidecar: 127.0.0.1)
 * @param port          cache server port, 1..65535
 * @param ttl           how long an entry lives; 1 ms to 30 days (memcached rounds up to seconds,
 *                      and reads more than 30 days as an absolute time, hence the cap)
 * @param maxValueBytes batches larger than this are not cached; memcached's default item limit
 *                      is 1 MiB including key and item header, so at most {@value #MEMCACHED_MAX_VALUE_BYTES} there
 * @param timeout       per operation: a slower answer is a miss and marks the cache down
 * @param threads       worker threads running the blocking client
 * @param queueSize     calls waiting for a worker; beyond this a call completes at once as skipped
 * @param probeInterval while down, how often the server is probed (and reconnected)
 * @param writeLinger   how long a put may wait for others to go out in the same write to the
 *                      sidecar, 0 to 1 s; only while the in-process tier is on (see
 *                      {@link #effectiveWriteLinger()})
 * @param memoryBytes   direct memory of the node's in-process tier ({@link MemoryTail}) in front
 *                      of the sidecar; 0 = off
 */
public record CacheConfig(
        Kind kind,
        String cluster,
        String host,
        int port,
        Duration ttl,
        int maxValueBytes,
        Duration timeout,
        int threads,
        int queueSize,
        Duration probeInterval,
        Duration writeLinger,
        long memoryBytes) {

    public static final int MEMCACHED_MAX_VALUE_BYTES = 1_048_000;
    public static final int REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;
    private static final Duration MAX_TTL = Duration.ofDays(30);
    private static final Duration MAX_WRITE_LINGER = Duration.ofSeconds(1);
    /** The in-process tier's budget is capped; the node also refuses one over half its heap. */
    public static final long MAX_MEMORY_BYTES = 64L << 30;

    /**
     * The cache implementations: the sidecar kinds {@code cache.kind} selects, and
     * {@link #MEMORY}, the node's in-process tier (sized by {@code cache.memory-bytes}, never a
     * value of {@code cache.kind}; it names that tier in metrics).
     */
    public enum Kind {
        NONE, REDIS, MEMCACHED, MEMORY;

        private static final List<Kind> SIDECARS = List.of(NONE, REDIS, MEMCACHED);

        /** Standard server port of the kind, used when {@code cache.port} is 0. */
        public int defaultPort() {
            return switch (this) {
                case NONE, REDIS, MEMORY -> 6379;
                case MEMCACHED -> 11211;
            };
        }

        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String value) {
            for (Kind k : SIDECARS) {
                if (k.configName().equals(value)) {
                    return k;
                }
            }
            throw new IllegalArgumentException("cache.kind must be one of none, redis, memcached, was '" + value + "'");
        }
    }

    /** One configuration key of the cache, with its default, for the node's configuration table. */
    public record Key(String name, String defaultValue, String description) {
    }

    /** The node's cache settings, in documentation order. */
    public static final List<Key> KEYS = List.of(
            new Key("cache.kind", "none", "Batch cache: none, redis or memcached (the pod's sidecar)."),
            new Key("cache.host", "127.0.0.1", "Cache server host."),
            new Key("cache.port", "0", "Cache server port; 0 = the kind's standard port (6379 redis, 11211 memcached)."),
            new Key("cache.ttl-ms", "300000", "Lifetime of a cached batch, ms (1 ms to 30 days; memcached rounds up to seconds)."),
            new Key("cache.max-value-bytes", "1000000", "Batches larger than this are not cached (memcached: at most " + MEMCACHED_MAX_VALUE_BYTES + ")."),
            new Key("cache.timeout-ms", "50", "Per-operation timeout; a slower cache counts as down and reads go to the log."),
            new Key("cache.threads", "4", "Worker threads running the blocking cache client."),
            new Key("cache.queue-size", "1024", "Calls queued for the workers; when full, calls complete at once as skipped."),
            new Key("cache.probe-interval-ms", "1000", "While the cache is down, how often it is probed and reconnected."),
            new Key("cache.write-linger-ms", "20", "How long a write to the sidecar waits to gather more batches (one round trip for many), 0 to 1000; only while the in-process tier is on, which serves the newest batches meanwhile. 0 = at once."),
            new Key("cache.memory-bytes", "67108864", "Direct memory of the in-process tier in front of the sidecar: a ring of the newest batches of the node's partitions, oldest overwritten first; 0 = off. At most half of -XX:MaxDirectMemorySize."));

    public CacheConfig {
        Objects.requireNonNull(kind, "cache.kind");
        if (kind == Kind.MEMORY) {
            throw new IllegalArgumentException("cache.kind must be one of none, redis, memcached, was 'memory' "
                    + "(the in-process tier is sized by cache.memory-bytes)");
        }
        CachedBatchKey.checkCluster(cluster);
        Objects.requireNonNull(host, "cache.host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("cache.host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("cache.port must be between 1 and 65535, was " + port);
        }
        Objects.requireNonNull(ttl, "cache.ttl-ms");
        if (ttl.toMillis() < 1 || ttl.compareTo(MAX_TTL) > 0) {
            throw new IllegalArgumentException("cache.ttl-ms must be between 1 and " + MAX_TTL.toMillis()
                    + " (30 days), was " + ttl.toMillis());
        }
        int maxValue = kind == Kind.MEMCACHED ? MEMCACHED_MAX_VALUE_BYTES : REDIS_MAX_VALUE_BYTES;
        if (maxValueBytes < 1 || maxValueBytes > maxValue) {
            throw new IllegalArgumentException("cache.max-value-bytes must be between 1 and " + maxValue
                    + " for cache.kind " + kind.configName() + ", was " + maxValueBytes
                    + (kind == Kind.MEMCACHED ? " (memcached's item limit is 1 MiB including key and header)" : ""));
        }
        Objects.requireNonNull(timeout, "cache.timeout-ms");
        if (timeout.toMillis() < 1 || timeout.toMillis() > 60_000) {
            throw new IllegalArgumentException("cache.timeout-ms must be between 1 and 60000, was " + timeout.toMillis());
        }
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("cache.threads must be between 1 and 256, was " + threads);
        }
        if (queueSize < 1 || queueSize > 1_000_000) {
            throw new IllegalArgumentException("cache.queue-size must be between 1 and 1000000, was " + queueSize);
        }
        Objects.requireNonNull(probeInterval, "cache.probe-interval-ms");
        if (probeInterval.toMillis() < 10 || probeInterval.toMillis() > 60_000) {
            throw new IllegalArgumentException("cache.probe-interval-ms must be between 10 and 60000, was "
                    + probeInterval.toMillis());
        }
        Objects.requireNonNull(writeLinger, "cache.write-linger-ms");
        if (writeLinger.isNegative() || writeLinger.compareTo(MAX_WRITE_LINGER) > 0) {
            throw new IllegalArgumentException("cache.write-linger-ms must be between 0 and "
                    + MAX_WRITE_LINGER.toMillis() + ", was " + writeLinger.toMillis());
        }
        if (memoryBytes < 0 || memoryBytes > MAX_MEMORY_BYTES) {
            throw new IllegalArgumentException("cache.memory-bytes must be between 0 and " + MAX_MEMORY_BYTES
                    + " (64 GiB), was " + memoryBytes);
        }
    }

    /** No cache, with every other setting at its default. */
    public static CacheConfig none(String cluster) {
        return parse(Map.of(), cluster);
    }

    /**
     * Builds the configuration from {@code cache.*} settings (the names in {@link #KEYS}); a
     * missing key takes its default.
     *
     * @param settings dotted keys to values; keys outside {@code cache.*} are ignored
     * @throws IllegalArgumentException naming the key and the value when one is invalid or unknown
     */
    public static CacheConfig parse(Map<String, String> settings, String cluster) {
        Map<String, String> v = new LinkedHashMap<>();
        KEYS.forEach(k -> v.put(k.name(), k.defaultValue()));
        settings.forEach((name, value) -> {
            if (!name.startsWith("cache.")) {
                return;
            }
            if (!v.containsKey(name)) {
                throw new IllegalArgumentException("unknown cache setting '" + name + "'; known: "
                        + KEYS.stream().map(Key::name).toList());
            }
            v.put(name, value.trim());
        });
        Kind kind = Kind.parse(v.get("cache.kind"));
        int port = integer(v, "cache.port");
        return new CacheConfig(kind, cluster, v.get("cache.host"), port == 0 ? kind.defaultPort() : port,
                Duration.ofMillis(number(v, "cache.ttl-ms")), integer(v, "cache.max-value-bytes"),
                Duration.ofMillis(number(v, "cache.timeout-ms")), integer(v, "cache.threads"),
                integer(v, "cache.queue-size"), Duration.ofMillis(number(v, "cache.probe-interval-ms")),
                Duration.ofMillis(number(v, "cache.write-linger-ms")), number(v, "cache.memory-bytes"));
    }

    /**
     * How long a put to the sidecar may wait for company: {@link #writeLinger} while the
     * in-process tier is on, zero without it. With the tier on, the newest batches are read from
     * memory, so the sidecar copy is only needed later (after the ring has moved on, or after a
     * restart) and a few milliseconds of delay cost no hit; gathering the puts of that time into
     * one pipelined write saves a round trip, a worker hand-off and a timeout per batch. Without
     * the tier a tail reader asks the sidecar for a batch just after it was appended, so the put
     * goes out at once.
     */
    public Duration effectiveWriteLinger() {
        return memoryBytes == 0 ? Duration.ZERO : writeLinger;
    }

    /** {@code redis 127.0.0.1:6379}, for logs. */
    public String describe() {
        return kind == Kind.NONE ? "none" : kind.configName() + " at " + host + ":" + port;
    }

    private static long number(Map<String, String> v, String key) {
        try {
            return Long.parseLong(v.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, was '" + v.get(key) + "'");
        }
    }

    private static int integer(Map<String, String> v, String key) {
        long n = number(v, key);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(key + " is out of range, was " + n);
        }
        return (int) n;
    }
}
