package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invalid values stop {@code helm install} / {@code helm template} with a message naming the
 * value: single values through values.schema.json, relations between values through the
 * templates' checks.
 */
class ChartValuesValidationTest {
    @TempDir
    static Path tmp;

    private static String error(String values) {
        return Chart.renderError(tmp, values);
    }

    @Test
    void aNegativeReplicaCountIsRefused() {
        assertThat(error(Chart.REQUIRED + "replicas: -1\n")).contains("at '/replicas': minimum: got -1, want 1");
    }

    @Test
    void zeroReplicasIsRefused() {
        assertThat(error(Chart.REQUIRED + "replicas: 0\n")).contains("at '/replicas': minimum: got 0, want 1");
    }

    @Test
    void aReplicaCountThatIsNotANumberIsRefused() {
        assertThat(error(Chart.REQUIRED + "replicas: three\n")).contains("at '/replicas': got string, want integer");
    }

    @Test
    void missingScyllaContactPointsAreRefusedWithAnExample() {
        assertThat(error("replicas: 3\n")).contains("scylla.contactPoints is required")
                .contains("--set 'scylla.contactPoints={");
        assertThat(error("scylla:\n  contactPoints: []\n")).contains("scylla.contactPoints is required");
    }

    @Test
    void aContactPointThatIsNotHostAndPortIsRefused() {
        assertThat(error("scylla:\n  contactPoints: [\"scylla-0:9042,scylla-1:9042\"]\n"))
                .contains("/scylla/contactPoints/0");
    }

    @Test
    void moreSupernodesThanReplicasIsRefused() {
        assertThat(error(Chart.REQUIRED + "replicas: 3\nsupernodes: 4\n"))
                .contains("supernodes (4) must not exceed replicas (3)");
        assertThat(error(Chart.REQUIRED + "supernodes: 0\n")).contains("/supernodes").contains("minimum");
    }

    @Test
    void unknownCacheKindsAndConsistencyLevelsAreRefused() {
        assertThat(error(Chart.REQUIRED + "cache:\n  kind: hazelcast\n")).contains("/cache/kind")
                .contains("redis").contains("memcached").contains("none");
        assertThat(error(Chart.REQUIRED + "  writeConsistency: SERIAL\n")).contains("/scylla/writeConsistency");
        assertThat(error(Chart.REQUIRED + "  replicationStrategy: LocalStrategy\n")).contains("/scylla/replicationStrategy");
    }

    @Test
    void aUserNameWithoutPasswordOrSecretIsRefused() {
        assertThat(error(Chart.REQUIRED + "  auth:\n    username: app\n"))
                .contains("scylla.auth.username is set without scylla.auth.password");
    }

    @Test
    void aFixedHeapIsRefusedBecauseTheHeapFollowsTheMemoryLimit() {
        assertThat(error(Chart.REQUIRED + "jvm:\n  options: \"-XX:+UseZGC -Xmx2g\"\n"))
                .contains("jvm.options must not fix the heap (-Xmx)").contains("resources.limits.memory");
    }

    @Test
    void portsThatCollideAreRefused() {
        assertThat(error(Chart.REQUIRED + "http:\n  port: 9090\n"))
                .contains("grpc.port (9090), http.port (9090) and cluster.port (5701) must differ");
        assertThat(error(Chart.REQUIRED + "grpc:\n  port: 70000\n")).contains("/grpc/port").contains("maximum");
    }

    @Test
    void settingsTheChartManagesCannotBeOverriddenThroughConfig() {
        assertThat(error(Chart.REQUIRED + "config:\n  cluster.seeds: \"10.0.0.1:5701\"\n"))
                .contains("config.cluster.seeds is set by the chart");
    }
}
