package io.rafka.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.rafka.cache.BatchCache;
import io.rafka.cache.LogCapture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class CacheHealthTest {

    @Test
    void manyThreadsFailingAtOnceLogOneDownAndOneBack() throws Exception {
        try (LogCapture logs = new LogCapture()) {
            CacheHealth health = new CacheHealth("redis at 127.0.0.1:6379", LoggerFactory.getLogger(BatchCache.class));
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            int[] tookDown = new int[8];
            for (int i = 0; i < 8; i++) {
                int n = i;
                Thread t = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    tookDown[n] = health.markDown("connection refused") ? 1 : 0;
                });
                t.start();
                threads.add(t);
            }
            go.countDown();
            for (Thread t : threads) {
                t.join();
            }

            assertThat(java.util.Arrays.stream(tookDown).sum()).isEqualTo(1);
            assertThat(health.isUp()).isFalse();
            assertThat(health.markUp()).isTrue();
            assertThat(health.markUp()).isFalse();
            assertThat(health.downTransitions()).isEqualTo(1);
            assertThat(logs.messages(Level.WARN, "cache redis at 127.0.0.1:6379 is down: connection refused; serving from the log")).hasSize(1);
            assertThat(logs.messages(Level.INFO, "cache redis at 127.0.0.1:6379 is back")).hasSize(1);
        }
    }
}
