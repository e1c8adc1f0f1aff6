package io.rafka.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CacheConfigTest {

    @Test
    void defaultsAreNoCacheWithSafeLimits() {
        CacheConfig c = CacheConfig.none("rafka");

        assertThat(c.kind()).isEqualTo(CacheConfig.Kind.NONE);
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.ttl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.maxValueBytes()).isEqualTo(1_000_000);
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(50));
        assertThat(c.threads()).isEqualTo(4);
        assertThat(c.queueSize()).isEqualTo(1024);
        assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.describe()).isEqualTo("none");
    }

    @Test
    void portZeroMeansTheKindsStandardPort() {
        assertThat(CacheConfig.parse(Map.of("cache.kind", "redis"), "c").port()).isEqualTo(6379);
        assertThat(CacheConfig.parse(Map.of("cache.kind", "memcached"), "c").port()).isEqualTo(11211);
        assertThat(CacheConfig.parse(Map.of("cache.kind", "redis", "cache.port", "7000"), "c").describe())
                .isEqualTo("redis at 127.0.0.1:7000");
    }

    @Test
    void parsesEveryKey() {
        CacheConfig c = CacheConfig.parse(Map.ofEntries(
                Map.entry("cache.kind", "memcached"), Map.entry("cache.host", "cache.local"), Map.entry("cache.port", "11311"),
                Map.entry("cache.ttl-ms", "60000"), Map.entry("cache.max-value-bytes", "65536"), Map.entry("cache.timeout-ms", "20"),
                Map.entry("cache.threads", "2"), Map.entry("cache.queue-size", "10"), Map.entry("cache.probe-interval-ms", "250"),
                Map.entry("cache.write-linger-ms", "7"), Map.entry("cache.memory-bytes", "1048576"), Map.entry("grpc.port", "9090")), "prod");

        assertThat(c).isEqualTo(new CacheConfig(CacheConfig.Kind.MEMCACHED, "prod", "cache.local", 11311,
                Duration.ofMinutes(1), 65536, Duration.ofMillis(20), 2, 10, Duration.ofMillis(250), Duration.ofMillis(7), 1_048_576));
    }

    @Test
    void putsLingerOnlyWhileTheInProcessTierIsOn() {
        assertThat(CacheConfig.none("c").writeLinger()).isEqualTo(Duration.ofMillis(20));
        assertThat(CacheConfig.none("c").effectiveWriteLinger()).isEqualTo(Duration.ofMillis(20));
        assertThat(CacheConfig.parse(Map.of("cache.memory-bytes", "0"), "c").effectiveWriteLinger()).isZero();
        assertThat(CacheConfig.parse(Map.of("cache.write-linger-ms", "0"), "c").effectiveWriteLinger()).isZero();
    }

    @Test
    void invalidValuesFailNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> parse("cache.kind", "hazelcast"))
                .hasMessage("cache.kind must be one of none, redis, memcached, was 'hazelcast'");
        assertThatThrownBy(() -> parse("cache.kind", "memory"))
                .hasMessage("cache.kind must be one of none, redis, memcached, was 'memory'");
        assertThatThrownBy(() -> parse("cache.memory-bytes", "-1"))
                .hasMessage("cache.memory-bytes must be between 0 and 68719476736 (64 GiB), was -1");
        assertThatThrownBy(() -> parse("cache.write-linger-ms", "-1"))
                .hasMessage("cache.write-linger-ms must be between 0 and 1000, was -1");
        assertThatThrownBy(() -> parse("cache.write-linger-ms", "1001"))
                .hasMessage("cache.write-linger-ms must be between 0 and 1000, was 1001");
        assertThatThrownBy(() -> parse("cache.port", "70000"))
                .hasMessage("cache.port must be between 1 and 65535, was 70000");
        assertThatThrownBy(() -> parse("cache.ttl-ms", "0"))
                .hasMessage("cache.ttl-ms must be between 1 and 2592000000 (30 days), was 0");
        assertThatThrownBy(() -> parse("cache.timeout-ms", "abc"))
                .hasMessage("cache.timeout-ms must be an integer, was 'abc'");
        assertThatThrownBy(() -> parse("cache.threads", "0"))
                .hasMessage("cache.threads must be between 1 and 256, was 0");
        assertThatThrownBy(() -> parse("cache.queue-size", "-1"))
                .hasMessage("cache.queue-size must be between 1 and 1000000, was -1");
        assertThatThrownBy(() -> parse("cache.probe-interval-ms", "1"))
                .hasMessage("cache.probe-interval-ms must be between 10 and 60000, was 1");
        assertThatThrownBy(() -> parse("cache.host", " "))
                .hasMessage("cache.host must not be empty");
        assertThatThrownBy(() -> parse("cache.tll-ms", "5"))
                .hasMessageStartingWith("unknown cache setting 'cache.tll-ms'; known: [cache.kind,");
    }

    @Test
    void memcachedValuesMustFitItsOneMebibyteItemLimit() {
        assertThatThrownBy(() -> CacheConfig.parse(Map.of("cache.kind", "memcached", "cache.max-value-bytes", "1048576"), "c"))
                .hasMessage("cache.max-value-bytes must be between 1 and 1048000 for cache.kind memcached, "
                        + "was 1048576 (memcached's item limit is 1 MiB including key and header)");
        assertThat(CacheConfig.parse(Map.of("cache.kind", "redis", "cache.max-value-bytes", "8388608"), "c").maxValueBytes())
                .isEqualTo(8 * 1024 * 1024);
    }

    @Test
    void clusterNameMustBeUsableInKeys() {
        assertThatThrownBy(() -> CacheConfig.none("a/b")).hasMessageContaining("cluster name 'a/b'");
    }

    private static CacheConfig parse(String key, String value) {
        Map<String, String> settings = new java.util.HashMap<>(Map.of("cache.kind", "redis"));
        settings.put(key, value);
        return CacheConfig.parse(settings, "c");
    }
}
