package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.cql.LocalCqlServer;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.testkit.cql.CqlEndpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Settings for engines under test: the endpoint of {@code CqlServerExtension}, one keyspace per use. */
final class ScyllaTestSupport {
    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    private ScyllaTestSupport() {
    }

    /** A keyspace name no other test of this JVM uses. */
    static String freshKeyspace(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + KEYSPACES.incrementAndGet();
    }

    /** One replica in the endpoint's datacenter, LOCAL_QUORUM, a keyspace of its own. */
    static ScyllaConfig.Builder config(CqlEndpoint endpoint, String keyspace) {
        return ScyllaConfig.builder()
                .contactPoints(endpoint.contactPointStrings())
                .localDatacenter(endpoint.localDatacenter())
                .keyspace(keyspace)
                .replicationStrategy(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY)
                .replicationFactor(1)
                .requestTimeout(Duration.ofSeconds(5));
    }

    /** As {@link #config(CqlEndpoint, String)}, for a server the test runs itself. */
    static ScyllaConfig.Builder config(LocalCqlServer server, String keyspace) {
        return ScyllaConfig.builder()
                .contactPoints(List.of("127.0.0.1:" + server.nativePort()))
                .localDatacenter(server.localDatacenter())
                .keyspace(keyspace)
                .replicationStrategy(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY)
                .replicationFactor(1)
                .requestTimeout(Duration.ofSeconds(5));
    }

    /** Appends two batches to a fresh partition of {@code engine} and reads them back whole. */
    static void assertAppendsAndReadsBack(ScyllaLogEngine engine) throws Exception {
        PartitionLog log = await(engine.open(new PartitionId("basics", 0), new LogConfig(-1, -1, 256 * 1024)));
        try {
            Appended first = await(log.append(batch("a", 3), 0, Durability.DURABLE));
            Appended second = await(log.append(batch("b", 2), 0, Durability.DURABLE));
            assertThat(first.baseOffset()).isZero();
            assertThat(second.baseOffset()).isEqualTo(3);
            assertThat(second.logEndOffset()).isEqualTo(5);

            List<RecordBatch> read = RecordBatch.split(await(log.read(0, 1 << 20)).batches());

            assertThat(read).extracting(RecordBatch::baseOffset).containsExactly(0L, 3L);
            assertThat(read).allSatisfy(b -> assertThat(b.isCrcValid()).isTrue());
            assertThat(new String(read.get(1).records().get(1).value(), StandardCharsets.UTF_8)).isEqualTo("b1");
        } finally {
            log.close();
        }
    }

    private static ByteBuffer batch(String prefix, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(256);
        for (int i = 0; i < records; i++) {
            b.append(1_000 + i, null, (prefix + i).getBytes(StandardCharsets.UTF_8));
        }
        return ByteBuffer.wrap(b.build());
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
