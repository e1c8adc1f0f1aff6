package io.rafka.cache.internal;

import io.rafka.cache.CacheConfig;
import io.rafka.cache.CacheMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind {@link CacheMetrics}: striped adders, cheap enough to update on every
 * call from any thread. A snapshot is not atomic across counters (each one is exact).
 */
final class CacheCounters {
    private static final long[] BOUNDS_NANOS = CacheMetrics.Latency.BOUNDS_SECONDS.stream()
            .mapToLong(s -> Math.round(s * 1e9)).toArray();

    final LongAdder hits = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder corrupt = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder timeouts = new LongAdder();
    final LongAdder skippedDown = new LongAdder();
    final LongAdder skippedBusy = new LongAdder();
    final LongAdder skippedOversize = new LongAdder();
    final LongAdder skippedKey = new LongAdder();
    final LongAdder puts = new LongAdder();
    final LongAdder writes = new LongAdder();
    private final LongAdder latencyCount = new LongAdder();
    private final LongAdder latencySum = new LongAdder();
    private final LongAccumulator latencyMax = new LongAccumulator(Math::max, 0);
    private final LongAdder[] buckets = new LongAdder[BOUNDS_NANOS.length];

    CacheCounters() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    void latency(long nanos) {
        latencyCount.increment();
        latencySum.add(nanos);
        latencyMax.accumulate(nanos);
        for (int i = 0; i < BOUNDS_NANOS.length; i++) {
            if (nanos <= BOUNDS_NANOS[i]) {
                buckets[i].increment();
                return;
            }
        }
    }

    CacheMetrics snapshot(CacheConfig.Kind kind, boolean up, long downTransitions) {
        List<CacheMetrics.Bucket> cumulative = new ArrayList<>(buckets.length);
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            cumulative.add(new CacheMetrics.Bucket(CacheMetrics.Latency.BOUNDS_SECONDS.get(i), running));
        }
        long count = Math.max(latencyCount.sum(), running);
        return new CacheMetrics(kind, up, hits.sum(), misses.sum(), corrupt.sum(), errors.sum(),
                timeouts.sum(), skippedDown.sum(), skippedBusy.sum(), skippedOversize.sum(),
                skippedKey.sum(), puts.sum(), writes.sum(), downTransitions,
                new CacheMetrics.Latency(count, latencySum.sum(), latencyMax.get(), cumulative));
    }
}
