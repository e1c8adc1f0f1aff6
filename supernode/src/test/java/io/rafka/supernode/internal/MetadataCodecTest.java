package io.rafka.supernode.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.supernode.CommittedOffset;
import io.rafka.supernode.Lease;
import io.rafka.supernode.MetadataPersistence;
import io.rafka.supernode.TopicRecord;
import io.rafka.supernode.internal.OffsetOps.GroupOffsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataCodecTest {

    @Test
    void topicsRoundTripWithTheirConfigAndNonAsciiNames() {
        TopicRecord t = new TopicRecord("zahlungsströme", 12, Map.of("retention.ms", "604800000", "cleanup", "délai"),
                1_764_000_000_123L, 42);
        assertThat(MetadataCodec.TOPICS.decode(MetadataCodec.TOPICS.encode(t))).isEqualTo(t);
        TopicRecord bare = new TopicRecord("t", 1, Map.of(), 0, 1);
        assertThat(MetadataCodec.TOPICS.decode(MetadataCodec.TOPICS.encode(bare))).isEqualTo(bare);
    }

    @Test
    void heldAndReleasedLeasesRoundTrip() {
        Lease held = new Lease("orders~3/7", "node-a", -5_000_000_000L, 9);
        Lease released = held.released();
        assertThat(MetadataCodec.LEASES.decode(MetadataCodec.LEASES.encode(held))).isEqualTo(held);
        assertThat(MetadataCodec.LEASES.decode(MetadataCodec.LEASES.encode(released))).isEqualTo(released);
    }

    @Test
    void groupOffsetsRoundTripWithoutTheirFences() {
        GroupOffsets g = new GroupOffsets(List.of(
                new CommittedOffset("b", 0, 10, "", 1),
                new CommittedOffset("a", 3, Long.MAX_VALUE, "checkpoint ✓", 2)), Map.of("a/3", 7));
        GroupOffsets back = MetadataCodec.OFFSETS.decode(MetadataCodec.OFFSETS.encode(g));
        assertThat(back.offsets()).isEqualTo(g.offsets());
        assertThat(back.fences()).isEmpty();
    }

    @Test
    void aLeaseVersionGrowsWithEveryChangeOfHandsAndRelease() {
        Lease first = new Lease("t~1/0", "a", 1, 1);
        Lease released = first.released();
        Lease regranted = released.grantedTo("b", 2);
        Lease takenOver = regranted.grantedTo("c", 3);
        assertThat(List.of(first, released, regranted, takenOver)).extracting(MetadataCodec.LEASES::version)
                .isSorted().doesNotHaveDuplicates();
        assertThat(MetadataCodec.COUNTERS.version(41L)).isLessThan(MetadataCodec.COUNTERS.version(42L));
        assertThat(MetadataCodec.TOPICS.version(new TopicRecord("t", 1, Map.of(), 0, 1)))
                .isEqualTo(MetadataPersistence.NO_VERSION);
    }

    @Test
    void countersRoundTrip() {
        assertThat(MetadataCodec.COUNTERS.decode(MetadataCodec.COUNTERS.encode(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE);
        assertThat(MetadataCodec.COUNTERS.decode(MetadataCodec.COUNTERS.encode(1L))).isEqualTo(1L);
    }

    @Test
    void damagedBytesAreRefusedWithWhatIsWrong() {
        byte[] topic = MetadataCodec.TOPICS.encode(new TopicRecord("t", 2, Map.of("k", "v"), 5, 1));
        assertThatThrownBy(() -> MetadataCodec.TOPICS.decode(Arrays.copyOf(topic, topic.length - 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> MetadataCodec.TOPICS.decode(Arrays.copyOf(topic, topic.length + 2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 of its");
        byte[] future = topic.clone();
        future[0] = 2;
        assertThatThrownBy(() -> MetadataCodec.TOPICS.decode(future))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format 2");
        byte[] hugeString = {1, 0x7f, 0, 0, 0, 'x'};
        assertThatThrownBy(() -> MetadataCodec.LEASES.decode(hugeString))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("claims 2130706432 bytes");
        assertThatThrownBy(() -> MetadataCodec.COUNTERS.decode(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }
}
