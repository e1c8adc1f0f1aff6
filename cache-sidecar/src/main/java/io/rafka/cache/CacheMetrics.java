package io.rafka.cache;

import java.util.List;
import java.util.Objects;

/**
 * A read-only snapshot of one cache's counters, all cumulative since the cache was opened (the
 * shape Prometheus counters want). Gets are counted per key, so a {@code getAll} of n keys adds n
 * to {@code hits + misses}.
 *
 * @param kind            which implementation
 * @param up              false while the cache is marked down (calls skipped, probing)
 * @param hits            gets answered with a verified batch
 * @param misses          gets answered empty, for any reason: absent, corrupt, error, timeout, skipped
 * @param corrupt         values found under a key that failed verification (subset of misses)
 * @param errors          failed calls, timeouts included (gets and puts)
 * @param timeouts        calls the per-operation timeout answered (subset of errors)
 * @param skippedDown     calls not sent because the cache was down or closed
 * @param skippedBusy     calls not sent because the worker queue was full
 * @param skippedOversize puts not sent because the value exceeded {@code cache.max-value-bytes}
 * @param skippedKey      calls not sent because the key could not be rendered (over 250 bytes)
 * @param puts            values stored
 * @param writes          round trips that stored them (a write carries every put waiting for it,
 *                        see {@code cache.write-linger-ms}); {@code puts / writes} is the batching
 *                        factor; the in-process tier counts each put as a write
 * @param downTransitions times the cache went from up to down
 * @param latency         time from call to completion of the calls that reached the server
 */
public record CacheMetrics(
        CacheConfig.Kind kind,
        boolean up,
        long hits,
        long misses,
        long corrupt,
        long errors,
        long timeouts,
        long skippedDown,
        long skippedBusy,
        long skippedOversize,
        long skippedKey,
        long puts,
        long writes,
        long downTransitions,
        Latency latency) {

    public CacheMetrics {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(latency, "latency");
    }

    /** All calls that were not sent to the server. */
    public long skipped() {
        return skippedDown + skippedBusy + skippedOversize + skippedKey;
    }

    static CacheMetrics empty(CacheConfig.Kind kind) {
        return new CacheMetrics(kind, false, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Latency.EMPTY);
    }

    /**
     * A latency histogram in Prometheus form: cumulative bucket counts by upper bound, the sum and
     * the count, plus the largest latency seen.
     */
    public record Latency(long count, long sumNanos, long maxNanos, List<Bucket> buckets) {
        /** Upper bounds of the buckets, in seconds; the last bucket ({@code +Inf}) is implicit in {@code count}. */
        public static final List<Double> BOUNDS_SECONDS = List.of(
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0);
        static final Latency EMPTY = new Latency(0, 0, 0,
                BOUNDS_SECONDS.stream().map(b -> new Bucket(b, 0)).toList());

        public Latency {
            buckets = List.copyOf(buckets);
        }

        public double sumSeconds() {
            return sumNanos / 1e9;
        }

        public double maxSeconds() {
            return maxNanos / 1e9;
        }
    }

    /** Calls that completed within {@code leSeconds}, cumulative. */
    public record Bucket(double leSeconds, long count) {
    }
}
