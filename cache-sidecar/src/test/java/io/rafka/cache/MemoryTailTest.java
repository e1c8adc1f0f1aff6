package io.rafka.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryTailTest {
    private record Batch(long memoryHandle, int sizeInBytes) implements MemoryTail.Held {
    }

    private static ByteBuffer value(int size, int fill) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) fill);
        return ByteBuffer.wrap(b);
    }

    private static Batch put(MemoryTail tail, int size, int fill) {
        return new Batch(tail.put(value(size, fill)), size);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void copiesAChainOfBatchesBackToBackAndStopsAtTheFirstNotHeld() {
        MemoryTail tail = new MemoryTail(1_000);
        Batch a = put(tail, 10, 1);
        Batch b = put(tail, 20, 2);
        Batch notHeld = new Batch(MemoryTail.NOT_HELD, 10);
        Batch c = put(tail, 5, 3);

        ByteBuffer chain = tail.copyChain(List.of(a, b, notHeld, c));
        assertThat(chain.position()).isZero();
        assertThat(chain.remaining()).isEqualTo(30);
        assertThat(chain.get(0)).isEqualTo((byte) 1);
        assertThat(chain.get(9)).isEqualTo((byte) 1);
        assertThat(chain.get(10)).isEqualTo((byte) 2);
        assertThat(chain.get(29)).isEqualTo((byte) 2);
        assertThat(tail.copyChain(List.of(notHeld, c))).as("the first batch ends the chain").isNull();
        assertThat(bytes(tail.copyChain(List.of(c)))).containsOnly(3).hasSize(5);

        CacheMetrics m = tail.metrics();
        assertThat(m.kind()).isEqualTo(CacheConfig.Kind.MEMORY);
        assertThat(m.hits()).isEqualTo(3);
        assertThat(m.misses()).isEqualTo(2);
        assertThat(m.puts()).isEqualTo(3);
        assertThat(tail.size()).isEqualTo(3);
        assertThat(tail.bytes()).isEqualTo(35);
    }

    @Test
    void theCallersBufferIsCopiedNotKeptAndNotMoved() {
        MemoryTail tail = new MemoryTail(1_000);
        ByteBuffer v = value(10, 7);
        v.position(2);
        long h = tail.put(v);
        assertThat(v.position()).isEqualTo(2);
        java.util.Arrays.fill(v.array(), (byte) 9);
        assertThat(bytes(tail.copyChain(List.of(new Batch(h, 8))))).containsOnly(7).hasSize(8);
        ByteBuffer copy = tail.copyChain(List.of(new Batch(h, 8)));
        copy.put(0, (byte) 1);
        assertThat(tail.copyChain(List.of(new Batch(h, 8))).get(0)).as("a reader's copy is its own").isEqualTo((byte) 7);
    }

    @Test
    void theWriterOverwritesWholeSegmentsOldestFirst() {
        long budget = 16L * MemoryTail.MIN_SEGMENT_BYTES; // 16 segments of 64 KiB
        MemoryTail tail = new MemoryTail(budget);
        assertThat(tail.segmentBytes()).isEqualTo(MemoryTail.MIN_SEGMENT_BYTES);
        int size = 1_000; // 65 batches fit in a segment
        List<Batch> all = new ArrayList<>();
        for (int i = 0; i < 65 * 17; i++) {
            all.add(put(tail, size, i));
        }
        assertThat(tail.allocatedBytes()).isEqualTo(budget);
        assertThat(tail.evictions()).as("the first segment was reused for the 17th").isEqualTo(65);
        assertThat(tail.size()).isEqualTo(65 * 16);
        for (int i = 0; i < 65; i++) {
            assertThat(tail.copyChain(List.of(all.get(i)))).as("batch %d was overwritten", i).isNull();
        }
        for (int i = 65; i < all.size(); i++) {
            assertThat(bytes(tail.copyChain(List.of(all.get(i))))).as("batch %d", i).containsOnly((byte) i);
        }
    }

    @Test
    void aHandleFromAnEarlierLapOfTheSameSegmentIsNeverAnsweredWithNewerBytes() {
        MemoryTail tail = new MemoryTail(100); // one segment of 100 bytes
        Batch old = put(tail, 60, 1);
        Batch next = put(tail, 60, 2); // does not fit: the segment starts its next lap at offset 0
        assertThat(next.memoryHandle()).isNotEqualTo(old.memoryHandle());
        assertThat(tail.copyChain(List.of(old))).isNull();
        assertThat(bytes(tail.copyChain(List.of(next)))).containsOnly(2);
        assertThat(tail.copyChain(List.of(new Batch(next.memoryHandle(), 61))))
                .as("a length past what was written is not answered").isNull();
    }

    @Test
    void segmentsAreTakenWhenFirstWrittenAndSizedFromTheBudget() {
        MemoryTail big = new MemoryTail(64L << 20);
        assertThat(big.segmentBytes()).isEqualTo(MemoryTail.MAX_SEGMENT_BYTES);
        assertThat(big.allocatedBytes()).isZero();
        put(big, 100, 0);
        assertThat(big.allocatedBytes()).isEqualTo(MemoryTail.MAX_SEGMENT_BYTES);
        assertThat(new MemoryTail(8L << 20).segmentBytes()).isEqualTo(512 << 10);
        assertThat(new MemoryTail(300).segmentBytes()).isEqualTo(300);
    }

    @Test
    void aBatchLargerThanASegmentIsSkippedAndAZeroBudgetHoldsNothing() {
        MemoryTail tail = new MemoryTail(50);
        assertThat(tail.put(value(51, 0))).isEqualTo(MemoryTail.NOT_HELD);
        assertThat(tail.size()).isZero();
        assertThat(tail.metrics().skippedOversize()).isEqualTo(1);

        MemoryTail off = new MemoryTail(0);
        assertThat(off.enabled()).isFalse();
        assertThat(off.put(value(1, 0))).isEqualTo(MemoryTail.NOT_HELD);
        assertThat(off.copyChain(List.of(new Batch(MemoryTail.NOT_HELD, 1)))).isNull();
        assertThat(off.size()).isZero();
        assertThat(off.metrics().up()).isFalse();
        assertThatThrownBy(() -> new MemoryTail(-1)).hasMessage("cache.memory-bytes must not be negative, was -1");
    }
    @Test
    void readersRacingTheWriterGetTheBytesTheyAskedForOrNothing() throws Exception {
        MemoryTail tail = new MemoryTail(2L * MemoryTail.MIN_SEGMENT_BYTES); // two segments: laps come fast
        int batches = 20_000;
        Batch[] written = new Batch[batches];
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < batches; i++) {
                written[i] = put(tail, 100 + i % 900, i);
                count.set(i + 1);
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            Thread reader = new Thread(() -> {
                java.util.Random random = new java.util.Random();
                try {
                    while (count.get() < batches) {
                        int n = count.get();
                        if (n == 0) {
                            continue;
                        }
                        int i = Math.max(0, n - 1 - random.nextInt(Math.min(n, 300)));
                        ByteBuffer b = tail.copyChain(List.of(written[i]));
                        if (b != null) {
                            assertThat(bytes(b)).hasSize(100 + i % 900).containsOnly((byte) i);
                            answered.incrementAndGet();
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            readers.add(reader);
        }
        readers.forEach(Thread::start);
        writer.start();
        writer.join();
        for (Thread r : readers) {
            r.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(answered.get()).as("some reads were answered").isPositive();
        assertThat(tail.evictions()).as("the ring went round many times").isGreaterThan(batches / 2);
    }
}
