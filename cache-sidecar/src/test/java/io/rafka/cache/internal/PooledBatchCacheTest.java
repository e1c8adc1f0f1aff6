package io.rafka.cache.internal;

import io.rafka.testkit.Poll;

import static io.rafka.cache.TestBatches.batch;
import static io.rafka.cache.TestBatches.key;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.rafka.cache.CacheConfig;
import io.rafka.cache.CacheMetrics;
import io.rafka.cache.CachedBatchKey;
import io.rafka.cache.LogCapture;
import io.rafka.cache.TestBatches;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shared machinery (pool, timeout, down/up, verification, counters) against an in-memory
 * store whose behaviour each test sets. The real servers are exercised by the *IT contract.
 */
class PooledBatchCacheTest {
    private final LogCapture logs = new LogCapture();
    private FakeCache cache;

    @AfterEach
    void tearDown() {
        if (cache != null) {
            cache.release();
            cache.close();
        }
        logs.close();
    }

    @Test
    void putThenGetReturnsTheSameBytes() {
        cache = new FakeCache(config(1000, 4, 16));
        byte[] b = batch(100, 7);

        join(cache.put(key(7, 100), ByteBuffer.wrap(b)));

        assertThat(join(cache.get(key(7, 100)))).map(TestBatches::toArray).hasValue(b);
        assertThat(join(cache.get(key(7, 105)))).isEmpty();
        CacheMetrics m = cache.metrics();
        assertThat(m.puts()).isEqualTo(1);
        assertThat(m.hits()).isEqualTo(1);
        assertThat(m.misses()).isEqualTo(1);
        assertThat(m.latency().count()).isEqualTo(3);
    }

    @Test
    void aValueThatIsNotTheKeysBatchIsAMissCountedAsCorrupt() {
        cache = new FakeCache(config(1000, 4, 16));
        cache.store.put(key(7, 100).render("test"), batch(105, 7));
        cache.store.put(key(7, 200).render("test"), batch(200, 6));

        assertThat(join(cache.get(key(7, 100)))).isEmpty();
        assertThat(join(cache.get(key(7, 200)))).isEmpty();

        assertThat(cache.metrics().corrupt()).isEqualTo(2);
        assertThat(cache.metrics().misses()).isEqualTo(2);
        assertThat(logs.messages(Level.WARN, "not the batch the key names")).hasSize(1);
    }

    @Test
    void getAllAnswersEachKeyInOrder() {
        cache = new FakeCache(config(1000, 4, 16));
        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        join(cache.put(key(1, 10), ByteBuffer.wrap(batch(10, 1))));
        cache.store.put(key(1, 20).render("test"), batch(0, 1));

        List<Optional<ByteBuffer>> got = join(cache.getAll(List.of(key(1, 0), key(1, 5), key(1, 10), key(1, 20))));

        assertThat(got).extracting(Optional::isPresent).containsExactly(true, false, true, false);
        assertThat(TestBatches.toArray(got.get(2).orElseThrow())).isEqualTo(batch(10, 1));
        assertThat(cache.metrics().hits()).isEqualTo(2);
        assertThat(cache.metrics().misses()).isEqualTo(2);
        assertThat(cache.metrics().corrupt()).isEqualTo(1);
    }

