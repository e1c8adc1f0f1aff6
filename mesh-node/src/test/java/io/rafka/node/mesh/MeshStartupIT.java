package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.node.NodeProcess;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A cluster node that cannot join as configured refuses to start and says why. */
@ExtendWith(CqlServerExtension.class)
class MeshStartupIT {
    @TempDir
    static Path dir;
    static Mesh mesh;

    @BeforeAll
    static void startOneNode(CqlEndpoint cql) throws Exception {
        mesh = new Mesh(cql, dir, 1, 1, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    private static Map<String, String> joining(int index, Map<String, String> changes) {
        Map<String, String> s = new HashMap<>(mesh.settings(index, true));
        s.putAll(changes);
        return s;
    }

    @Test
    void aSecondNodeWithTheSameIdentityIsRefusedNamingTheIdAndTheHolder() throws Exception {
        Map<String, String> s = joining(1, Map.of("node.name", "node-0"));
        assertThatThrownBy(() -> NodeProcess.start(dir.resolve("dup"), s).close())
                .hasMessageContaining("node-0")
                .hasMessageContaining(mesh.address(0))
                .hasMessageContaining("node.name");
        // the original keeps serving
        assertThat(mesh.describe(0).getNodesCount()).isEqualTo(1);
    }

    @Test
    void unreachableSeedsAreNamed() throws Exception {
        String nowhere = "127.0.0.1:" + Mesh.freePort();
        Map<String, String> s = joining(1, Map.of("cluster.seeds", nowhere));
        assertThatThrownBy(() -> NodeProcess.start(dir.resolve("unreachable"), s).close())
                .hasMessageContaining("none of cluster.seeds [" + nowhere + "] could be reached");
    }

    @Test
    void seedsOfAnotherClusterNameAreNamed() throws Exception {
        Map<String, String> s = joining(1, Map.of("cluster.name", "some-other-cluster"));
        assertThatThrownBy(() -> NodeProcess.start(dir.resolve("other"), s).close())
                .hasMessageContaining("answered but did not let this node in")
                .hasMessageContaining("'some-other-cluster'");
        assertThat(mesh.describe(0).getNodesCount()).isEqualTo(1);
    }
}
