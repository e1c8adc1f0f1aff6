package io.rafka.cache;

import static io.rafka.cache.TestBatches.batch;
import static io.rafka.cache.TestBatches.key;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A node whose cache server is not there at start-up still starts, and serves from the log. */
class CacheWithoutServerTest {

    @ParameterizedTest
    @EnumSource(value = CacheConfig.Kind.class, names = {"REDIS", "MEMCACHED"})
    void aCacheWhoseServerIsAbsentOpensAndMissesWithoutThrowing(CacheConfig.Kind kind) throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (LogCapture logs = new LogCapture();
             BatchCache cache = BatchCache.open(new CacheConfig(kind, "test", "127.0.0.1", port,
                     Duration.ofMinutes(1), 1_000_000, Duration.ofMillis(200), 2, 16, Duration.ofMillis(100), Duration.ZERO, 0))) {

            for (int i = 0; i < 20; i++) {
                cache.put(key(1, i), ByteBuffer.wrap(batch(i, 1))).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join();
                assertThat(cache.get(key(1, i)).toCompletableFuture().orTimeout(5, TimeUnit.SECONDS).join()).isEmpty();
            }

            assertThat(cache.isAvailable()).isFalse();
            assertThat(cache.metrics().hits()).isZero();
            assertThat(cache.metrics().misses()).isEqualTo(20);
            assertThat(logs.messages(Level.WARN, "is down")).hasSize(1);
        }
    }
}
