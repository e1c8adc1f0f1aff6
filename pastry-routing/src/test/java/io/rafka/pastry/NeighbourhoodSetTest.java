package io.rafka.pastry;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.rafka.pastry.Ids.handle;
import static io.rafka.pastry.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;

class NeighbourhoodSetTest {

    @Test
    void keepsTheNearestByTheMetricNearestFirst() {
        Map<String, Long> rtt = Map.of("node-10", 30L, "node-20", 5L, "node-30", 20L, "node-40", 1L);
        ProximityMetric metric = (from, to) -> rtt.get(to.address());
        NeighbourhoodSet set = new NeighbourhoodSet(handle("80"), 3, metric);
        for (String p : new String[] {"10", "20", "30", "40"}) {
            set.consider(handle(p));
        }
        assertThat(set.members()).extracting(NodeHandle::id).containsExactly(id("40"), id("20"), id("30"));
        assertThat(set.remove(id("20"))).isTrue();
        assertThat(set.members()).extracting(NodeHandle::id).containsExactly(id("40"), id("30"));
    }

    @Test
    void capacityZeroKeepsNothing() {
        NeighbourhoodSet set = new NeighbourhoodSet(handle("80"), 0, ProximityMetric.NONE);
        assertThat(set.consider(handle("10"))).isFalse();
        assertThat(set.size()).isZero();
    }
}
