package io.rafka.storage.scylla;

import static io.rafka.storage.scylla.ScyllaLogIT.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CQL server goes away under a running log and comes back: stopped and restarted for real
 * (the local Cassandra that {@link CqlServerExtension} runs). Appends during the outage fail with
 * {@link StorageUnavailableException}, nothing unacknowledged is ever readable, and the same log
 * instance appends again once the server is back.
 */
@ExtendWith(CqlServerExtension.class)
class ScyllaOutageIT {
    private final CqlEndpoint endpoint;

    ScyllaOutageIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Test
    void appendsFailWhileTheServerIsDownAndResumeWithoutReopeningWhenItIsBack() throws Exception {
        assumeTrue(endpoint.canStopAndStart(), "needs a CQL server that this JVM can stop and start");
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("outage"))
                .bucketOffsets(50)
                .requestTimeout(Duration.ofSeconds(2))
                .build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            PartitionLog log = await(engine.open(new PartitionId("outage", 0), new LogConfig(-1, -1, 256 * 1024)));
            Set<Integer> acked = new ConcurrentSkipListSet<>();
            Set<Integer> failed = new ConcurrentSkipListSet<>();
            List<Throwable> otherErrors = new ArrayList<>();
            AtomicInteger sequence = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);

            // A producer that keeps 8 appends in flight; each batch carries its sequence number.
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                List<CompletableFuture<Appended>> window = new ArrayList<>();
                List<Integer> seqs = new ArrayList<>();
                while (running.get()) {
                    int seq = sequence.getAndIncrement();
                    window.add(log.append(batch(seq), 1, Durability.DURABLE).toCompletableFuture());
                    seqs.add(seq);
                    if (window.size() == 8) {
                        settle(window.remove(0), seqs.remove(0), acked, failed, otherErrors);
                    }
                }
                while (!window.isEmpty()) {
                    settle(window.remove(0), seqs.remove(0), acked, failed, otherErrors);
                }
            });
            awaitCondition(() -> acked.size() >= 200, Duration.ofSeconds(30), "200 appends before the outage");

            endpoint.stopServer();
            awaitCondition(() -> failed.size() >= 20, Duration.ofSeconds(30), "appends failing during the outage");
            running.set(false);
            producer.get(60, TimeUnit.SECONDS);
            assertThat(otherErrors).isEmpty();

            // While the server is down an append fails, and fast: no node is reachable.
            long t0 = System.nanoTime();
            Throwable down = ScyllaLogIT.awaitFailure(log.append(batch(-1), 1, Durability.DURABLE));
            assertThat(down).isInstanceOf(StorageUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            long endDuringOutage = log.logEndOffset();
            assertThat(endDuringOutage).isEqualTo(acked.size());

            endpoint.startServer();
            // The same log instance appends again once the driver has reconnected.
            // A sequence number of its own: appends fail fast while no node is reachable, so the
            // producer gets through hundreds of thousands of them during the outage.
            int recoveredSeq = sequence.getAndIncrement();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Appended first = null;
            while (first == null) {
                assertThat(System.nanoTime()).as("no successful append within 60 s of the restart").isLessThan(deadline);
                try {
                    first = log.append(batch(recoveredSeq), 1, Durability.DURABLE).toCompletableFuture().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(StorageUnavailableException.class);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(250));
                }
            }
            assertThat(first.baseOffset()).as("offsets continue right after the last acknowledged one")
                    .isEqualTo(endDuringOutage);
            acked.add(recoveredSeq);

            // Exactly the acknowledged batches are stored, densely, in order of their offsets.
            List<Integer> storedSeqs = new ArrayList<>();
            long next = 0;
            while (next < log.logEndOffset()) {
                LogSlice slice = await(log.read(next, 1 << 20));
                List<RecordBatch> batches = RecordBatch.split(slice.batches());
                assertThat(batches).isNotEmpty();
                for (RecordBatch b : batches) {
                    assertThat(b.baseOffset()).isEqualTo(next);
                    assertThat(b.isCrcValid()).isTrue();
                    storedSeqs.add(seqOf(b));
                    next = b.nextOffset();
                }
            }
            assertThat(new TreeSet<>(storedSeqs)).containsExactlyElementsOf(new TreeSet<>(acked));
            assertThat(storedSeqs).hasSameSizeAs(acked).doesNotContainAnyElementsOf(failed);
            assertThat(failed).isNotEmpty();
        }
    }

    private static void settle(CompletableFuture<Appended> f, int seq, Set<Integer> acked, Set<Integer> failed,
                               List<Throwable> otherErrors) {
        try {
            f.get(30, TimeUnit.SECONDS);
            acked.add(seq);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageUnavailableException) {
                failed.add(seq);
            } else {
                otherErrors.add(e.getCause());
            }
        } catch (TimeoutException | InterruptedException e) {
            otherErrors.add(e);
        }
    }

    private static void awaitCondition(java.util.function.BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private static ByteBuffer batch(int seq) {
        RecordBatchBuilder b = new RecordBatchBuilder(128);
        b.append(System.currentTimeMillis(), ("seq").getBytes(StandardCharsets.UTF_8),
                Integer.toString(seq).getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.wrap(b.build());
    }

    private static int seqOf(RecordBatch b) {
        Record r = b.records().get(0);
        return Integer.parseInt(new String(r.value(), StandardCharsets.UTF_8));
    }
}
