package io.rafka.node.cli;

import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaAdmin;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.RafkaException;
import io.rafka.client.RafkaProducer;
import io.rafka.client.TopicPartitionRef;
import io.grpc.Status;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Throughput and latency benchmark in the manner of Kafka's producer/consumer perf tools and the
 * OpenMessaging Benchmark. Prints a progress line every few seconds and, last, one summary line:
 * {@code bench <scenario> records/s=<n> MB/s=<n> p50_ms=<n> p99_ms=<n> p999_ms=<n> max_ms=<n>}.
 *
 * <ul>
 *   <li>{@code produce}: latency is send() to acknowledgement, per record.</li>
 *   <li>{@code consume}: reads --records from the earliest offset, timed from the first fetch
 *       (after connecting and resolving start offsets); latency does not apply.</li>
 *   <li>{@code e2e}: produces at --rate while consuming from the tail; latency is send() to
 *       receipt, measured with the sender's monotonic clock carried in the record value; the
 *       first --warmup-records (default 2 s at the rate) are left out of the latency figures.</li>
 *   <li>{@code fetch}: produces at --rate while one reader per partition fetches (no wait) as
 *       soon as a record past its offset is acknowledged; latency is the Fetch round trip.</li>
 * </ul>
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark produce, consume or end-to-end latency against a running node.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", description = "produce, consume, e2e, fetch or commit.")
    String scenario;
    @Option(names = "--topic", defaultValue = "bench", description = "Topic (created when missing). Default ${DEFAULT-VALUE}.")
    String topic;
    @Option(names = "--partitions", defaultValue = "6", description = "Partitions when creating the topic (default ${DEFAULT-VALUE}).")
    int partitions;
    @Option(names = "--records", defaultValue = "1000000", description = "Records to produce or consume (default ${DEFAULT-VALUE}).")
    long records;
    @Option(names = "--record-size", defaultValue = "100", description = "Value size in bytes (default ${DEFAULT-VALUE}; e2e needs >= 16).")
    int recordSize;
    @Option(names = "--acks", defaultValue = "leader", description = "none, leader or all (default ${DEFAULT-VALUE}).")
    String acks;
    @Option(names = "--batch-bytes", defaultValue = "65536", description = "Producer batch size (default ${DEFAULT-VALUE}).")
    int batchBytes;
    @Option(names = "--linger-ms", defaultValue = "5", description = "Producer linger (default ${DEFAULT-VALUE}).")
    int lingerMs;
    @Option(names = "--rate", defaultValue = "0", description = "Records/s to produce, 0 = as fast as possible (e2e default 10000).")
    long rate;
    @Option(names = "--connections", defaultValue = "2", description = "gRPC connections per client (default ${DEFAULT-VALUE}).")
    int connections;
    @Option(names = "--fetch-bytes", defaultValue = "1048576", description = "Consumer max bytes per partition fetch (default ${DEFAULT-VALUE}).")
    int fetchBytes;
    @Option(names = "--report-interval-ms", defaultValue = "5000", description = "Progress line period (default ${DEFAULT-VALUE}).")
    long reportIntervalMs;
    @Option(names = "--name", description = "Scenario label in the summary line (default: the scenario).")
    String name;
    @Option(names = "--warmup-records", description = "e2e: records at the start left out of the latency figures (default: 2 s at --rate).")
    Long warmupRecords;
    @Option(names = "--metrics-url", description = "fetch: the node's /metrics URL, to report the batch cache's hit rate over the run.")
    String metricsUrl;
    @Option(names = "--no-owner-routing", description = "Send every batch to the bootstrap node, which forwards it to the partition's owner (cluster mode), instead of straight to the owner.")
    boolean noOwnerRouting;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        validate();
        ensureTopic();
        String label = name == null ? scenario : name;
        return switch (scenario) {
            case "produce" -> produce(label);
            case "consume" -> consume(label);
            case "e2e" -> e2e(label);
            case "fetch" -> fetch(label);
            case "commit" -> commit(label);
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "scenario must be produce, consume, e2e, fetch or commit, was '" + scenario + "'");
        };
    }

    private void validate() {
        if (records <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--records must be positive, was " + records);
        }
        if (recordSize < 0 || recordSize > 16 * 1024 * 1024) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--record-size must be between 0 and 16777216, was " + recordSize);
        }
        if (scenario.equals("e2e") && recordSize < 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "e2e needs --record-size >= 16 to carry the send time and index, was " + recordSize);
        }
        if (warmupRecords != null && (warmupRecords < 0 || warmupRecords >= records)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup-records must be between 0 and --records - 1, was " + warmupRecords);
        }
        if (rate < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be >= 0, was " + rate);
        }
        if (reportIntervalMs < 100) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--report-interval-ms must be >= 100, was " + reportIntervalMs);
        }
    }

    private void ensureTopic() {
        try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
            try {
                admin.createTopic(topic, partitions, Map.of());
            } catch (RafkaException e) {
                if (e.code() != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
            }
        }
    }

    private ProducerConfig producerConfig() {
        return ProducerConfig.builder(client.bootstrap).acks(ProduceCommand.parseAcks(acks)).batchSizeBytes(batchBytes)
                .lingerMs(lingerMs).connections(connections).routeToOwner(!noOwnerRouting).build();
    }

    /** A value of {@code size} pseudo-random bytes (incompressible, like Kafka's perf tool's). */
    static byte[] payload(int size) {
        byte[] b = new byte[size];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('A' + r.nextInt(26));
        }
        return b;
    }

    // ---- produce ----

    private int produce(String label) throws Exception {
        Recorder latency = new Recorder(3);
        Histogram total = new Histogram(3);
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        byte[] value = payload(recordSize);
        CountDownLatch done = new CountDownLatch(1);
        long start = System.nanoTime();
        Progress progress = new Progress(label, acked, latency, total, start);
        try (RafkaProducer producer = new RafkaProducer(producerConfig()); progress) {
            long intervalNs = rate > 0 ? 1_000_000_000L / rate : 0;
            for (long i = 0; i < records && failure.get() == null; i++) {
                if (intervalNs > 0) {
                    pace(start + i * intervalNs);
                }
                long sentAt = System.nanoTime();
                producer.send(new ProducerRecord(topic, null, null, value, List.of(), 0L)).whenComplete((m, e) -> {
                    if (e != null) {
                        failure.compareAndSet(null, e);
                        done.countDown();
                        return;
                    }
                    latency.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
                    if (acked.incrementAndGet() == records) {
                        done.countDown();
                    }
                });
            }
            producer.flush();
            done.await();
        }
        if (failure.get() != null) {
            System.err.println("rafka bench: produce failed after " + acked.get() + " records: " + RafkaCli.message(failure.get()));
            return 1;
        }
        long elapsed = System.nanoTime() - start;
        summary(label, acked.get(), (long) recordSize * acked.get(), elapsed, progress.finish());
        return 0;
    }

    private static void pace(long targetNanos) {
        long wait;
        while ((wait = targetNanos - System.nanoTime()) > 0) {
            LockSupport.parkNanos(Math.min(wait, 100_000));
        }
    }

    // ---- consume ----

    private int consume(String label) throws Exception {
        AtomicLong consumed = new AtomicLong();
        long bytes = 0;
        List<TopicPartitionRef> parts = partitionsOf(topic);
        try (RafkaConsumer consumer = new RafkaConsumer(ConsumerConfig.builder(client.bootstrap).connections(connections)
                .maxFetchBytes(fetchBytes).build())) {
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            parts.forEach(consumer::position);
            // Like Kafka's consumer perf tool's fetch rate: the clock starts when fetching starts,
            // after connecting and resolving the start offsets.
            long start = System.nanoTime();
            Progress progress = new Progress(label, consumed, null, null, start);
            long lastData = System.nanoTime();
            while (consumed.get() < records) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    if (System.nanoTime() - lastData > TimeUnit.SECONDS.toNanos(10)) {
                        progress.close();
                        System.err.println("rafka bench: only " + consumed.get() + " of " + records
                                + " records available in " + topic + " after 10 s without data");
                        return 1;
                    }
                    continue;
                }
                lastData = System.nanoTime();
                for (ConsumerRecord r : batch) {
                    bytes += r.value() == null ? 0 : r.value().length;
                }
                consumed.addAndGet(batch.size());
            }
            long elapsed = System.nanoTime() - start;
            progress.close();
            summary(label, consumed.get(), bytes, elapsed, null);
        }
        return 0;
    }

    /**
     * Commits of a fresh group, one at a time, each moving the offset of every partition of the
     * topic by one (so every commit changes the stored entry); --records is the number of commits,
     * the latency that of one commit round trip, records/s commits per second.
     */
    private int commit(String label) throws Exception {
        List<TopicPartitionRef> parts = partitionsOf(topic);
        String group = "bench-commit-" + Long.toHexString(System.nanoTime());
        Recorder latency = new Recorder(3);
        Histogram total = new Histogram(3);
        AtomicLong committed = new AtomicLong();
        try (RafkaConsumer consumer = new RafkaConsumer(ConsumerConfig.builder(client.bootstrap).groupId(group)
                .connections(1).build())) {
            consumer.assign(parts);
            long start = System.nanoTime();
            Progress progress = new Progress(label, committed, latency, total, start);
            try (progress) {
                for (long i = 1; i <= records; i++) {
                    Map<TopicPartitionRef, Long> offsets = new HashMap<>();
                    for (TopicPartitionRef tp : parts) {
                        offsets.put(tp, i);
                    }
                    long sentAt = System.nanoTime();
                    consumer.commitSync(offsets);
                    latency.recordValue(Math.max(1, (System.nanoTime() - sentAt) / 1000));
                    committed.incrementAndGet();
                }
            } catch (RuntimeException e) {
                System.err.println("rafka bench: commit failed after " + committed.get() + " commits: " + RafkaCli.message(e));
                return 1;
            }
            summary(label, committed.get(), 0, System.nanoTime() - start, progress.finish());
        }
        return 0;
    }

    private List<TopicPartitionRef> partitionsOf(String t) {
        try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
            int n = admin.describeTopic(t).getPartitionCount();
            List<TopicPartitionRef> parts = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                parts.add(new TopicPartitionRef(t, p));
            }
            return parts;
        }
    }

    // ---- end to end ----

    private int e2e(String label) throws Exception {
        long perSecond = rate == 0 ? 10_000 : rate;
        // Connection set-up, producer id, JIT: the first seconds measure start-up, not the steady state.
        long warmup = warmupRecords != null ? warmupRecords : Math.min(records / 2, 2 * perSecond);
        Recorder latency = new Recorder(3);
        Histogram total = new Histogram(3);
        AtomicLong received = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<TopicPartitionRef> parts = partitionsOf(topic);
        long start;
        Histogram result;
        try (RafkaConsumer consumer = new RafkaConsumer(ConsumerConfig.builder(client.bootstrap).fetchMaxWaitMs(500).build());
             RafkaProducer producer = new RafkaProducer(producerConfig())) {
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position); // resolve the end before producing
            start = System.nanoTime();
            Progress progress = new Progress(label, received, latency, total, start);
            Thread sender = new Thread(() -> {
                long intervalNs = 1_000_000_000L / perSecond;
                byte[] value = payload(recordSize);
                for (long i = 0; i < records && failure.get() == null; i++) {
                    pace(start + i * intervalNs);
                    byte[] v = value.clone();
                    ByteBuffer.wrap(v).putLong(System.nanoTime()).putLong(i);
                    producer.send(new ProducerRecord(topic, null, null, v, List.of(), 0L))
                            .whenComplete((m, e) -> {
                                if (e != null) {
                                    failure.compareAndSet(null, e);
                                }
                            });
                }
            }, "bench-e2e-sender");
            sender.start();
            long lastData = System.nanoTime();
            while (received.get() < records && failure.get() == null) {
                List<ConsumerRecord> batch = consumer.poll(Duration.ofMillis(200));
                long now = System.nanoTime();
                if (batch.isEmpty()) {
                    if (now - lastData > TimeUnit.SECONDS.toNanos(15)) {
                        failure.compareAndSet(null, new IllegalStateException("no record received for 15 s"));
                    }
                    continue;
                }
                lastData = now;
                for (ConsumerRecord r : batch) {
                    ByteBuffer v = ByteBuffer.wrap(r.value());
                    long sentAt = v.getLong();
                    if (v.getLong() >= warmup) {
                        latency.recordValue(Math.max(1, (now - sentAt) / 1000));
                    }
                }
                received.addAndGet(batch.size());
            }
            sender.join();
            result = progress.finish();
            progress.close();
        }
        if (failure.get() != null) {
            System.err.println("rafka bench: e2e failed after " + received.get() + " records: " + RafkaCli.message(failure.get()));
            return 1;
        }
        summary(label, received.get(), (long) recordSize * received.get(), System.nanoTime() - start, result);
        return 0;
    }

    /**
     * A tail-following reader per partition while a producer writes at --rate (default 5,000
     * records/s). Each reader fetches as soon as the producer has an acknowledgement past the
     * reader's offset (a Fetch with no wait), so the latency is the broker's read path for fresh
     * records, from sending the Fetch to receiving the answer, and not the wait for the producer's
     * next batch (which with a long poll would dominate every figure). Throughput counts the
     * records fetched. With --metrics-url, the batch cache's hits and misses over the run are read
     * from the node's Prometheus endpoint.
     */
    private int fetch(String label) throws Exception {
        long perSecond = rate == 0 ? 5_000 : rate;
        long warmup = warmupRecords != null ? warmupRecords : Math.min(records / 2, 2 * perSecond);
        Recorder latency = new Recorder(3);
        Histogram total = new Histogram(3);
        AtomicLong fetched = new AtomicLong();
        AtomicLong fetchedBytes = new AtomicLong();
        AtomicLong produced = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<TopicPartitionRef> parts = partitionsOf(topic);
        double[] cacheBefore = cacheCounters();
        long[] gcBefore = clientGc();
        io.grpc.ManagedChannel channel = io.rafka.client.internal.Channels.open(client.bootstrap, 1)[0];
        long start = System.nanoTime();
        Histogram result;
        try (RafkaProducer producer = new RafkaProducer(producerConfig())) {
            io.rafka.proto.v1.BrokerGrpc.BrokerBlockingStub stub = io.rafka.proto.v1.BrokerGrpc.newBlockingStub(channel);
            long[] from = new long[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                from[i] = stub.listOffsets(io.rafka.proto.v1.ListOffsetsRequest.newBuilder().setTopic(topic)
                        .setPartition(parts.get(i).partition()).setLatest(true).build()).getOffset();
            }
            AtomicLong[] ackedEnd = new AtomicLong[parts.size()];
            Thread[] readerThreads = new Thread[parts.size()];
            java.util.Map<Integer, Integer> indexOf = new java.util.HashMap<>();
            for (int i = 0; i < parts.size(); i++) {
                ackedEnd[i] = new AtomicLong(from[i]);
                indexOf.put(parts.get(i).partition(), i);
            }
            Progress progress = new Progress(label, fetched, latency, total, start);
            Thread sender = new Thread(() -> {
                long intervalNs = 1_000_000_000L / perSecond;
                byte[] value = payload(recordSize);
                for (long i = 0; i < records && failure.get() == null; i++) {
                    pace(start + i * intervalNs);
                    producer.send(new ProducerRecord(topic, null, null, value, List.of(), 0L)).whenComplete((m, e) -> {
                        if (e != null) {
                            failure.compareAndSet(null, e);
                        } else {
                            produced.incrementAndGet();
                            Integer index = indexOf.get(m.partition());
                            if (index != null) {
                                ackedEnd[index].accumulateAndGet(m.offset() + 1, Math::max);
                                LockSupport.unpark(readerThreads[index]);
                            }
                        }
                    });
                }
            }, "bench-fetch-sender");
            List<Thread> readers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            for (int i = 0; i < parts.size(); i++) {
                int index = i;
                Thread reader = new Thread(() -> {
                    long offset = from[index];
                    int partition = parts.get(index).partition();
                    while (failure.get() == null && !stop.get()) {
                        if (ackedEnd[index].get() <= offset) {
                            // woken by the acknowledgement that moves ackedEnd (the timeout only bounds a lost wake-up)
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                            continue;
                        }
                        long t0 = System.nanoTime();
                        io.rafka.proto.v1.FetchResponse r;
                        try {
                            r = stub.withDeadlineAfter(10, TimeUnit.SECONDS).fetch(io.rafka.proto.v1.FetchRequest.newBuilder()
                                    .setTopic(topic).setPartition(partition).setOffset(offset).setMaxWaitMs(0)
                                    .setMaxBytes(fetchBytes).build());
                        } catch (RuntimeException e) {
                            failure.compareAndSet(null, e);
                            return;
                        }
                        long t1 = System.nanoTime();
                        if (r.getBatches().isEmpty()) {
                            continue;
                        }
                        long first = offset;
                        long[] count = {0};
                        io.rafka.record.RecordBatch.forEach(r.getBatches().asReadOnlyByteBuffer(), b -> {
                            count[0] += Math.max(0, b.nextOffset() - Math.max(first, b.baseOffset()));
                        });
                        long before = fetched.getAndAdd(count[0]);
                        fetchedBytes.addAndGet(r.getBatches().size());
                        if (before >= warmup) {
                            latency.recordValue(Math.max(1, (t1 - t0) / 1000));
                        }
                        offset = r.getNextOffset();
                    }
                }, "bench-fetch-" + i);
                readerThreads[i] = reader;
                reader.start();
                readers.add(reader);
            }
            sender.start();
            sender.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (fetched.get() < produced.get() && failure.get() == null && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            stop.set(true);
            for (Thread r : readers) {
                r.join(15_000);
            }
            result = progress.finish();
            progress.close();
        } finally {
            io.rafka.client.internal.Channels.close(channel);
        }
        if (failure.get() != null) {
            System.err.println("rafka bench: fetch failed after " + fetched.get() + " records: " + RafkaCli.message(failure.get()));
            return 1;
        }
        long elapsed = System.nanoTime() - start;
        long[] gcAfter = clientGc();
        // the client's own collections stop its readers too: they are part of every latency figure
        out.printf(Locale.ROOT, "client gc collections=%d time_ms=%d%n", gcAfter[0] - gcBefore[0], gcAfter[1] - gcBefore[1]);
        double[] cacheAfter = cacheCounters();
        if (cacheBefore != null && cacheAfter != null) {
            double hits = cacheAfter[0] - cacheBefore[0];
            double misses = cacheAfter[1] - cacheBefore[1];
            out.printf(Locale.ROOT, "cache hits=%.0f misses=%.0f hit_rate=%.1f%%%n", hits, misses,
                    hits + misses == 0 ? 0.0 : 100.0 * hits / (hits + misses));
        }
        summary(label, Math.min(fetched.get(), produced.get()), fetchedBytes.get(), elapsed, result);
        return 0;
    }

    /** Collections and milliseconds spent collecting in this JVM so far, over all its collectors. */
    private static long[] clientGc() {
        long count = 0;
        long ms = 0;
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, gc.getCollectionCount());
            ms += Math.max(0, gc.getCollectionTime());
        }
        return new long[] {count, ms};
    }

    /** rafka_cache_hits and rafka_cache_misses from --metrics-url, or null without one. */
    private double[] cacheCounters() {
        if (metricsUrl == null) {
            return null;
        }
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(metricsUrl)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            double[] v = new double[2];
            for (String line : body.split("\n")) {
                if (line.startsWith("rafka_cache_hits_total")) {
                    v[0] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("rafka_cache_misses_total")) {
                    v[1] += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return v;
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read --metrics-url " + metricsUrl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading --metrics-url", e);
        }
    }

    // ---- reporting ----

    private void summary(String label, long count, long bytes, long elapsedNanos, Histogram latencyMicros) {
        double seconds = elapsedNanos / 1e9;
        out.printf(Locale.ROOT, "bench %s records/s=%.0f MB/s=%.2f p50_ms=%s p99_ms=%s p999_ms=%s max_ms=%s%n", label,
                count / seconds, bytes / seconds / (1024 * 1024),
                ms(latencyMicros, 50), ms(latencyMicros, 99), ms(latencyMicros, 99.9),
                latencyMicros == null || latencyMicros.getTotalCount() == 0 ? "NA"
                        : String.format(Locale.ROOT, "%.2f", latencyMicros.getMaxValue() / 1000.0));
        out.flush();
    }

    private static String ms(Histogram h, double percentile) {
        if (h == null || h.getTotalCount() == 0) {
            return "NA";
        }
        return String.format(Locale.ROOT, "%.2f", h.getValueAtPercentile(percentile) / 1000.0);
    }

    /** Prints a progress line every --report-interval-ms and accumulates the latency histogram. */
    private final class Progress implements AutoCloseable {
        private final String label;
        private final AtomicLong counter;
        private final Recorder recorder;
        private final Histogram total;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-progress");
            t.setDaemon(true);
            return t;
        });
        private long lastCount;
        private long lastNanos;
        private Histogram interval;

        Progress(String label, AtomicLong counter, Recorder recorder, Histogram total, long start) {
            this.label = label;
            this.counter = counter;
            this.recorder = recorder;
            this.total = total;
            this.lastNanos = start;
            timer.scheduleAtFixedRate(this::report, reportIntervalMs, reportIntervalMs, TimeUnit.MILLISECONDS);
        }

        private synchronized void report() {
            long now = System.nanoTime();
            long count = counter.get();
            double secs = (now - lastNanos) / 1e9;
            String lat = "";
            if (recorder != null) {
                interval = recorder.getIntervalHistogram(interval);
                total.add(interval);
                lat = String.format(Locale.ROOT, " p50_ms=%s p99_ms=%s max_ms=%s", ms(interval, 50), ms(interval, 99),
                        interval.getTotalCount() == 0 ? "NA" : String.format(Locale.ROOT, "%.2f", interval.getMaxValue() / 1000.0));
            }
            System.err.printf(Locale.ROOT, "progress %s records=%d records/s=%.0f MB/s=%.2f%s%n", label, count,
                    (count - lastCount) / secs, (count - lastCount) * (double) recordSize / secs / (1024 * 1024), lat);
            lastCount = count;
            lastNanos = now;
        }

        /** Stops reporting and returns every latency recorded (null when latency does not apply). */
        synchronized Histogram finish() {
            timer.shutdownNow();
            if (recorder == null) {
                return null;
            }
            interval = recorder.getIntervalHistogram(interval);
            total.add(interval);
            return total;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
