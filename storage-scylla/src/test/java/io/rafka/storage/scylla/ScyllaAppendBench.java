package io.rafka.storage.scylla;

import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.cql.LocalCqlServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw append throughput of {@link ScyllaLogEngine} against a real CQL server, DURABLE appends
 * (the ack level ALL maps to). Not a test: run it by hand, e.g.
 *
 * <pre>
 * mvn -q -o -pl storage-scylla dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/cp.txt
 * java -cp storage-scylla/target/test-classes:storage-scylla/target/classes:$(cat /tmp/cp.txt) \
 *     io.rafka.storage.scylla.ScyllaAppendBench record-bytes=100 batch-bytes=65536 partitions=4 seconds=20
 * </pre>
 *
 * Without {@code contact-point=host:port} it starts a local Cassandra in {@code target/cql-bench}
 * and stops it at the end. It prints one line per run with records/s, MB/s and the CPU seconds
 * used by this JVM and by the CQL server, to show where the time goes.
 */
public final class ScyllaAppendBench {
    private ScyllaAppendBench() {
    }

    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> opts = new java.util.HashMap<>();
        for (String a : args) {
            int eq = a.indexOf('=');
            opts.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int recordBytes = Integer.parseInt(opts.getOrDefault("record-bytes", "100"));
        int batchBytes = Integer.parseInt(opts.getOrDefault("batch-bytes", "65536"));
        int partitions = Integer.parseInt(opts.getOrDefault("partitions", "4"));
        int seconds = Integer.parseInt(opts.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
        int window = Integer.parseInt(opts.getOrDefault("window", "16"));
        int inFlight = Integer.parseInt(opts.getOrDefault("max-in-flight-writes", "2"));
        int groupBytes = Integer.parseInt(opts.getOrDefault("write-group-bytes", Integer.toString(1 << 20)));
        String consistency = opts.getOrDefault("consistency", "LOCAL_QUORUM");

        LocalCqlServer server = null;
        String contactPoint = opts.get("contact-point");
        long serverPid;
        if (contactPoint == null) {
            Path work = Path.of("target", "cql-bench").toAbsolutePath();
            LocalCqlServer.stop(work, Duration.ofSeconds(15));
            deleteTree(work);
            server = LocalCqlServer.builder(work).heap(opts.getOrDefault("heap", "1g")).build().start();
            contactPoint = "127.0.0.1:" + server.nativePort();
            serverPid = server.pid();
        } else {
            serverPid = Long.parseLong(opts.getOrDefault("server-pid", "-1"));
        }
        ScyllaConfig config = ScyllaConfig.builder()
                .contactPoints(List.of(contactPoint))
                .localDatacenter(opts.getOrDefault("dc", "datacenter1"))
                .keyspace("bench_" + System.currentTimeMillis())
                .replicationFactor(1)
                .writeConsistency(consistency)
                .maxInFlightWrites(inFlight)
                .writeGroupBytes(groupBytes)
                .requestTimeout(Duration.ofSeconds(10))
                .build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            List<PartitionLog> logs = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                logs.add(engine.open(new PartitionId("bench", p), LogConfig.defaults()).toCompletableFuture().get());
            }
            byte[] template = template(recordBytes, batchBytes);
            int recordsPerBatch = RecordBatch.wrap(template).recordCount();
            run(logs, template, recordsPerBatch, window, warmup);
            long[] cpuBefore = {cpuTicks(ProcessHandle.current().pid()), cpuTicks(serverPid)};
            AtomicLong[] counters = run(logs, template, recordsPerBatch, window, seconds);
            long records = counters[0].get();
            long batches = counters[1].get();
            double secs = seconds;
            long[] cpuAfter = {cpuTicks(ProcessHandle.current().pid()), cpuTicks(serverPid)};
            System.out.printf(Locale.ROOT, "scylla-append record_bytes=%d batch_bytes=%d records_per_batch=%d partitions=%d"
                            + " window=%d max_in_flight_writes=%d write_group_bytes=%d consistency=%s: %,.0f records/s"
                            + " %.1f MB/s %,.0f batches/s p50_ms=%.1f p99_ms=%.1f cpu_client_s=%.1f cpu_server_s=%.1f%n",
                    recordBytes, template.length, recordsPerBatch, partitions, window, inFlight, groupBytes, consistency,
                    records / secs, batches * (double) template.length / secs / 1e6, batches / secs,
                    percentile(0.50), percentile(0.99),
                    (cpuAfter[0] - cpuBefore[0]) / 100.0, serverPid > 0 ? (cpuAfter[1] - cpuBefore[1]) / 100.0 : -1.0);
        } finally {
            if (server != null) {
                server.stop();
            }
        }
    }

    private static final List<Long> LATENCIES = new ArrayList<>();

    private static double percentile(double q) {
        synchronized (LATENCIES) {
            if (LATENCIES.isEmpty()) {
                return 0;
            }
            long[] sorted = LATENCIES.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
        }
    }

    /** Appends from one thread per partition, {@code window} appends outstanding each, for {@code seconds}. */
    private static AtomicLong[] run(List<PartitionLog> logs, byte[] template, int recordsPerBatch, int window, int seconds)
            throws Exception {
        AtomicLong records = new AtomicLong();
        AtomicLong batches = new AtomicLong();
        synchronized (LATENCIES) {
            LATENCIES.clear();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<CompletableFuture<Void>> producers = new ArrayList<>();
        for (PartitionLog log : logs) {
            producers.add(CompletableFuture.runAsync(() -> {
                Semaphore permits = new Semaphore(window);
                List<Long> mine = new ArrayList<>();
                while (System.nanoTime() < deadline) {
                    permits.acquireUninterruptibly();
                    long t0 = System.nanoTime();
                    log.append(ByteBuffer.wrap(template.clone()), 1, Durability.DURABLE).whenComplete((a, e) -> {
                        if (e == null) {
                            records.addAndGet(recordsPerBatch);
                            batches.incrementAndGet();
                            synchronized (mine) {
                                mine.add(System.nanoTime() - t0);
                            }
                        } else {
                            System.err.println("append failed: " + e);
                        }
                        permits.release();
                    });
                }
                permits.acquireUninterruptibly(window);
                synchronized (LATENCIES) {
                    synchronized (mine) {
                        LATENCIES.addAll(mine);
                    }
                }
            }, r -> new Thread(r, "bench-producer").start()));
        }
        for (CompletableFuture<Void> p : producers) {
            p.get();
        }
        return new AtomicLong[] {records, batches};
    }

    static byte[] template(int recordBytes, int batchBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(batchBytes + 1024);
        byte[] value = new byte[recordBytes];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) ('a' + i % 26);
        }
        long now = System.currentTimeMillis();
        while (b.sizeInBytes() + b.sizeOfRecord(now, null, value, List.of()) <= batchBytes) {
            b.append(now, null, value);
        }
        return b.build();
    }

    /** utime + stime of a process in clock ticks (1/100 s), or 0 when unknown. */
    static long cpuTicks(long pid) {
        if (pid <= 0) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
