package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.node.config.ClusterConfig;
import io.rafka.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seeds are the DNS names of the supernode pods, which are the first {@code supernodes} pods:
 * every pod joins through them and each pod knows from its ordinal whether it is one.
 */
class ChartSeedsTest {
    @TempDir
    static Path tmp;

    private static String seed(int ordinal) {
        return "rafka-" + ordinal + ".rafka-headless.mesh.svc.cluster.local:5701";
    }

    private static void assertSeedsAndRoles(Chart.Rendered chart, int replicas, int supernodes) {
        List<String> expected = IntStream.range(0, supernodes).mapToObj(ChartSeedsTest::seed).toList();
        assertThat(chart.statefulSet().getSpec().getReplicas()).isEqualTo(replicas);
        assertThat(chart.envValue("RAFKA_CLUSTER_SEEDS").split(",")).containsExactlyElementsOf(expected);
        assertThat(chart.envValue("RAFKA_CLUSTER_SUPERNODES")).isEqualTo(String.valueOf(supernodes));
        for (int ordinal = 0; ordinal < replicas; ordinal++) {
            ClusterConfig cluster = NodeConfig.load(Optional.empty(), PodEnvironment.of(chart, ordinal, Map.of()), Map.of())
                    .cluster().orElseThrow();
            assertThat(cluster.supernode()).as("pod rafka-%d of %d with %d supernodes", ordinal, replicas, supernodes)
                    .isEqualTo(ordinal < supernodes);
            assertThat(cluster.seeds()).containsExactlyElementsOf(expected);
        }
    }

    @ParameterizedTest(name = "replicas={0} supernodes={1}")
    @CsvSource({"1, 1", "3, 1", "3, 3", "5, 1", "5, 3"})
    void theSeedsAreExactlyTheSupernodePods(int replicas, int supernodes) {
        Chart.Rendered chart = Chart.render(tmp, Chart.REQUIRED + "replicas: %d\nsupernodes: %d\n".formatted(replicas, supernodes));

        assertSeedsAndRoles(chart, replicas, Math.min(supernodes, replicas));
    }

    @ParameterizedTest(name = "replicas={0}")
    @CsvSource({"1, 1", "2, 2", "3, 3", "5, 3"})
    void withoutASupernodeCountTheFirstThreePodsAtMostAreSupernodes(int replicas, int expectedSupernodes) {
        Chart.Rendered chart = Chart.render(tmp, Chart.REQUIRED + "replicas: %d\n".formatted(replicas));

        assertSeedsAndRoles(chart, replicas, expectedSupernodes);
    }

    @ParameterizedTest(name = "replicas={0} supernodes={1}")
    @CsvSource({"1, 3", "2, 3", "3, 5"})
    void moreSupernodesThanPodsIsRefused(int replicas, int supernodes) {
        String error = Chart.renderError(tmp, Chart.REQUIRED + "replicas: %d\nsupernodes: %d\n".formatted(replicas, supernodes));

        assertThat(error).contains("supernodes (%d) must not exceed replicas (%d)".formatted(supernodes, replicas));
    }
}
