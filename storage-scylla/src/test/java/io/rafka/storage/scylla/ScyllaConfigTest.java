package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.storage.LogConfig;
import io.rafka.storage.scylla.internal.ScyllaPartitionLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScyllaConfigTest {

    @Test
    void defaultsAreTheProductionOnes() {
        ScyllaConfig c = ScyllaConfig.builder().build();
        assertThat(c.contactPoints()).containsExactly("127.0.0.1:9042");
        assertThat(c.localDatacenter()).isEqualTo("datacenter1");
        assertThat(c.keyspace()).isEqualTo("rafka");
        assertThat(c.replicationStrategy()).isEqualTo("NetworkTopologyStrategy");
        assertThat(c.replicationFactor()).isEqualTo(3);
        assertThat(c.writeConsistency()).isEqualTo("LOCAL_QUORUM");
        assertThat(c.readConsistency()).isEqualTo("LOCAL_QUORUM");
        assertThat(c.credentials()).isEmpty();
        assertThat(c.tls()).isEmpty();
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.bucketOffsets()).isEqualTo(100_000);
        assertThat(c.maxInFlightWrites()).isEqualTo(2);
        assertThat(c.writeGroupBytes()).isEqualTo(1024 * 1024);
    }

    @Test
    void contactPointsParseWithAndWithoutPorts() {
        ScyllaConfig c = ScyllaConfig.builder().contactPoints(List.of("a.example:9142", "b.example", "[::1]:19042")).build();
        assertThat(c.parsedContactPoints()).containsExactly(new ScyllaConfig.ContactPoint("a.example", 9142),
                new ScyllaConfig.ContactPoint("b.example", 9042), new ScyllaConfig.ContactPoint("::1", 19042));
    }

    @Test
    void badValuesAreRejectedNamingTheSettingAndTheValue() {
        assertThatThrownBy(() -> ScyllaConfig.builder().contactPoints(List.of("host:99999")).build())
                .hasMessageContaining("storage.scylla.contact-points").hasMessageContaining("host:99999");
        assertThatThrownBy(() -> ScyllaConfig.builder().contactPoints(List.of()).build())
                .hasMessageContaining("storage.scylla.contact-points");
        assertThatThrownBy(() -> ScyllaConfig.builder().keyspace("1-bad").build())
                .hasMessageContaining("storage.scylla.keyspace").hasMessageContaining("'1-bad'");
        assertThatThrownBy(() -> ScyllaConfig.builder().replicationStrategy("EverywhereStrategy").build())
                .hasMessageContaining("storage.scylla.replication-strategy").hasMessageContaining("EverywhereStrategy");
        assertThatThrownBy(() -> ScyllaConfig.builder().replicationFactor(0).build())
                .hasMessageContaining("storage.scylla.replication-factor").hasMessageContaining("was 0");
        assertThatThrownBy(() -> ScyllaConfig.builder().writeConsistency("ANY").build())
                .hasMessageContaining("storage.scylla.write-consistency").hasMessageContaining("'ANY'");
        assertThatThrownBy(() -> ScyllaConfig.builder().readConsistency("EACH_QUORUM").build())
                .hasMessageContaining("storage.scylla.read-consistency").hasMessageContaining("'EACH_QUORUM'");
        assertThatThrownBy(() -> ScyllaConfig.builder().localDatacenter("").build())
                .hasMessageContaining("storage.scylla.local-datacenter");
        assertThatThrownBy(() -> ScyllaConfig.builder().bucketOffsets(0).build())
                .hasMessageContaining("storage.scylla.bucket-offsets").hasMessageContaining("was 0");
        assertThatThrownBy(() -> ScyllaConfig.builder().requestTimeout(Duration.ZERO).build())
                .hasMessageContaining("storage.scylla.request-timeout");
    }

    @Test
    void consistencyLevelsAndStrategiesAreNormalised() {
        ScyllaConfig c = ScyllaConfig.builder().writeConsistency("quorum")
                .replicationStrategy("org.apache.cassandra.locator.SimpleStrategy").build();
        assertThat(c.writeConsistency()).isEqualTo("QUORUM");
        assertThat(c.replicationStrategy()).isEqualTo("SimpleStrategy");
    }

    @Test
    void secretsStayOutOfToString() {
        ScyllaConfig c = ScyllaConfig.builder().credentials("rafka", "s3cret")
                .tls(new ScyllaConfig.Tls(Optional.of(Path.of("/etc/ts.p12")), Optional.of("tspass"), true)).build();
        assertThat(c.toString()).contains("storage.scylla.username=rafka").doesNotContain("s3cret").doesNotContain("tspass");
        assertThat(c.credentials().orElseThrow().toString()).doesNotContain("s3cret");
    }

    @Test
    void retentionBecomesTheTtlInWholeSeconds() {
        assertThat(ScyllaPartitionLog.ttlSeconds(new LogConfig(-1, -1, 1 << 20))).isZero();
        assertThat(ScyllaPartitionLog.ttlSeconds(new LogConfig(1500, -1, 1 << 20))).isEqualTo(2);
        assertThat(ScyllaPartitionLog.ttlSeconds(LogConfig.defaults())).isEqualTo(7 * 24 * 3600);
        assertThatThrownBy(() -> ScyllaPartitionLog.ttlSeconds(new LogConfig(700_000_000_000L, -1, 1 << 20)))
                .hasMessageContaining("retention.ms 700000000000");
    }
}
