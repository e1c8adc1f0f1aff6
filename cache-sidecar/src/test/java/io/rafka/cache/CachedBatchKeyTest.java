package io.rafka.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.storage.PartitionId;
import org.junit.jupiter.api.Test;

class CachedBatchKeyTest {

    @Test
    void rendersClusterTopicIncarnationPartitionEpochAndOffset() {
        CachedBatchKey key = new CachedBatchKey(new PartitionId("orders.v2_eu-1", 3), 1764085200000L, 7, 120400);

        assertThat(key.render("prod")).isEqualTo("rafka:prod:orders.v2_eu-1:1764085200000:3:7:120400");
    }

    @Test
    void keysDifferingInAnyPartDiffer() {
        CachedBatchKey key = TestBatches.key(1, 100);

        assertThat(key.render("c"))
                .isNotEqualTo(TestBatches.key(2, 100).render("c"))
                .isNotEqualTo(TestBatches.key(1, 101).render("c"))
                .isNotEqualTo(new CachedBatchKey(new PartitionId("orders", 4), TestBatches.INCARNATION, 1, 100).render("c"))
                .isNotEqualTo(new CachedBatchKey(TestBatches.PARTITION, TestBatches.INCARNATION + 1, 1, 100).render("c"))
                .isNotEqualTo(key.render("d"));
    }

    @Test
    void nextKeyStartsAfterTheBatch() {
        assertThat(TestBatches.key(1, 100).next(5)).isEqualTo(TestBatches.key(1, 105));
        assertThatThrownBy(() -> TestBatches.key(1, 100).next(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
    }

    @Test
    void topicsWithCharactersMemcachedCannotTakeAreRefused() {
        assertThatThrownBy(() -> new CachedBatchKey(new PartitionId("a b", 0), 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("topic 'a b' cannot name a cache entry: only the characters [A-Za-z0-9._-] are allowed");
        assertThatThrownBy(() -> new CachedBatchKey(new PartitionId("a:b", 0), 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a:b'");
    }

    @Test
    void negativeEpochOffsetOrIncarnationAreRefused() {
        assertThatThrownBy(() -> TestBatches.key(-1, 0)).hasMessage("cache key epoch must be >= 0, was -1");
        assertThatThrownBy(() -> TestBatches.key(0, -5)).hasMessage("cache key base offset must be >= 0, was -5");
        assertThatThrownBy(() -> new CachedBatchKey(TestBatches.PARTITION, -2, 0, 0))
                .hasMessage("cache key incarnation must be >= 0, was -2");
    }

    @Test
    void keysOverMemcachedsLimitFailNamingTheSizeAndTheTopic() {
        String topic = "t".repeat(200);
        CachedBatchKey key = new CachedBatchKey(new PartitionId(topic, 12), Long.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE);

        assertThatThrownBy(() -> key.render("cluster"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cache key of 268 bytes exceeds the 250-byte limit of memcached keys: topic '")
                .hasMessageEndingWith("(200 chars) is too long to cache with cluster 'cluster'");
    }

    @Test
    void keyOfExactly250BytesIsAccepted() {
        String prefix = "rafka:c::0:0:0:0";
        CachedBatchKey key = new CachedBatchKey(new PartitionId("t".repeat(250 - prefix.length()), 0), 0, 0, 0);

        assertThat(key.render("c")).hasSize(250);
    }

    @Test
    void badClusterNamesAreRefused() {
        assertThatThrownBy(() -> TestBatches.key(0, 0).render("my cluster"))
                .hasMessageContaining("cluster name 'my cluster' cannot prefix cache keys");
        assertThatThrownBy(() -> TestBatches.key(0, 0).render(""))
                .hasMessageContaining("cluster name ''");
    }
}
