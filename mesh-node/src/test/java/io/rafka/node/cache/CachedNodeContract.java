package io.rafka.node.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.rafka.cache.CacheConfig;
import io.rafka.cache.CacheServer;
import io.rafka.node.TestNode;
import io.rafka.testkit.Poll;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write-through and read-through of a node with a real cache server beside it. */
abstract class CachedNodeContract {
    @TempDir
    Path dir;
    CacheServer server;
    TestNode node;

    abstract String kind();

    @BeforeEach
    void start() throws Exception {
        server = CacheServer.start(CacheConfig.Kind.parse(kind()));
        node = startNode();
        node.admin().createTopic(CreateTopicRequest.newBuilder().setName("hot").setPartitions(1).build());
    }

    /** A node with the sidecar only (in-process tier off), so every tail read reaches the server. */
    TestNode startNode() throws Exception {
        return startNode(0);
    }

    TestNode startNode(long memoryBytes) throws Exception {
        return startNode(memoryBytes, 200_000);
    }

    /** @param scanRecords records at each partition's tail read at start (and made recent) */
    TestNode startNode(long memoryBytes, int scanRecords) throws Exception {
        return startNode(memoryBytes, scanRecords, Map.of());
    }

    TestNode startNode(long memoryBytes, int scanRecords, Map<String, String> more) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of("cache.kind", kind(),
                "cache.port", String.valueOf(server.port()), "cache.timeout-ms", "200", "cache.probe-interval-ms", "100",
                "cache.memory-bytes", String.valueOf(memoryBytes), "producer-state.scan-records", String.valueOf(scanRecords)));
        settings.putAll(more);
        return TestNode.start(dir, settings);
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        server.close();
    }

    long hits() {
        return node.node.cache().metrics().hits();
    }

    void produce(int batch) {
        produce(node, batch);
    }

    List<String> fetch(long offset) {
        return fetch(node, offset);
    }

    /** Produces batch {@code batch} of topic "hot": 10 records "b<batch>-0".."b<batch>-9", acks ALL. */
    static void produce(TestNode node, int batch) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (int i = 0; i < 10; i++) {
            b.append(System.currentTimeMillis(), null, ("b" + batch + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        node.broker().produce(ProduceRequest.newBuilder().setTopic("hot").setAcks(Acks.ACKS_ALL)
                .setBatch(ByteString.copyFrom(b.build())).build());
    }

    /** Fetches "hot" from {@code offset} and returns the values at or after it (whole fetch, CRC checked). */
    static List<String> fetch(TestNode node, long offset) {
        FetchResponse r = node.broker().fetch(FetchRequest.newBuilder().setTopic("hot").setOffset(offset).build());
        List<String> out = new ArrayList<>();
        RecordBatch.forEach(r.getBatches().asReadOnlyByteBuffer(), b -> {
            assertThat(b.isCrcValid()).isTrue();
            for (Record rec : b.records()) {
                if (rec.offset() >= offset) {
                    out.add(new String(rec.value(), StandardCharsets.UTF_8));
                }
            }
        });
        return out;
    }

    static List<String> expected(int fromBatch, int toBatch) {
        List<String> out = new ArrayList<>();
        for (int b = fromBatch; b < toBatch; b++) {
            for (int i = 0; i < 10; i++) {
                out.add("b" + b + "-" + i);
            }
        }
        return out;
    }

    /** The node's Prometheus text, as a scraper reads it. */
    String metrics() throws java.io.IOException {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(
                "http://127.0.0.1:" + node.node.httpPort() + "/metrics").toURL().openConnection();
        return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    static void waitFor(String what, BooleanSupplier condition) {
        Poll.until(Duration.ofSeconds(20), what, condition);
    }

    @Test
    void aTailReadingConsumerIsServedFromTheCache() throws Exception {
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        for (int b = 0; b < 20; b++) {
            produce(b);
            // the write-through is asynchronous (the cache never delays an acknowledgement)
            long puts = b + 1;
            waitFor("the write-through of batch " + b, () -> node.node.cache().metrics().puts() >= puts);
            long before = hits();
            assertThat(fetch(b * 10L)).containsExactlyElementsOf(expected(b, b + 1));
            assertThat(hits()).as("hits after reading batch %d at the tail", b).isGreaterThan(before);
        }
        assertThat(fetch(0)).as("a read from the first recent batch chains every cached batch").containsExactlyElementsOf(expected(0, 20));
        String metrics = metrics();
        assertThat(metrics).containsPattern("rafka_cache_hits_total\\{kind=\"" + kind() + "\"\\} [1-9]")
                .contains("rafka_cache_up{kind=\"" + kind() + "\"} 1.0").contains("rafka_cache_latency_seconds_count");
    }

    @Test
    void withTheInProcessTierOnTheSidecarWritesGatherManyBatches() throws Exception {
        node.close();
        node = startNode(1 << 20, 200_000, Map.of("cache.write-linger-ms", "1000"));
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        for (int b = 0; b < 20; b++) {
            produce(b);
        }
        assertThat(fetch(190)).as("the tail is served while the sidecar writes linger").containsExactlyElementsOf(expected(19, 20));

        waitFor("the write-through of every batch to the sidecar", () -> node.node.cache().metrics().puts() >= 20);
        assertThat(node.node.cache().metrics().writes()).as("20 batches produced within the 1-s linger")
                .isBetween(1L, 5L);
        assertThat(node.node.cache().metrics().errors()).isZero();
        String metrics = metrics();
        assertThat(metrics).containsPattern("rafka_cache_writes_total\\{kind=\"" + kind() + "\"\\} [1-5]\\.0");
    }

    @Test
    void theInProcessTierServesTheTailAndTheSidecarTheReadersBehindIt() throws Exception {
        node.close();
        node = startNode(1_000); // room for a few batches of ~160 bytes
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        for (int b = 0; b < 20; b++) {
            produce(b);
        }
        long sidecarPuts = 20;
        waitFor("the write-through of every batch to the sidecar", () -> node.node.cache().metrics().puts() >= sidecarPuts);
        var memory = node.node.memoryTail();
        assertThat(memory.bytes()).isPositive().isLessThanOrEqualTo(1_000);
        assertThat(memory.size()).as("the oldest batches were evicted").isLessThan(20);
        assertThat(memory.evictions()).isEqualTo(20L - memory.size());

        long memoryHits = memory.metrics().hits();
        long sidecarHits = hits();
        assertThat(fetch(190)).containsExactlyElementsOf(expected(19, 20));
        assertThat(memory.metrics().hits()).as("the tail batch comes from the in-process tier").isEqualTo(memoryHits + 1);
        assertThat(hits()).as("the tail read never reached the sidecar").isEqualTo(sidecarHits);

        long memoryMisses = memory.metrics().misses();
        assertThat(fetch(0)).as("a reader behind the in-process tier gets every batch from the sidecar")
                .containsExactlyElementsOf(expected(0, 20));
        assertThat(memory.metrics().misses()).isEqualTo(memoryMisses + 1);
        assertThat(hits()).isEqualTo(sidecarHits + 20);

        String metrics = metrics();
        assertThat(metrics).containsPattern("rafka_cache_hits_total\\{kind=\"memory\"\\} [1-9]")
                .containsPattern("rafka_cache_hits_total\\{kind=\"" + kind() + "\"\\} [1-9]")
                .containsPattern("rafka_cache_memory_bytes [1-9]");
    }

    @Test
    void aConsumerStartingFromAnOldOffsetIsServedFromTheLog() throws Exception {
        for (int b = 0; b < 5; b++) {
            produce(b);
        }
        node.close();
        node = startNode(0, 20); // the restarted node reads back only its last 2 batches: offset 0 is old
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        long before = hits();
        long missesBefore = node.node.cache().metrics().misses();
        assertThat(fetch(0)).containsExactlyElementsOf(expected(0, 5));
        assertThat(hits()).isEqualTo(before);
        assertThat(node.node.cache().metrics().misses()).as("an old offset costs no cache call").isEqualTo(missesBefore);
    }

    @Test
    void aRestartedNodeFindsTheTailItWroteBeforeInTheSidecar() throws Exception {
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        for (int b = 0; b < 5; b++) {
            produce(b);
        }
        waitFor("the write-through of every batch", () -> node.node.cache().metrics().puts() >= 5);
        node.close();
        node = startNode(); // reads its tail back at start: the batches are recent again, under the epoch that wrote them
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        long before = hits();
        assertThat(fetch(0)).containsExactlyElementsOf(expected(0, 5));
        assertThat(hits()).as("the sidecar kept them across the restart").isEqualTo(before + 5);
    }

    @Test
    void killingTheCacheServerChangesNoRecordAndFailsNoRequestAndARestartedServerIsUsedAgain() throws Exception {
        waitFor("the cache to be up", () -> node.node.cache().isAvailable());
        List<String> seen = new ArrayList<>();
        int batch = 0;
        for (; batch < 10; batch++) {
            produce(batch);
            seen.addAll(fetch(batch * 10L));
        }
        server.kill();
        for (; batch < 20; batch++) {
            produce(batch);
            seen.addAll(fetch(batch * 10L));
        }
        server.restart();
        waitFor("the cache to come back", () -> node.node.cache().isAvailable());
        for (; batch < 30; batch++) {
            produce(batch);
            seen.addAll(fetch(batch * 10L));
        }
        assertThat(seen).containsExactlyElementsOf(expected(0, 30));
        long before = hits();
        long putsBefore = node.node.cache().metrics().puts();
        produce(30);
        waitFor("the write-through of the last batch", () -> node.node.cache().metrics().puts() > putsBefore);
        assertThat(fetch(300)).containsExactlyElementsOf(expected(30, 31));
        assertThat(hits()).as("the restarted server serves the tail again").isGreaterThan(before);
        assertThat(node.node.cache().metrics().downTransitions()).isGreaterThanOrEqualTo(1);
    }
}
