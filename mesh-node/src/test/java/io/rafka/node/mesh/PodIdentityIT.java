package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.rafka.node.NodeProcess;
import io.rafka.pastry.NodeId;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.DescribeClusterRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.NodeDescription;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes configured the way the Helm chart configures its pods, entirely through {@code RAFKA_*}
 * environment variables: the pod name is the node name (and so the ring id), the supernode flag
 * comes from the pod's ordinal and {@code cluster.supernodes}, and the seed is a DNS name.
 */
@ExtendWith(CqlServerExtension.class)
class PodIdentityIT {
    @TempDir
    Path dir;

    /** The environment the chart's StatefulSet gives pod {@code name}, on 127.0.0.1 with its own cluster port. */
    private static Map<String, String> podEnv(CqlEndpoint cql, String cluster, String name, int clusterPort, int seedPort) {
        Map<String, String> env = new HashMap<>();
        env.put("RAFKA_NODE_NAME", name);
        env.put("RAFKA_CLUSTER_NAME", cluster);
        env.put("RAFKA_CLUSTER_ENABLED", "true");
        env.put("RAFKA_CLUSTER_HOST", "127.0.0.1");
        env.put("RAFKA_CLUSTER_PORT", String.valueOf(clusterPort));
        env.put("RAFKA_CLUSTER_SEEDS", "localhost:" + seedPort); // a name, as the chart's pod DNS names are
        env.put("RAFKA_CLUSTER_SUPERNODES", "1");
        env.put("RAFKA_STORAGE_ENGINE", "scylla");
        env.put("RAFKA_STORAGE_SCYLLA_CONTACT_POINTS", String.join(",", cql.contactPointStrings()));
        env.put("RAFKA_STORAGE_SCYLLA_LOCAL_DATACENTER", cql.localDatacenter());
        env.put("RAFKA_STORAGE_SCYLLA_KEYSPACE", cluster.replace('-', '_'));
        env.put("RAFKA_STORAGE_SCYLLA_REPLICATION_STRATEGY", "SimpleStrategy");
        env.put("RAFKA_STORAGE_SCYLLA_REPLICATION_FACTOR", "1");
        env.put("RAFKA_STORAGE_THREADS", "2");
        return env;
    }

    @Test
    void podsNamedByTheStatefulSetTakeTheirRingIdFromTheNameAndTheirRoleFromTheOrdinal(CqlEndpoint cql) throws Exception {
        String cluster = "pods-" + ProcessHandle.current().pid();
        int port0 = Mesh.freePort();
        int port1 = Mesh.freePort();

        // rafka-0 is its own seed under a name (localhost), so it may found the cluster; rafka-1 joins through it
        try (NodeProcess pod0 = NodeProcess.start(dir.resolve("rafka-0"), Map.of(), podEnv(cql, cluster, "rafka-0", port0, port0));
             NodeProcess pod1 = NodeProcess.start(dir.resolve("rafka-1"), Map.of(), podEnv(cql, cluster, "rafka-1", port1, port0))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", pod1.grpcPort()).usePlaintext().build();
            try {
                AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
                Map<String, NodeDescription> nodes = Poll.untilPresent(Duration.ofSeconds(30), "both pods in the ring", () -> {
                    DescribeClusterResponse r = admin.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .describeCluster(DescribeClusterRequest.getDefaultInstance());
                    return r.getNodesCount() == 2
                            ? Optional.of(r.getNodesList().stream().collect(Collectors.toMap(NodeDescription::getName, Function.identity())))
                            : Optional.empty();
                });

                assertThat(nodes).containsOnlyKeys("rafka-0", "rafka-1");
                assertThat(nodes.get("rafka-0").getId()).isEqualTo(NodeId.ofIdentity("rafka-0").toHex());
                assertThat(nodes.get("rafka-1").getId()).isEqualTo(NodeId.ofIdentity("rafka-1").toHex());
                assertThat(nodes.get("rafka-0").getSupernode()).as("ordinal 0 < cluster.supernodes=1").isTrue();
                assertThat(nodes.get("rafka-1").getSupernode()).as("ordinal 1 >= cluster.supernodes=1").isFalse();
                assertThat(pod0.output()).anySatisfy(line -> assertThat(line).contains("supernode seeds [localhost:" + port0 + "]"));
            } finally {
                channel.shutdownNow();
            }
        }
    }
}
