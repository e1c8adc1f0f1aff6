package io.rafka.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
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
    void theInProcessCacheTierMayTakeAtMostHalfTheHeap() {
        long half = NodeConfig.maxDirectMemory() / 2;
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of(), Map.of("cache.memory-bytes", String.valueOf(half + 1))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cache.memory-bytes must be at most half the JVM's direct memory (" + half)
                .hasMessageContaining("was " + (half + 1));
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of("RAFKA_CACHE_MEMORY_BYTES", "-5"), Map.of()))
                .hasMessageContaining("cache.memory-bytes must be between 0 and").hasMessageContaining("was -5");
        assertThat(NodeConfig.load(Optional.empty(), Map.of(), Map.of("cache.memory-bytes", String.valueOf(half)))
                .cache().memoryBytes()).isEqualTo(half);
        assertThat(NodeConfig.load(Optional.empty(), Map.of(), Map.of()).cache().memoryBytes()).isEqualTo(64L << 20);
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

    private static NodeConfig clusterNode(Map<String, String> env, Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>(Map.of("cluster.enabled", "true", "storage.engine", "scylla"));
        all.putAll(overrides);
        return NodeConfig.load(Optional.empty(), env, all);
    }

    private static boolean supernode(String podName, int supernodes) {
        return clusterNode(Map.of("RAFKA_NODE_NAME", podName, "RAFKA_CLUSTER_SUPERNODES", String.valueOf(supernodes)), Map.of())
                .cluster().orElseThrow().supernode();
    }

    @Test
    void podsBelowTheSupernodeCountAreSupernodesAndTheRestLiteMembers() {
        assertThat(supernode("rafka-0", 1)).isTrue();
        assertThat(supernode("rafka-1", 1)).isFalse();
        assertThat(supernode("rafka-0", 3)).isTrue();
        assertThat(supernode("rafka-2", 3)).isTrue();
        assertThat(supernode("rafka-3", 3)).isFalse();
        assertThat(supernode("my-release-rafka-12", 3)).as("only the last dash-separated number counts").isFalse();
        assertThat(supernode("shard-7-rafka-2", 3)).isTrue();
    }

    @Test
    void withoutASupernodeCountTheFlagDecidesWhateverTheName() {
        NodeConfig c = clusterNode(Map.of("RAFKA_NODE_NAME", "rafka-5"), Map.of());
        assertThat(c.cluster().orElseThrow().supernode()).as("cluster.supernode defaults to true").isTrue();
        NodeConfig lite = clusterNode(Map.of("RAFKA_NODE_NAME", "rafka-0"), Map.of("cluster.supernode", "false"));
        assertThat(lite.cluster().orElseThrow().supernode()).isFalse();
    }

    @Test
    void aSupernodeCountWithANameWithoutOrdinalFailsNamingBothSettings() {
        assertThatThrownBy(() -> clusterNode(Map.of("RAFKA_NODE_NAME", "broker", "RAFKA_CLUSTER_SUPERNODES", "3"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster.supernodes=3")
                .hasMessageContaining("node.name 'broker' has none")
                .hasMessageContaining("cluster.supernode=true|false");
        assertThatThrownBy(() -> clusterNode(Map.of("RAFKA_NODE_NAME", "rafka-x", "RAFKA_CLUSTER_SUPERNODES", "1"), Map.of()))
                .hasMessageContaining("node.name 'rafka-x' has none");
    }

    @Test
    void anExplicitFlagServesANameWithoutOrdinalButMayNotContradictOne() {
        NodeConfig c = clusterNode(Map.of("RAFKA_NODE_NAME", "broker", "RAFKA_CLUSTER_SUPERNODES", "3"),
                Map.of("cluster.supernode", "false"));
        assertThat(c.cluster().orElseThrow().supernode()).isFalse();
        NodeConfig agreeing = clusterNode(Map.of("RAFKA_NODE_NAME", "rafka-0", "RAFKA_CLUSTER_SUPERNODES", "3"),
                Map.of("cluster.supernode", "true"));
        assertThat(agreeing.cluster().orElseThrow().supernode()).isTrue();
        assertThatThrownBy(() -> clusterNode(Map.of("RAFKA_NODE_NAME", "rafka-4", "RAFKA_CLUSTER_SUPERNODES", "3"),
                Map.of("cluster.supernode", "true")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cluster.supernode=true contradicts cluster.supernodes=3")
                .hasMessageContaining("'rafka-4' has ordinal 4, which makes it a lite member");
    }

    @Test
    void theSupernodeCountIsValidatedAndIgnoredOutsideClusterMode() {
        assertThatThrownBy(() -> NodeConfig.load(Optional.empty(), Map.of("RAFKA_CLUSTER_SUPERNODES", "-1"), Map.of()))
                .hasMessageContaining("cluster.supernodes must be between 0 and 1000, was -1");
        NodeConfig standalone = NodeConfig.load(Optional.empty(),
                Map.of("RAFKA_NODE_NAME", "broker", "RAFKA_CLUSTER_SUPERNODES", "3"), Map.of());
        assertThat(standalone.cluster()).isEmpty();
    }

    @Test
    void theSeedWaitIsParsed() {
        assertThat(clusterNode(Map.of(), Map.of()).cluster().orElseThrow().seedWait().toMillis()).isEqualTo(30_000);
        assertThat(clusterNode(Map.of("RAFKA_CLUSTER_SEED_WAIT_MS", "0"), Map.of()).cluster().orElseThrow().seedWait())
                .isZero();
        assertThatThrownBy(() -> clusterNode(Map.of(), Map.of("cluster.seed-wait-ms", "-5")))
                .hasMessageContaining("cluster.seed-wait-ms must be between 0 and 3600000, was -5");
    }
}
