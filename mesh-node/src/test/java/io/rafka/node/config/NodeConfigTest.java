package io.rafka.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreUsableWithoutAFile() {
        NodeConfig c = NodeConfig.defaults();
        assertThat(c.grpcPort()).isEqualTo(9090);
        assertThat(c.storageEngine()).isEqualTo("local");
        assertThat(c.fsync()).isEqualTo("interval");
        assertThat(c.nodeName()).isNotEmpty();
    }

    @Test
    void yamlIsFlattenedAndEnvironmentAndOverridesWinInThatOrder() throws Exception {
        Path file = dir.resolve("rafka.yaml");
        Files.writeString(file, """
                node:
                  name: n1
                grpc:
                  port: 7000
                http:
                  port: 7001
                storage:
                  local:
                    fsync: always
                """);
        NodeConfig c = NodeConfig.load(Optional.of(file), Map.of("RAFKA_GRPC_PORT", "7100", "RAFKA_STORAGE_LOCAL_FSYNC_INTERVAL_MS", "250", "HOME", "/x"),
                Map.of("grpc.port", "7200"));
        assertThat(c.nodeName()).isEqualTo("n1");
        assertThat(c.grpcPort()).isEqualTo(7200);
        assertThat(c.httpPort()).isEqualTo(7001);
        assertThat(c.fsync()).isEqualTo("always");
        assertThat(c.fsyncIntervalMs()).isEqualTo(250);
    }

    @Test
    void anUnknownKeyInTheFileIsRefusedNamingIt() throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "grpc:\n  prot: 1\n");
        assertThatThrownBy(() -> NodeConfig.load(Optional.of(file), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("grpc.prot");
    }

    @Test
    void outOfRangeAndMalformedValuesNameTheKeyTheValueAndTheLimit() {
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of("RAFKA_GRPC_PORT", "70000"), Map.of()))
                .hasMessageContaining("grpc.port").hasMessageContaining("65535").hasMessageContaining("70000");
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("storage.local.fsync", "sometimes")))
                .hasMessageContaining("storage.local.fsync").hasMessageContaining("sometimes").hasMessageContaining("always");
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("limits.max-batch-bytes", "lots")))
                .hasMessageContaining("limits.max-batch-bytes must be an integer, was 'lots'");
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cluster.name", "")))
                .hasMessageContaining("cluster.name");
    }

    @Test
    void invalidYamlIsReportedAsSuch() throws Exception {
        Path file = dir.resolve("broken.yaml");
        Files.writeString(file, "grpc: [unclosed\n");
        assertThatThrownBy(() -> NodeConfig.load(Optional.of(file), Map.of(), Map.of()))
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void everyKeyHasAnEnvironmentName() {
        assertThat(NodeConfig.KEYS).allSatisfy(k -> assertThat(k.envName()).startsWith("RAFKA_").doesNotContain(".", "-"));
    }

    @Test
    void clusterModeIsRefusedOnTheEmbeddedLogNamingBothSettings() {
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cluster.enabled", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster.enabled=true needs storage.engine=scylla")
                .hasMessageContaining("storage.engine=local");
    }

    @Test
    void clusterSettingsAreParsedAndSeedsChecked() {
        NodeConfig c = NodeConfig.load(Optional.empty(), Map.of("RAFKA_CLUSTER_SEEDS", "10.0.0.1:5701, rafka-1.rafka:5701"),
                Map.of("cluster.enabled", "true", "storage.engine", "scylla", "cluster.host", "10.0.0.1",
                        "cluster.supernode", "false", "cluster.session-ttl-ms", "4000"));
        ClusterConfig cc = c.cluster().orElseThrow();
        assertThat(cc.seeds()).containsExactly("10.0.0.1:5701", "rafka-1.rafka:5701");
        assertThat(cc.supernode()).isFalse();
        assertThat(cc.sessionTtl().toMillis()).isEqualTo(4000);
        assertThat(cc.mayStartAlone()).as("10.0.0.1:5701 is its own address").isTrue();
        assertThat(NodeConfig.defaults().cluster()).isEmpty();
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cluster.enabled", "true",
                "storage.engine", "scylla", "cluster.seeds", "host-without-port")))
                .hasMessageContaining("cluster.seeds entries must be host:port, was 'host-without-port'");
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cluster.enabled", "true",
                "storage.engine", "scylla", "cluster.seeds", "a:99999")))
                .hasMessageContaining("cluster.seeds must be between 1 and 65535, was 99999");
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cluster.session-ttl-ms", "10")))
                .hasMessageContaining("cluster.session-ttl-ms must be between 500 and 600000, was 10");
    }
}
