package io.rafka.node.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.cache.MemoryTail;
import io.rafka.node.TestNode;
import io.rafka.proto.v1.CreateTopicRequest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process cache tier of a node without a sidecar (cache.kind none, the default). */
class MemoryTailNodeIT {
    @TempDir
    Path dir;
    TestNode node;

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private TestNode start(Map<String, String> settings) throws Exception {
        TestNode n = TestNode.start(dir, settings);
        if (!n.admin().listTopics(io.rafka.proto.v1.ListTopicsRequest.getDefaultInstance()).getNamesList().contains("hot")) {
            n.admin().createTopic(CreateTopicRequest.newBuilder().setName("hot").setPartitions(1).build());
        }
        return n;
    }

    @Test
    void tailReadsAreServedFromTheInProcessTierByDefault() throws Exception {
        node = start(Map.of());
        MemoryTail memory = node.node.memoryTail();
        assertThat(memory.enabled()).isTrue();
        for (int b = 0; b < 5; b++) {
            produce(b);
            long before = memory.metrics().hits();
            assertThat(fetch(b * 10L)).containsExactlyElementsOf(expected(b, b + 1));
            assertThat(memory.metrics().hits()).as("tail read of batch %d", b).isEqualTo(before + 1);
        }
        long before = memory.metrics().hits();
        assertThat(fetch(0)).as("one read chains every held batch").containsExactlyElementsOf(expected(0, 5));
        assertThat(memory.metrics().hits()).isEqualTo(before + 5);
        assertThat(fetch(25)).as("a read inside a batch starts at that batch").containsExactlyElementsOf(expected(2, 5).subList(5, 30));
        System.gc(); // the published counters must outlive a collection (Micrometer holds function meters' state weakly)
        assertThat(metrics()).containsPattern("rafka_cache_hits_total\\{kind=\"memory\"\\} [1-9]")
                .contains("rafka_cache_up{kind=\"none\"} 0.0");
    }

    @Test
    void afterARestartTheTailReadBackAtStartIsServedFromMemoryAndOlderOffsetsFromTheLog() throws Exception {
        Map<String, String> scanTwoBatches = Map.of("producer-state.scan-records", "20");
        node = start(scanTwoBatches);
        for (int b = 0; b < 5; b++) {
            produce(b);
        }
        node.close();
        node = start(scanTwoBatches);
        MemoryTail memory = node.node.memoryTail();
        assertThat(memory.size()).as("the last two batches, read back at start").isEqualTo(2);

        assertThat(fetch(30)).containsExactlyElementsOf(expected(3, 5));
        assertThat(memory.metrics().hits()).isEqualTo(2);

        assertThat(fetch(0)).containsExactlyElementsOf(expected(0, 5));
        assertThat(memory.metrics().hits() + memory.metrics().misses())
                .as("an offset older than what was read back costs no lookup").isEqualTo(2);

        produce(5);
        assertThat(fetch(50)).containsExactlyElementsOf(expected(5, 6));
        assertThat(memory.metrics().hits()).as("new appends chain on the read-back tail").isEqualTo(3);
        assertThat(fetch(30)).containsExactlyElementsOf(expected(3, 6));
        assertThat(memory.metrics().hits()).isEqualTo(6);
    }

    @Test
    void aRecreatedTopicNeverSeesTheDeletedTopicsBatches() throws Exception {
        node = start(Map.of());
        MemoryTail memory = node.node.memoryTail();
        for (int b = 0; b < 3; b++) {
            produce(b);
        }
        assertThat(memory.size()).isEqualTo(3);
        node.admin().deleteTopic(io.rafka.proto.v1.DeleteTopicRequest.newBuilder().setName("hot").build());
        node.admin().createTopic(CreateTopicRequest.newBuilder().setName("hot").setPartitions(1).build());
        assertThat(fetch(0)).as("nothing at offset 0 of the new topic yet").isEmpty();
        produce(7);
        long before = memory.metrics().hits();
        assertThat(fetch(0)).containsExactlyElementsOf(expected(7, 8));
        assertThat(memory.metrics().hits()).as("the new batch came from the in-process tier").isEqualTo(before + 1);
        assertThat(memory.size()).as("the old batches stay in the ring until overwritten, unreachable").isEqualTo(4);
    }

    @Test
    void aZeroBudgetTurnsTheTierOff() throws Exception {
        node = start(Map.of("cache.memory-bytes", "0"));
        MemoryTail memory = node.node.memoryTail();
        assertThat(memory.enabled()).isFalse();
        for (int b = 0; b < 3; b++) {
            produce(b);
            assertThat(fetch(b * 10L)).containsExactlyElementsOf(expected(b, b + 1));
        }
        assertThat(memory.size()).isZero();
        assertThat(memory.metrics().hits()).isZero();
        assertThat(metrics()).doesNotContain("kind=\"memory\"");
    }

    private void produce(int batch) {
        CachedNodeContract.produce(node, batch);
    }

    private List<String> fetch(long offset) {
        return CachedNodeContract.fetch(node, offset);
    }

    private static List<String> expected(int fromBatch, int toBatch) {
        return CachedNodeContract.expected(fromBatch, toBatch);
    }

    private String metrics() throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(
                "http://127.0.0.1:" + node.node.httpPort() + "/metrics").toURL().openConnection();
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
