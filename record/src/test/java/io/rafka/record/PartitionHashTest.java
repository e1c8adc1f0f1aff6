package io.rafka.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PartitionHashTest {

    @Test
    void murmur2MatchesKafkasReferenceVectors() {
        // Vectors from Kafka's UtilsTest.testMurmur2 (Kafka's default partitioner hash).
        assertThat(PartitionHash.murmur2("21".getBytes(StandardCharsets.UTF_8))).isEqualTo(-973932308);
        assertThat(PartitionHash.murmur2("foobar".getBytes(StandardCharsets.UTF_8))).isEqualTo(-790332482);
        assertThat(PartitionHash.murmur2("a-little-bit-long-string".getBytes(StandardCharsets.UTF_8))).isEqualTo(-985981536);
        assertThat(PartitionHash.murmur2("a-little-bit-longer-string".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1486304829);
        assertThat(PartitionHash.murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8".getBytes(StandardCharsets.UTF_8))).isEqualTo(-58897971);
        assertThat(PartitionHash.murmur2(new byte[] {'a', 'b', 'c'})).isEqualTo(479470107);
    }

    @Test
    void sameKeyAlwaysMapsToTheSamePartitionInRange() {
        for (int i = 0; i < 1_000; i++) {
            byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
            int p = PartitionHash.partitionFor(key, 6);
            assertThat(p).isBetween(0, 5).isEqualTo(PartitionHash.partitionFor(key.clone(), 6));
        }
    }

    @Test
    void nonPositivePartitionCountIsRejectedNamingTheValue() {
        assertThatThrownBy(() -> PartitionHash.partitionFor(new byte[1], 0))
                .hasMessageContaining("was 0");
    }
}
