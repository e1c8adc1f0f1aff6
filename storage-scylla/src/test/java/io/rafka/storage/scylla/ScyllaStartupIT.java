package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.datastax.oss.driver.api.core.CqlIdentifier;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.metadata.schema.TableMetadata;
import com.datastax.oss.driver.api.core.type.DataTypes;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.testkit.TestLease;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Start-up against a real CQL server: bad settings fail it with the setting and its value named. */
@ExtendWith(CqlServerExtension.class)
class ScyllaStartupIT {
    private final CqlEndpoint endpoint;

    ScyllaStartupIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Test
    void unreachableContactPointsFailStartUpNamingTheSetting() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            closedPort = s.getLocalPort();
        }
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, "unused")
                .contactPoints(List.of("127.0.0.1:" + closedPort))
                .requestTimeout(Duration.ofSeconds(2))
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.contact-points")
                .hasMessageContaining("127.0.0.1:" + closedPort);
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.CONTACT_POINTS);
    }

    @Test
    void anUnknownLocalDatacenterFailsStartUpNamingTheSettingAndTheDatacentersThereAre() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("baddc"))
                .localDatacenter("dc-nowhere")
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.local-datacenter")
                .hasMessageContaining("dc-nowhere")
                .hasMessageContaining(endpoint.localDatacenter());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.LOCAL_DATACENTER);
    }

    @Test
    void aReplicationFactorAboveTheNumberOfNodesFailsStartUp() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("badrf"))
                .replicationFactor(7)
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.replication-factor 7")
                .hasMessageContaining("node(s) in datacenter '" + endpoint.localDatacenter() + "'");
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.REPLICATION_FACTOR);
    }

    @Test
    void anExistingKeyspaceWithOtherReplicationIsReported() {
        String keyspace = ScyllaTestSupport.freshKeyspace("existing");
        ScyllaConfig simple = ScyllaTestSupport.config(endpoint, keyspace)
                .replicationStrategy(ScyllaConfig.SIMPLE_STRATEGY)
                .build();
        ScyllaLogEngine.connect(simple).close();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(ScyllaTestSupport.config(endpoint, keyspace).build()));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.replication-strategy is NetworkTopologyStrategy")
                .hasMessageContaining("SimpleStrategy");
    }

    @Test
    void startUpCreatesTheSchemaOnceAndAcceptsItAfterwards() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("twice")).build();
        ScyllaLogEngine.connect(config).close();
        try (ScyllaLogEngine again = ScyllaLogEngine.connect(config)) {
            assertThat(again.name()).isEqualTo("scylla");
        }
    }

    @Test
    void aPartitionsTableWithoutTheFencingColumnsGetsThemAndItsLogsStayReadable() throws Exception {
        String keyspace = ScyllaTestSupport.freshKeyspace("upgrade");
        try (CqlSession cql = CqlSession.builder()
                .addContactPoints(endpoint.contactPoints())
                .withLocalDatacenter(endpoint.localDatacenter())
                .withConfigLoader(DriverConfigLoader.programmaticBuilder()
                        .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ZERO)
                        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
                        .build())
                .build()) {
            // The schema as the first release created it.
            cql.execute("CREATE KEYSPACE " + keyspace + " WITH replication = {'class': 'NetworkTopologyStrategy', '"
                    + endpoint.localDatacenter() + "': 1}");
            cql.execute("CREATE TABLE " + keyspace + ".batches (topic text, partition int, bucket bigint,"
                    + " base_offset bigint, last_offset bigint, max_timestamp bigint, writer_epoch int, data blob,"
                    + " PRIMARY KEY ((topic, partition, bucket), base_offset))");
            cql.execute("CREATE TABLE " + keyspace + ".partitions (topic text, partition int, bucket bigint,"
                    + " max_timestamp bigint, bucket_span bigint static, head_bucket bigint static,"
                    + " end_offset bigint static, start_bucket bigint static, PRIMARY KEY ((topic, partition), bucket))");
            RecordBatchBuilder b = new RecordBatchBuilder(128).append(1000, null, new byte[] {1, 2, 3});
            byte[] batch = b.build();
            RecordBatch.wrap(batch).setWriterEpoch(9);
            cql.execute("INSERT INTO " + keyspace + ".batches (topic, partition, bucket, base_offset, last_offset,"
                    + " max_timestamp, writer_epoch, data) VALUES ('old', 0, 0, 0, 0, 1000, 9, ?)", ByteBuffer.wrap(batch));
            cql.execute("UPDATE " + keyspace + ".partitions SET bucket_span = 100000, head_bucket = 0, end_offset = 1,"
                    + " start_bucket = 0 WHERE topic = 'old' AND partition = 0");

            try (ScyllaLogEngine engine = ScyllaLogEngine.connect(ScyllaTestSupport.config(endpoint, keyspace).build())) {
                TableMetadata partitions = cql.refreshSchema().getKeyspace(keyspace).orElseThrow()
                        .getTable("partitions").orElseThrow();
                assertThat(partitions.getColumn(CqlIdentifier.fromInternal("epochs")).orElseThrow().getType())
                        .isEqualTo(DataTypes.mapOf(DataTypes.INT, DataTypes.BIGINT));
                assertThat(partitions.getColumn(CqlIdentifier.fromInternal("writer_clock")).orElseThrow().isStatic()).isTrue();

                PartitionLog log = engine.open(new PartitionId("old", 0), LogConfig.defaults(), TestLease.of(1))
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
                assertThat(log.logEndOffset()).isEqualTo(1);
                log.append(ByteBuffer.wrap(new RecordBatchBuilder(128).append(2000, null, new byte[] {4}).build()), 1,
                        Durability.DURABLE).toCompletableFuture().get(30, TimeUnit.SECONDS);
                List<RecordBatch> batches = RecordBatch.split(log.read(0, 1 << 20).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS).batches());
                assertThat(batches).extracting(RecordBatch::writerEpoch).containsExactly(9, 1);
            }
            // A second start finds nothing left to add.
            ScyllaLogEngine.connect(ScyllaTestSupport.config(endpoint, keyspace).build()).close();
        }
    }
}
