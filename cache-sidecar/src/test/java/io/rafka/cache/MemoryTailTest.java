package io.rafka.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.storage.PartitionId;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MemoryTailTest {
    private static final PartitionId P = new PartitionId("orders", 0);

    private static CachedBatchKey key(long base) {
        return new CachedBatchKey(P, 1, 1, base);
    }

    private static ByteBuffer value(int size, int fill) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    private static List<CachedBatchKey> keys(long... bases) {
        return java.util.Arrays.stream(bases).mapToObj(MemoryTailTest::key).toList();
    }

    @Test
    void evictsTheOldestBatchesBeyondTheBudget() {
        MemoryTail tail = new MemoryTail(300);
        IntStream.range(0, 5).forEach(i -> tail.put(key(i * 10L), value(100, i)));
        assertThat(tail.bytes()).isEqualTo(300);
        assertThat(tail.size()).isEqualTo(3);
        assertThat(tail.evictions()).isEqualTo(2);
        assertThat(tail.chain(keys(0))).as("evicted").isEmpty();
        List<ByteBuffer> held = tail.chain(keys(20, 30, 40));
        assertThat(held).hasSize(3);
        assertThat(held.get(0).get(0)).isEqualTo((byte) 2);
        assertThat(held.get(2).get(99)).isEqualTo((byte) 4);
    }

    @Test
    void aChainStopsAtTheFirstBatchNotHeldAndCountsIt() {
        MemoryTail tail = new MemoryTail(1_000);
        tail.put(key(0), value(10, 0));
        tail.put(key(10), value(10, 1));
        tail.put(key(30), value(10, 3));
        assertThat(tail.chain(keys(0, 10, 20, 30))).hasSize(2);
        assertThat(tail.chain(keys(20, 30))).isEmpty();
        CacheMetrics m = tail.metrics();
        assertThat(m.kind()).isEqualTo(CacheConfig.Kind.MEMORY);
        assertThat(m.hits()).isEqualTo(2);
        assertThat(m.misses()).isEqualTo(2);
        assertThat(m.puts()).isEqualTo(3);
    }

    @Test
    void keysOfAnotherEpochOrIncarnationNeverMatch() {
        MemoryTail tail = new MemoryTail(1_000);
        tail.put(key(0), value(10, 0));
        assertThat(tail.chain(List.of(new CachedBatchKey(P, 1, 2, 0)))).isEmpty();
        assertThat(tail.chain(List.of(new CachedBatchKey(P, 2, 1, 0)))).isEmpty();
        assertThat(tail.chain(List.of(new CachedBatchKey(new PartitionId("orders", 1), 1, 1, 0)))).isEmpty();
    }

    @Test
    void readersGetReadOnlyViewsThatDoNotMoveTheStoredValue() {
        MemoryTail tail = new MemoryTail(1_000);
        tail.put(key(0), value(10, 7));
        ByteBuffer first = tail.chain(keys(0)).get(0);
        first.position(5);
        assertThatThrownBy(() -> first.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        ByteBuffer again = tail.chain(keys(0)).get(0);
        assertThat(again.position()).isZero();
        assertThat(again.remaining()).isEqualTo(10);
    }

    @Test
    void droppingAPartitionFreesOnlyItsBatches() {
        MemoryTail tail = new MemoryTail(1_000);
        PartitionId other = new PartitionId("orders", 1);
        tail.put(key(0), value(100, 0));
        tail.put(new CachedBatchKey(other, 1, 1, 0), value(50, 1));
        tail.put(new CachedBatchKey(P, 2, 3, 10), value(30, 2));

        assertThat(tail.drop(P)).isEqualTo(2);
        assertThat(tail.bytes()).isEqualTo(50);
        assertThat(tail.size()).isEqualTo(1);
        assertThat(tail.chain(List.of(new CachedBatchKey(other, 1, 1, 0)))).hasSize(1);
        assertThat(tail.drop(P)).isZero();
    }

    @Test
    void replacingAKeyKeepsTheByteCountRight() {
        MemoryTail tail = new MemoryTail(1_000);
        tail.put(key(0), value(100, 0));
        tail.put(key(0), value(40, 1));
        assertThat(tail.bytes()).isEqualTo(40);
        assertThat(tail.size()).isEqualTo(1);
    }

    @Test
    void aBatchLargerThanTheBudgetIsSkippedAndAZeroBudgetHoldsNothing() {
        MemoryTail tail = new MemoryTail(50);
        tail.put(key(0), value(51, 0));
        assertThat(tail.size()).isZero();
        assertThat(tail.metrics().skippedOversize()).isEqualTo(1);

        MemoryTail off = new MemoryTail(0);
        assertThat(off.enabled()).isFalse();
        off.put(key(0), value(1, 0));
        assertThat(off.size()).isZero();
        assertThat(off.metrics().up()).isFalse();
        assertThatThrownBy(() -> new MemoryTail(-1)).hasMessage("cache.memory-bytes must not be negative, was -1");
    }
}
