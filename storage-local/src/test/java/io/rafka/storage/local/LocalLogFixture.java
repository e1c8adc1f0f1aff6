package io.rafka.storage.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.local.internal.LocalPartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Opens local logs over a directory for one test and closes everything it opened. */
final class LocalLogFixture implements AutoCloseable {
    static final PartitionId PARTITION = new PartitionId("t", 0);
    static final long TIMEOUT_SECONDS = 20;

    final Path dataDir;
    final ExecutorService io = Executors.newFixedThreadPool(2);
    LocalLogConfig config;
    LocalLogEngine engine;

    LocalLogFixture(Path dataDir, LocalLogConfig config) {
        this.dataDir = dataDir;
        this.config = config;
        this.engine = new LocalLogEngine(config, io);
    }

    LocalLogFixture(Path dataDir) {
        this(dataDir, new LocalLogConfig(dataDir, FsyncPolicy.NEVER, 1000, 1024));
    }

    LocalPartitionLog open(LogConfig logConfig) {
        return (LocalPartitionLog) await(engine.open(PARTITION, logConfig));
    }

    /** Closes the engine cleanly and starts a new one over the same directory. */
    LocalLogEngine restart() {
        engine.close();
        engine = new LocalLogEngine(config, io);
        return engine;
    }

    /** Like {@link #restart()}, but as if the process had died: the clean-shutdown marker is gone. */
    LocalLogEngine crashRestart() throws IOException {
        engine.close();
        Files.deleteIfExists(partitionDir().resolve(".clean-shutdown"));
        engine = new LocalLogEngine(config, io);
        return engine;
    }

    Path partitionDir() {
        return engine.partitionDir(PARTITION);
    }

    List<Path> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(partitionDir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Override
    public void close() {
        engine.close();
        io.shutdownNow();
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("stage did not complete", e);
        }
    }

    static Throwable awaitFailure(CompletionStage<?> stage) {
        try {
            Object value = stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure, got " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (TimeoutException | InterruptedException e) {
            throw new AssertionError("stage did not complete", e);
        }
    }

    /** A batch of {@code records} records of {@code valueBytes} bytes, timestamps from {@code ts}. */
    static ByteBuffer batch(int records, long ts, int valueBytes) {
        RecordBatchBuilder b = new RecordBatchBuilder(64 + records * (valueBytes + 16));
        for (int i = 0; i < records; i++) {
            byte[] v = new byte[valueBytes];
            v[0] = (byte) i;
            b.append(ts + i, null, v);
        }
        return ByteBuffer.wrap(b.build());
    }

    static Appended append(PartitionLog log, ByteBuffer batch) {
        return await(log.append(batch, 3, Durability.APPENDED));
    }

    static void assertEveryBatchReadable(PartitionLog log) {
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            var batches = RecordBatch.split(await(log.read(next, 1 << 20)).batches());
            assertThat(batches).isNotEmpty();
            for (var b : batches) {
                assertThat(b.baseOffset()).isEqualTo(next);
                assertThat(b.isCrcValid()).isTrue();
                next = b.nextOffset();
            }
        }
        assertThat(next).isEqualTo(log.logEndOffset());
    }
}
