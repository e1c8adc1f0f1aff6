package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
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
}
