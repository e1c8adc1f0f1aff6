package io.rafka.pastry;

import org.junit.jupiter.api.Test;

import static io.rafka.pastry.Ids.handle;
import static io.rafka.pastry.Ids.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutingTableTest {

    private final NodeHandle owner = handle("a5");

    @Test
    void entryGoesToRowOfSharedPrefixAndColumnOfNextDigit() {
        RoutingTable table = new RoutingTable(owner, ProximityMetric.NONE);
        NodeHandle row0 = handle("3f");
        NodeHandle row1 = handle("a7");
        NodeHandle row3 = handle("a50c");

        assertThat(table.consider(row0)).isTrue();
        assertThat(table.consider(row1)).isTrue();
        assertThat(table.consider(row3)).isTrue();

        assertThat(table.entry(0, 3)).contains(row0);
        assertThat(table.entry(1, 7)).contains(row1);
        assertThat(table.entry(3, 0xc)).contains(row3);
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.highestNonEmptyRow()).isEqualTo(3);
    }

    @Test
    void bestEntrySharesOneMoreDigitWithTheKey() {
        RoutingTable table = new RoutingTable(owner, ProximityMetric.NONE);
        NodeHandle entry = handle("a71");
        table.consider(entry);
        assertThat(table.bestEntry(id("a7ff"))).contains(entry);
        assertThat(table.bestEntry(id("a8"))).isEmpty();
        assertThat(table.bestEntry(owner.id())).isEmpty();
    }

    @Test
    void ownIdIsNeverAnEntry() {
        RoutingTable table = new RoutingTable(owner, ProximityMetric.NONE);
        assertThat(table.consider(owner)).isFalse();
        assertThat(table.size()).isZero();
    }

    @Test
    void firstCandidateStaysWithoutProximityAndNearerOneWinsWithIt() {
        NodeHandle first = handle("b1");
        NodeHandle second = handle("b2");
        RoutingTable plain = new RoutingTable(owner, ProximityMetric.NONE);
        plain.consider(first);
        assertThat(plain.consider(second)).isFalse();
        assertThat(plain.entry(0, 0xb)).contains(first);

        ProximityMetric secondIsNearer = (from, to) -> to.equals(second) ? 1 : 10;
        RoutingTable local = new RoutingTable(owner, secondIsNearer);
        local.consider(first);
        assertThat(local.consider(second)).isTrue();
        assertThat(local.entry(0, 0xb)).contains(second);
        assertThat(local.size()).isEqualTo(1);
    }

    @Test
    void removeReportsTheRowAndOnlyRemovesTheSameId() {
        RoutingTable table = new RoutingTable(owner, ProximityMetric.NONE);
        table.consider(handle("a7"));
        assertThat(table.remove(id("a71"))).isEmpty();
        assertThat(table.remove(id("a7"))).hasValue(1);
        assertThat(table.contains(id("a7"))).isFalse();
        assertThat(table.size()).isZero();
    }

    @Test
    void rowsAreListedInColumnOrder() {
        RoutingTable table = new RoutingTable(owner, ProximityMetric.NONE);
        table.consider(handle("f0"));
        table.consider(handle("00"));
        table.consider(handle("a6"));
        assertThat(table.row(0)).extracting(NodeHandle::id).containsExactly(id("00"), id("f0"));
        assertThat(table.entries()).hasSize(3);
        assertThatThrownBy(() -> table.row(32)).hasMessage("row must be between 0 and 31, was 32");
        assertThatThrownBy(() -> table.entry(0, 16)).hasMessage("column must be between 0 and 15, was 16");
    }
}
