package io.rafka.cache;

import io.rafka.testkit.Poll;

import static io.rafka.cache.TestBatches.batch;
import static io.rafka.cache.TestBatches.key;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What every {@link BatchCache} on a real server must do. Each implementation runs it against
 * its own server, started on a free port for the class ({@code RedisBatchCacheIT},
 * {@code MemcachedBatchCacheIT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BatchCacheContract {
    static final String CLUSTER = "it";
    static final Duration TIMEOUT = Duration.ofMillis(250);
    /** How much later than the timeout a call may complete on a loaded 2-core machine. */
    static final Duration SLACK = Duration.ofMillis(500);

    protected CacheServer server;
    protected BatchCache cache;
    protected LogCapture logs;

    abstract CacheConfig.Kind kind();

    @BeforeAll
    void startServer() {
        server = CacheServer.start(kind());
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void openCache() {
        logs = new LogCapture();
        cache = open(Duration.ofMinutes(5), 1_000_000, TIMEOUT, 4, 256);
    }

    @AfterEach
    void closeCache() {
        server.resume();
        cache.close();
        logs.close();
    }

    BatchCache open(Duration ttl, int maxValueBytes, Duration timeout, int threads, int queueSize) {
        if (cache != null) {
            cache.close();
        }
        cache = BatchCache.open(new CacheConfig(kind(), CLUSTER, "127.0.0.1", server.port(), ttl,
                maxValueBytes, timeout, threads, queueSize, Duration.ofMillis(200), Duration.ZERO, 0));
        return cache;
    }

    @Test
    void putThenGetReturnsIdenticalBytes() {
        byte[] small = batch(100, 3);
        byte[] large = randomBatch(5_000, 3, 200, 2_000);

        join(cache.put(key(3, 100), ByteBuffer.wrap(small)));
        join(cache.put(key(3, 5_000), ByteBuffer.wrap(large)));

        assertThat(join(cache.get(key(3, 100)))).map(TestBatches::toArray).hasValue(small);
        assertThat(join(cache.get(key(3, 5_000)))).map(TestBatches::toArray).hasValue(large);
        CacheMetrics m = cache.metrics();
        assertThat(m.puts()).isEqualTo(2);
        assertThat(m.hits()).isEqualTo(2);
        assertThat(m.errors()).isZero();
        assertThat(m.up()).isTrue();
    }

    @Test
    void putLeavesTheCallersBufferAsItWas() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1000);
        byte[] b = batch(7, 1);
        buffer.position(10);
        buffer.put(b);
        buffer.position(10).limit(10 + b.length);

        join(cache.put(key(1, 7), buffer));

        assertThat(buffer.position()).isEqualTo(10);
        assertThat(buffer.limit()).isEqualTo(10 + b.length);
        assertThat(join(cache.get(key(1, 7)))).map(TestBatches::toArray).hasValue(b);
    }

    @Test
    void aMissingKeyMisses() {
        assertThat(join(cache.get(key(3, 999_999)))).isEmpty();
        assertThat(cache.metrics().misses()).isEqualTo(1);
        assertThat(cache.metrics().corrupt()).isZero();
    }

    @Test
    void aValueThatBelongsToAnotherOffsetOrEpochIsNeverReturned() {
        byte[] flipped = batch(400, 1);
        flipped[flipped.length - 2] ^= 0x01;
        server.rawSet(key(1, 100).render(CLUSTER), batch(105, 1));
        server.rawSet(key(1, 200).render(CLUSTER), batch(200, 2));
        server.rawSet(key(1, 300).render(CLUSTER), "not a batch at all".getBytes());
        server.rawSet(key(1, 400).render(CLUSTER), flipped);

        assertThat(join(cache.get(key(1, 100)))).isEmpty();
        assertThat(join(cache.get(key(1, 200)))).isEmpty();
        assertThat(join(cache.get(key(1, 300)))).isEmpty();
        assertThat(join(cache.get(key(1, 400)))).isEmpty();
        assertThat(join(cache.getAll(List.of(key(1, 100), key(1, 200))))).containsExactly(Optional.empty(), Optional.empty());

        CacheMetrics m = cache.metrics();
        assertThat(m.hits()).isZero();
        assertThat(m.corrupt()).isEqualTo(6);
        assertThat(m.misses()).isEqualTo(6);
        assertThat(logs.messages(Level.WARN, "not the batch the key names")).hasSize(1);
    }

    @Test
    void getAllReadsSeveralBatchesInOneCallInKeyOrder() {
        byte[] first = batch(0, 2);
        byte[] third = batch(10, 2);
        join(cache.put(key(2, 0), ByteBuffer.wrap(first)));
        join(cache.put(key(2, 10), ByteBuffer.wrap(third)));

        List<Optional<ByteBuffer>> got = join(cache.getAll(List.of(key(2, 0), key(2, 5), key(2, 10))));

        assertThat(got).hasSize(3);
        assertThat(got.get(0)).map(TestBatches::toArray).hasValue(first);
        assertThat(got.get(1)).isEmpty();
        assertThat(got.get(2)).map(TestBatches::toArray).hasValue(third);
        assertThat(cache.metrics().hits()).isEqualTo(2);
        assertThat(cache.metrics().misses()).isEqualTo(1);
    }

    @Test
    void aChainOfBatchesCanBeFollowedFromTheFirstKey() {
        long offset = 1_000;
        for (int i = 0; i < 5; i++) {
            byte[] b = batch(offset, 4, 3 + i, 50);
            join(cache.put(key(4, offset), ByteBuffer.wrap(b)));
            offset += 3 + i;
        }

        CachedBatchKey next = key(4, 1_000);
        int batches = 0;
        for (Optional<ByteBuffer> b = join(cache.get(next)); b.isPresent(); b = join(cache.get(next))) {
            RecordBatch batch = RecordBatch.wrap(b.get());
            assertThat(batch.baseOffset()).isEqualTo(next.baseOffset());
            next = next.next(batch.recordCount());
            batches++;
        }

        assertThat(batches).isEqualTo(5);
        assertThat(next.baseOffset()).isEqualTo(offset);
    }

    @Test
    void entriesExpireAfterTheTtl() {
        open(Duration.ofSeconds(1), 1_000_000, TIMEOUT, 2, 64);
        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        assertThat(join(cache.get(key(1, 0)))).isPresent();

        Poll.until(Duration.ofSeconds(10), "entry expired", () -> join(cache.get(key(1, 0))).isEmpty());
    }

    @Test
    void oversizeValuesAreSkipped() {
        open(Duration.ofMinutes(5), 4096, TIMEOUT, 2, 64);
        byte[] big = batch(0, 1, 40, 200);

        join(cache.put(key(1, 0), ByteBuffer.wrap(big)));

        assertThat(big.length).isGreaterThan(4096);
        assertThat(cache.metrics().skippedOversize()).isEqualTo(1);
        assertThat(cache.metrics().puts()).isZero();
        assertThat(server.rawExists(key(1, 0).render(CLUSTER))).isFalse();
        assertThat(join(cache.get(key(1, 0)))).isEmpty();
    }

    @Test
    void concurrentGetsAndPutsFromSeveralThreadsAllSeeTheirOwnBatches() throws Exception {
        int threads = 4;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int epoch = 10 + t;
                results.add(pool.submit(() -> {
                    int hits = 0;
                    for (int i = 0; i < perThread; i++) {
                        byte[] b = batch(i * 5L, epoch);
                        join(cache.put(key(epoch, i * 5L), ByteBuffer.wrap(b)));
                        Optional<ByteBuffer> got = join(cache.get(key(epoch, i * 5L)));
                        if (got.isPresent()) {
                            assertThat(TestBatches.toArray(got.get())).isEqualTo(b);
                            hits++;
                        }
                    }
                    return hits;
                }));
            }
            for (Future<Integer> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).isEqualTo(perThread);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.metrics().errors()).isZero();
        assertThat(cache.metrics().corrupt()).isZero();
    }

    @Test
    void aFullQueueCompletesCallsAtOnceAsSkipped() {
        open(Duration.ofMinutes(5), 1_000_000, Duration.ofSeconds(5), 1, 1);
        server.pause();
        try {
            CompletableFuture<Optional<ByteBuffer>> running = cache.get(key(1, 0)).toCompletableFuture();
            CompletableFuture<Optional<ByteBuffer>> queued = cache.get(key(1, 0)).toCompletableFuture();

            CompletableFuture<Optional<ByteBuffer>> rejected = cache.get(key(1, 0)).toCompletableFuture();
            CompletableFuture<Void> rejectedPut = cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture();

            assertThat(rejected).isCompletedWithValue(Optional.empty());
            assertThat(rejectedPut).isCompleted();
            assertThat(running).isNotDone();
            assertThat(queued).isNotDone();
            assertThat(cache.metrics().skippedBusy()).isEqualTo(2);
        } finally {
            server.resume();
        }
    }

    @Test
    void aHungServerIsAnsweredWithinTheTimeoutAndUsedAgainOnceItAnswers() {
        byte[] b = batch(0, 1);
        join(cache.put(key(1, 0), ByteBuffer.wrap(b)));
        server.pause();

        long start = System.nanoTime();
        Optional<ByteBuffer> got = join(cache.get(key(1, 0)));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(got).isEmpty();
        assertThat(took).isLessThan(TIMEOUT.plus(SLACK));
        assertThat(cache.metrics().timeouts()).isEqualTo(1);
        assertThat(cache.isAvailable()).isFalse();
        assertThat(logs.messages(Level.WARN, "is down")).hasSize(1);

        server.resume();
        Poll.until(Duration.ofSeconds(15), "hits resume", () -> join(cache.get(key(1, 0))).isPresent());
        assertThat(logs.messages(Level.INFO, "is back")).hasSize(1);
    }

    @Test
    void killingTheServerFailsNoCallAndARestartedServerIsUsedAgain() {
        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        assertThat(join(cache.get(key(1, 0)))).isPresent();
        long hitsBefore = cache.metrics().hits();

        server.kill();
        for (int i = 0; i < 100; i++) {
            long start = System.nanoTime();
            Optional<ByteBuffer> got = join(cache.get(key(1, 0)));
            join(cache.put(key(1, 5L * (i + 1)), ByteBuffer.wrap(batch(5L * (i + 1), 1))));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TIMEOUT.plus(SLACK));
            assertThat(got).isEmpty();
        }

        CacheMetrics down = cache.metrics();
        assertThat(down.up()).isFalse();
        assertThat(down.hits()).isEqualTo(hitsBefore);
        assertThat(down.skippedDown()).isGreaterThan(100);
        assertThat(down.downTransitions()).isEqualTo(1);
        assertThat(logs.messages(Level.WARN, "is down")).hasSize(1);

        server.restart();
        byte[] fresh = batch(1_000, 1);
        Poll.until(Duration.ofSeconds(15), "hits resume after the restart", () -> {
            join(cache.put(key(1, 1_000), ByteBuffer.wrap(fresh)));
            return join(cache.get(key(1, 1_000))).isPresent();
        });
        assertThat(join(cache.get(key(1, 1_000)))).map(TestBatches::toArray).hasValue(fresh);
        assertThat(logs.messages(Level.INFO, "is back")).hasSize(1);
        assertThat(logs.messages(Level.WARN, "is down")).hasSize(1);
    }

    static <T> T join(CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(30, TimeUnit.SECONDS).join();
    }

    private static byte[] randomBatch(long baseOffset, int epoch, int records, int valueBytes) {
        SplittableRandom random = new SplittableRandom(42);
        RecordBatchBuilder b = new RecordBatchBuilder(records * (valueBytes + 32));
        for (int i = 0; i < records; i++) {
            byte[] value = new byte[valueBytes];
            random.nextBytes(value);
            b.append(1_700_000_000_000L + i, null, value);
        }
        byte[] bytes = b.build();
        RecordBatch batch = RecordBatch.wrap(bytes);
        batch.setBaseOffset(baseOffset);
        batch.setWriterEpoch(epoch);
        return bytes;
    }
}
