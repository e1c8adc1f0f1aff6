package io.rafka.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.rafka.cache.CacheMetrics;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node's meters, served in the Prometheus text format on {@code GET /metrics}. Counters are
 * cheap (striped adders), so they are updated on the hot path. Thread-safe.
 */
public final class NodeMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Counter producedRecords;
    private final Counter producedBytes;
    private final Counter produceRequests;
    private final Counter duplicateBatches;
    private final Counter fetchRequests;
    private final Counter fetchedBytes;
    private final ConcurrentHashMap<String, Counter> errors = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> forwards = new ConcurrentHashMap<>();
    /** Micrometer holds the state of function meters weakly: the cache snapshot suppliers live here. */
    private final java.util.List<Supplier<CacheMetrics>> caches = new java.util.concurrent.CopyOnWriteArrayList<>();

    public NodeMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        gc.bindTo(registry);
        producedRecords = Counter.builder("rafka_produced_records").description("Records appended").register(registry);
        producedBytes = Counter.builder("rafka_produced_bytes").description("Batch bytes appended").register(registry);
        produceRequests = Counter.builder("rafka_produce_requests").description("Produce requests answered successfully").register(registry);
        duplicateBatches = Counter.builder("rafka_duplicate_batches").description("Idempotent retries answered without appending").register(registry);
        fetchRequests = Counter.builder("rafka_fetch_requests").description("Fetch requests and subscription reads served").register(registry);
        fetchedBytes = Counter.builder("rafka_fetched_bytes").description("Batch bytes served to consumers").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void produced(int records, int bytes, boolean duplicate) {
        produceRequests.increment();
        if (duplicate) {
            duplicateBatches.increment();
        } else {
            producedRecords.increment(records);
            producedBytes.increment(bytes);
        }
    }

    public void fetched(int bytes) {
        fetchRequests.increment();
        fetchedBytes.increment(bytes);
    }

    /**
     * A request for a partition owned elsewhere, forwarded one hop towards its owner: {@code hop}
     * is the number of this hop (1 = forwarded by the node the client asked), {@code via} the view
     * that chose it ({@code pastry} or {@code ring}).
     */
    public void forwarded(String method, int hop, String via) {
        forwards.computeIfAbsent(method + "/" + hop + "/" + via, k -> Counter.builder("rafka_forwarded_requests")
                .description("Requests forwarded towards the partition's owner, by hop number and chosen by")
                .tag("method", method).tag("hop", Integer.toString(hop)).tag("via", via)
                .register(registry)).increment();
    }

    /** Counts a request answered with a non-OK gRPC status. */
    public void failed(String method, String status) {
        errors.computeIfAbsent(method + "/" + status, k -> Counter.builder("rafka_request_errors")
                .description("Requests answered with an error status").tag("method", method).tag("status", status)
                .register(registry)).increment();
    }

    /**
     * Publishes a cache tier's counters and latency (the sidecar's, or the in-process tier's with
     * kind {@code memory}), read from its snapshot at scrape time.
     */
    public void bindCache(Supplier<CacheMetrics> cache) {
        caches.add(cache);
        String kind = cache.get().kind().configName();
        cacheCounter("rafka_cache_hits", "Cache gets answered with a verified batch", cache, CacheMetrics::hits, kind);
        cacheCounter("rafka_cache_misses", "Cache gets answered empty (absent, corrupt, error, skipped)", cache, CacheMetrics::misses, kind);
        cacheCounter("rafka_cache_corrupt", "Values under a key that failed verification", cache, CacheMetrics::corrupt, kind);
        cacheCounter("rafka_cache_errors", "Failed cache calls, timeouts included", cache, CacheMetrics::errors, kind);
        cacheCounter("rafka_cache_skipped", "Cache calls not sent (down, busy, oversize)", cache, CacheMetrics::skipped, kind);
        cacheCounter("rafka_cache_puts", "Batches written through to the cache", cache, CacheMetrics::puts, kind);
        cacheCounter("rafka_cache_writes", "Round trips that wrote them (puts/writes = batches per write)", cache,
                CacheMetrics::writes, kind);
        Gauge.builder("rafka_cache_up", cache, c -> c.get().up() ? 1 : 0).description("1 while the cache is reachable")
                .tag("kind", kind).register(registry);
        FunctionTimer.builder("rafka_cache_latency", cache, c -> c.get().latency().count(),
                        c -> c.get().latency().sumNanos(), TimeUnit.NANOSECONDS)
                .description("Latency of cache calls that reached the server").tag("kind", kind).register(registry);
    }

    private void cacheCounter(String name, String description, Supplier<CacheMetrics> cache, ToDoubleFunction<CacheMetrics> f,
                              String kind) {
        FunctionCounter.builder(name, cache, c -> f.applyAsDouble(c.get())).description(description).tag("kind", kind)
                .register(registry);
    }

    /** Registers a gauge read from {@code value} at scrape time. */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