    @Test
    void oversizeValuesAreSkipped() {
        cache = new FakeCache(new CacheConfig(CacheConfig.Kind.REDIS, "test", "127.0.0.1", 1,
                Duration.ofMinutes(1), 1000, Duration.ofSeconds(1), 1, 1, Duration.ofMillis(20), Duration.ZERO, 0));

        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1, 20, 100))));

        assertThat(cache.store).isEmpty();
        assertThat(cache.metrics().skippedOversize()).isEqualTo(1);
    }

    @Test
    void aFullQueueCompletesCallsAtOnceAsSkipped() throws Exception {
        cache = new FakeCache(config(10_000, 1, 1));
        cache.block();
        CompletableFuture<Optional<ByteBuffer>> running = cache.get(key(1, 0)).toCompletableFuture();
        assertThat(cache.entered.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Optional<ByteBuffer>> queued = cache.get(key(1, 0)).toCompletableFuture();

        CompletableFuture<Optional<ByteBuffer>> rejected = cache.get(key(1, 0)).toCompletableFuture();
        CompletableFuture<Void> rejectedPut = cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture();

        assertThat(rejected).isCompletedWithValue(Optional.empty());
        assertThat(rejectedPut).isCompleted();
        assertThat(running).isNotDone();
        assertThat(queued).isNotDone();
        assertThat(cache.metrics().skippedBusy()).isEqualTo(2);
        cache.release();
        assertThat(join(running)).isEmpty();
        assertThat(join(queued)).isEmpty();
        assertThat(cache.isAvailable()).isTrue();
    }

    @Test
    void putsArrivingDuringAWriteGoOutTogetherInTheNextOne() throws Exception {
        cache = new FakeCache(config(10_000, 4, 1000));
        cache.block();
        CompletableFuture<Void> first = cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture();
        assertThat(cache.entered.await(5, TimeUnit.SECONDS)).isTrue();
        List<CompletableFuture<Void>> waiting = new java.util.ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            waiting.add(cache.put(key(1, i * 10L), ByteBuffer.wrap(batch(i * 10L, 1))).toCompletableFuture());
        }
        assertThat(waiting).as("nothing completes before its write").noneMatch(CompletableFuture::isDone);
        assertThat(first).isNotDone();

        cache.release();
        join(first);
        waiting.forEach(PooledBatchCacheTest::join);

        assertThat(cache.store).hasSize(101);
        assertThat(cache.writes.get()).as("1 + 100 puts in writes of at most %d", PooledBatchCache.MAX_PUTS_PER_WRITE)
                .isEqualTo(3);
        assertThat(cache.metrics().puts()).isEqualTo(101);
        assertThat(cache.metrics().writes()).isEqualTo(3);
        for (int i = 0; i <= 100; i++) {
            assertThat(join(cache.get(key(1, i * 10L)))).as("batch %d", i).isPresent();
        }
    }

    @Test
    void withTheInProcessTierOnPutsLingerAndGoOutInOneWrite() {
        cache = new FakeCache(lingering(Duration.ofSeconds(1)));
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            puts.add(cache.put(key(1, i * 10L), ByteBuffer.wrap(batch(i * 10L, 1))).toCompletableFuture());
        }

        puts.forEach(PooledBatchCacheTest::join);

        assertThat(cache.writes.get()).as("5 puts within the linger").isEqualTo(1);
        assertThat(cache.store).hasSize(5);
        assertThat(cache.metrics().puts()).isEqualTo(5);
        assertThat(cache.metrics().writes()).isEqualTo(1);
    }

    @Test
    void aWritesWorthOfPutsGoesOutWithoutWaitingForTheLinger() {
        cache = new FakeCache(lingering(Duration.ofSeconds(1)));
        List<CompletableFuture<Void>> puts = new ArrayList<>();
        for (int i = 0; i <= PooledBatchCache.MAX_PUTS_PER_WRITE; i++) {
            puts.add(cache.put(key(1, i * 10L), ByteBuffer.wrap(batch(i * 10L, 1))).toCompletableFuture());
        }

        join(puts.get(PooledBatchCache.MAX_PUTS_PER_WRITE - 1));
        assertThat(cache.writes.get()).isEqualTo(1);
        assertThat(cache.store).hasSize(PooledBatchCache.MAX_PUTS_PER_WRITE);
        assertThat(puts.get(PooledBatchCache.MAX_PUTS_PER_WRITE)).as("the one over still lingers").isNotDone();
        join(puts.get(PooledBatchCache.MAX_PUTS_PER_WRITE));
        assertThat(cache.writes.get()).isEqualTo(2);
        assertThat(cache.store).hasSize(PooledBatchCache.MAX_PUTS_PER_WRITE + 1);
    }

    @Test
    void putsStillLingeringWhenTheCacheClosesCompleteAsSkipped() {
        cache = new FakeCache(lingering(Duration.ofSeconds(1)));
        CompletableFuture<Void> put = cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture();
        assertThat(put).isNotDone();

        cache.close();

        assertThat(put).isDone();
        assertThat(cache.store).isEmpty();
        assertThat(cache.metrics().puts()).isZero();
    }

    @Test
    void putsBeyondTheQueueWhileAWriteIsInFlightAreSkippedAsBusy() throws Exception {
        cache = new FakeCache(config(10_000, 2, 5));
        cache.block();
        CompletableFuture<Void> first = cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture();
        assertThat(cache.entered.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 8; i++) {
            cache.put(key(1, i * 10L), ByteBuffer.wrap(batch(i * 10L, 1)));
        }
        assertThat(cache.metrics().skippedBusy()).isEqualTo(3);
        cache.release();
        join(first);
        Poll.until(java.time.Duration.ofSeconds(10), "the waiting puts written", () -> cache.metrics().puts() == 6);
        assertThat(cache.store).hasSize(6);
    }

    @Test
    void aSlowCallIsAnsweredByTheTimeoutAndTheCacheRecoversByItself() {
        cache = new FakeCache(config(50, 2, 16));
        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        cache.block();

        long start = System.nanoTime();
        Optional<ByteBuffer> slow = join(cache.get(key(1, 0)));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(slow).isEmpty();
        assertThat(tookMs).isLessThan(1000);
        assertThat(cache.metrics().timeouts()).isEqualTo(1);
        assertThat(cache.isAvailable()).isFalse();
        assertThat(cache.get(key(1, 0)).toCompletableFuture()).isCompletedWithValue(Optional.empty());
        assertThat(cache.metrics().skippedDown()).isEqualTo(1);
        assertThat(logs.messages(Level.WARN, "is down: no answer within 50 ms")).hasSize(1);

        cache.release();
        Poll.until(Duration.ofSeconds(5), "cache back up", cache::isAvailable);
        assertThat(join(cache.get(key(1, 0)))).isPresent();
        assertThat(logs.messages(Level.INFO, "is back")).hasSize(1);
    }

    @Test
    void failuresMarkTheCacheDownOnceAndAProbeBringsItBack() throws Exception {
        cache = new FakeCache(config(1000, 4, 64));
        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        cache.failing = true;

        List<CompletableFuture<Optional<ByteBuffer>>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(cache.get(key(1, 0)).toCompletableFuture());
            cache.put(key(1, i), ByteBuffer.wrap(batch(i, 1))).toCompletableFuture();
        }

        calls.forEach(c -> assertThat(join(c)).isEmpty());
        assertThat(cache.isAvailable()).isFalse();
        assertThat(logs.messages(Level.WARN, "is down: IOException: connection refused; serving from the log")).hasSize(1);
        assertThat(cache.metrics().downTransitions()).isEqualTo(1);
        assertThat(cache.metrics().errors()).isGreaterThanOrEqualTo(1);
        assertThat(cache.metrics().hits()).isZero();

        cache.failing = false;
        Poll.until(Duration.ofSeconds(5), "cache back up", cache::isAvailable);
        assertThat(join(cache.get(key(1, 0)))).isPresent();
        assertThat(logs.messages(Level.INFO, "is back")).hasSize(1);
        assertThat(cache.probes).isGreaterThanOrEqualTo(1);
    }

    @Test
    void refusedWritesAreCountedWithoutMarkingTheCacheDown() {
        cache = new FakeCache(config(1000, 2, 16));
        cache.refusing = true;

        join(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))));
        join(cache.put(key(1, 5), ByteBuffer.wrap(batch(5, 1))));

        assertThat(cache.isAvailable()).isTrue();
        assertThat(cache.metrics().errors()).isEqualTo(2);
        assertThat(cache.metrics().puts()).isZero();
        assertThat(logs.messages(Level.WARN, "refused a call: IOException: OOM")).hasSize(1);
    }

    @Test
    void callsAfterCloseCompleteAsSkipped() {
        cache = new FakeCache(config(1000, 2, 16));
        cache.close();

        assertThat(cache.get(key(1, 0)).toCompletableFuture()).isCompletedWithValue(Optional.empty());
        assertThat(cache.put(key(1, 0), ByteBuffer.wrap(batch(0, 1))).toCompletableFuture()).isCompleted();
        assertThat(cache.metrics().skippedDown()).isEqualTo(2);
        assertThat(cache.isAvailable()).isFalse();
    }

    @Test
    void aKeyTooLongForMemcachedIsSkippedNotThrown() {
        cache = new FakeCache(config(1000, 2, 16));
        CachedBatchKey longKey = new CachedBatchKey(new io.rafka.storage.PartitionId("t".repeat(249), 0), 0, 0, 0);

        assertThat(join(cache.get(longKey))).isEmpty();
        join(cache.put(longKey, ByteBuffer.wrap(batch(0, 0))));

        assertThat(cache.metrics().skippedKey()).isEqualTo(2);
        assertThat(logs.messages(Level.WARN, "exceeds the 250-byte limit")).hasSize(1);
    }

    private static CacheConfig config(long timeoutMs, int threads, int queue) {
        return new CacheConfig(CacheConfig.Kind.REDIS, "test", "127.0.0.1", 1, Duration.ofMinutes(1),
                1_000_000, Duration.ofMillis(timeoutMs), threads, queue, Duration.ofMillis(20), Duration.ZERO, 0);
    }

    /** A cache whose node has the in-process tier on, so puts wait up to {@code linger}. */
    private static CacheConfig lingering(Duration linger) {
        return new CacheConfig(CacheConfig.Kind.REDIS, "test", "127.0.0.1", 1, Duration.ofMinutes(1),
                1_000_000, Duration.ofSeconds(1), 2, 1000, Duration.ofMillis(20), linger, 1 << 20);
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
        return stage.toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** An in-memory server that can be made to fail, refuse or hang. */
    static final class FakeCache extends PooledBatchCache {
        final Map<String, byte[]> store = new ConcurrentHashMap<>();
        final CountDownLatch entered = new CountDownLatch(1);
        volatile boolean failing;
        volatile boolean refusing;
        volatile int probes;
        final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        private volatile CountDownLatch gate = new CountDownLatch(0);

        FakeCache(CacheConfig config) {
            super(config);
        }

        void block() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        private void serve() throws Exception {
            entered.countDown();
            gate.await();
            if (failing) {
                throw new IOException("connection refused");
            }
        }

        @Override
        protected byte[] read(String key) throws Exception {
            serve();
            return store.get(key);
        }

        @Override
        protected List<byte[]> readAll(List<String> keys) throws Exception {
            serve();
            return keys.stream().map(store::get).toList();
        }

        @Override
        protected void writeAll(List<String> keys, List<byte[]> values) throws Exception {
            serve();
            if (refusing) {
                throw new IOException("OOM command not allowed when used memory > 'maxmemory'");
            }
            writes.incrementAndGet();
            for (int i = 0; i < keys.size(); i++) {
                store.put(keys.get(i), values.get(i).clone());
            }
        }

        @Override
        protected void probe() throws Exception {
            probes++;
            if (failing || gate.getCount() > 0) {
                throw new IOException("still down");
            }
        }

        @Override
        protected boolean isRefusal(Exception e) {
            return refusing;
        }

        @Override
        protected void closeClient() {
        }
    }
}
