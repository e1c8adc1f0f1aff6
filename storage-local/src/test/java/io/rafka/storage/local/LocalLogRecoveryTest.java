package io.rafka.storage.local;

import static io.rafka.storage.local.LocalLogFixture.append;
import static io.rafka.storage.local.LocalLogFixture.assertEveryBatchReadable;
import static io.rafka.storage.local.LocalLogFixture.await;
import static io.rafka.storage.local.LocalLogFixture.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.local.internal.LocalPartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalLogRecoveryTest {
    private static final LogConfig ONE_SEGMENT = new LogConfig(-1, -1, 1 << 20);
    private static final LogConfig SMALL_SEGMENTS = new LogConfig(-1, -1, LogConfig.MIN_SEGMENT_BYTES);

    @TempDir
    Path dataDir;
    LocalLogFixture fx;

    @BeforeEach
    void setUp() {
        fx = new LocalLogFixture(dataDir);
    }

    @AfterEach
    void tearDown() {
        fx.close();
    }

    /** Appends ten 3-record batches and returns the size of the last one. */
    private int appendTen(LocalPartitionLog log) {
        int size = 0;
        for (int i = 0; i < 10; i++) {
            ByteBuffer b = batch(3, 1000 + i, 100 + i);
            size = b.remaining();
            append(log, b);
        }
        return size;
    }

    private Path lastLogFile() throws IOException {
        List<Path> logs = fx.files(".log");
        return logs.get(logs.size() - 1);
    }

    private void assertRecoveredToNineBatches() {
        LocalPartitionLog reopened = fx.open(ONE_SEGMENT);
        assertThat(reopened.logEndOffset()).isEqualTo(27);
        assertEveryBatchReadable(reopened);
        assertThat(append(reopened, batch(2, 5000, 10)).baseOffset()).isEqualTo(27);
        assertThat(reopened.logEndOffset()).isEqualTo(29);
        assertEveryBatchReadable(reopened);
    }

    @Test
    void aTornLastBatchIsCutOffAtReopen() throws IOException {
        int lastSize = appendTen(fx.open(ONE_SEGMENT));
        fx.crashRestart();
        Path file = lastLogFile();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - lastSize / 2);
        }

        assertRecoveredToNineBatches();
    }

    @Test
    void garbageAfterTheLastBatchIsCutOff() throws IOException {
        appendTen(fx.open(ONE_SEGMENT));
        long goodSize;
        fx.crashRestart();
        Path file = lastLogFile();
        goodSize = Files.size(file);
        byte[] garbage = new byte[300];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 7);
        }
        Files.write(file, garbage, StandardOpenOption.APPEND);

        LocalPartitionLog reopened = fx.open(ONE_SEGMENT);
        assertThat(reopened.logEndOffset()).isEqualTo(30);
        assertThat(Files.size(file)).isEqualTo(goodSize);
        assertEveryBatchReadable(reopened);
        assertThat(append(reopened, batch(1, 5000, 10)).baseOffset()).isEqualTo(30);
    }

    @Test
    void aPartialBatchHeaderAtTheEndIsCutOff() throws IOException {
        appendTen(fx.open(ONE_SEGMENT));
        fx.crashRestart();
        ByteBuffer next = batch(2, 9000, 10);
        next.putLong(0, 30);
        byte[] partial = new byte[30];
        next.get(partial);
        Files.write(lastLogFile(), partial, StandardOpenOption.APPEND);

        LocalPartitionLog reopened = fx.open(ONE_SEGMENT);
        assertThat(reopened.logEndOffset()).isEqualTo(30);
        assertThat(await(reopened.read(30, 1024)).isEmpty()).isTrue();
    }

    @Test
    void aLastBatchWithAFlippedByteIsCutOffAndNeverServed() throws IOException {
        int lastSize = appendTen(fx.open(ONE_SEGMENT));
        fx.crashRestart();
        flipByteNearEnd(lastLogFile(), lastSize);

        assertRecoveredToNineBatches();
        LogSlice slice = await(fx.engine.open(LocalLogFixture.PARTITION, ONE_SEGMENT)
                .thenCompose(l -> l.read(24, 1 << 20)));
        assertThat(RecordBatch.split(slice.batches())).allSatisfy(b -> assertThat(b.isCrcValid()).isTrue());
    }

    @Test
    void aCorruptTailIsCutOffEvenAfterACleanShutdown() throws IOException {
        int lastSize = appendTen(fx.open(ONE_SEGMENT));
        fx.restart();
        assertThat(fx.partitionDir().resolve(".clean-shutdown")).exists();
        flipByteNearEnd(lastLogFile(), lastSize);

        assertRecoveredToNineBatches();
    }

    private static void flipByteNearEnd(Path file, int lastBatchSize) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = ch.size() - lastBatchSize / 3;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5a)).rewind();
            ch.write(one, at);
        }
    }

    @Test
    void aCleanShutdownNeedsNoScanAndKeepsTheData() throws IOException {
        LocalPartitionLog log = fx.open(SMALL_SEGMENTS);
        for (int i = 0; i < 100; i++) {
            append(log, batch(2, 1000 + i, 2000));
        }
        fx.restart();
        assertThat(fx.partitionDir().resolve(".clean-shutdown")).exists();
        assertThat(fx.files(".index")).hasSameSizeAs(fx.files(".log"));

        LocalPartitionLog reopened = fx.open(SMALL_SEGMENTS);
        assertThat(fx.partitionDir().resolve(".clean-shutdown")).doesNotExist();
        assertThat(reopened.logEndOffset()).isEqualTo(200);
        assertEveryBatchReadable(reopened);
    }

    @Test
    void aDeletedOffsetIndexIsRebuilt() throws IOException {
        LocalPartitionLog log = fx.open(SMALL_SEGMENTS);
        for (int i = 0; i < 100; i++) {
            append(log, batch(2, 1000 + i, 2000));
        }
        fx.restart();
        Path index = fx.files(".index").get(0);
        Files.delete(index);
        Files.delete(fx.files(".timeindex").get(0));

        LocalPartitionLog reopened = fx.open(SMALL_SEGMENTS);
        assertThat(reopened.logEndOffset()).isEqualTo(200);
        assertEveryBatchReadable(reopened);
        assertThat(await(reopened.offsetForTimestamp(1005)).orElseThrow().offset()).isEqualTo(8);
        assertThat(index).exists();
        assertThat(Files.size(index)).isPositive();
    }

    @Test
    void aCorruptedOffsetIndexIsRebuilt() throws IOException {
        LocalPartitionLog log = fx.open(SMALL_SEGMENTS);
        for (int i = 0; i < 100; i++) {
            append(log, batch(2, 1000 + i, 2000));
        }
        fx.restart();
        Path index = fx.files(".index").get(0);
        byte[] good = Files.readAllBytes(index);
        byte[] garbage = new byte[good.length + 3];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 13);
        }
        Files.write(index, garbage);

        LocalPartitionLog reopened = fx.open(SMALL_SEGMENTS);
        assertThat(reopened.logEndOffset()).isEqualTo(200);
        assertEveryBatchReadable(reopened);
        assertThat(Files.readAllBytes(index)).isEqualTo(good);
    }

    @Test
    void anIndexPointingBetweenBatchesIsNotTrusted() throws IOException {
        LocalPartitionLog log = fx.open(SMALL_SEGMENTS);
        for (int i = 0; i < 100; i++) {
            append(log, batch(2, 1000 + i, 2000));
        }
        fx.restart();
        // Monotone and inside the file, so it passes the load checks, but names no batch start.
        ByteBuffer wrong = ByteBuffer.allocate(8).putInt(4).putInt(5).flip();
        Files.write(fx.files(".index").get(0), wrong.array());

        LocalPartitionLog reopened = fx.open(SMALL_SEGMENTS);
        assertThat(reopened.logEndOffset()).isEqualTo(200);
        assertEveryBatchReadable(reopened);
    }

    @Test
    void aMissingLastSegmentIndexAfterACrashIsRebuiltByTheScan() throws IOException {
        LocalPartitionLog log = fx.open(SMALL_SEGMENTS);
        for (int i = 0; i < 50; i++) {
            append(log, batch(2, 1000 + i, 2000));
        }
        fx.crashRestart();
        List<Path> indexes = fx.files(".index");
        Files.delete(indexes.get(indexes.size() - 1));

        LocalPartitionLog reopened = fx.open(SMALL_SEGMENTS);
        assertThat(reopened.logEndOffset()).isEqualTo(100);
        assertEveryBatchReadable(reopened);
        assertThat(append(reopened, batch(1, 9000, 10)).baseOffset()).isEqualTo(100);
    }
}
