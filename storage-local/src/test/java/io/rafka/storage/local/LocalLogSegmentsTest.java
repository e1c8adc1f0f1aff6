package io.rafka.storage.local;

import static io.rafka.storage.local.LocalLogFixture.append;
import static io.rafka.storage.local.LocalLogFixture.assertEveryBatchReadable;
import static io.rafka.storage.local.LocalLogFixture.await;
import static io.rafka.storage.local.LocalLogFixture.awaitFailure;
import static io.rafka.storage.local.LocalLogFixture.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.local.internal.LocalPartitionLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalLogSegmentsTest {
    private static final long SEGMENT = LogConfig.MIN_SEGMENT_BYTES;
    /** About 4 KiB per batch, so 15 batches fill a 64 KiB segment. */
    private static final int VALUE = 2000;

    @TempDir
    Path dataDir;
    LocalLogFixture fx;

    @AfterEach
    void tearDown() {
        if (fx != null) {
            fx.close();
        }
    }

    private LocalPartitionLog openWith(FsyncPolicy fsync, LogConfig logConfig) {
        fx = new LocalLogFixture(dataDir, new LocalLogConfig(dataDir, fsync, 50, 4096));
        return fx.open(logConfig);
    }

    /** Appends batches of 2 records with timestamps 1000 + 10 * i. */
    private static void appendBatches(LocalPartitionLog log, int count) {
        for (int i = 0; i < count; i++) {
            append(log, batch(2, 1000 + 10L * i, VALUE));
        }
    }

    @Test
    void segmentsRollAtSegmentBytesAndAreNamedByBaseOffset() throws IOException {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, SEGMENT));
        appendBatches(log, 100);

        List<Path> logs = fx.files(".log");
        assertThat(logs).hasSizeGreaterThan(5);
        for (Path p : logs) {
            assertThat(Files.size(p)).isLessThanOrEqualTo(SEGMENT);
            String name = p.getFileName().toString();
            assertThat(name).matches("\\d{20}\\.log");
            long base = Long.parseLong(name.substring(0, 20));
            ByteBuffer first = ByteBuffer.wrap(Files.readAllBytes(p));
            assertThat(first.getLong(0)).isEqualTo(base);
        }
        assertThat(fx.files(".log").get(0).getFileName().toString()).isEqualTo("00000000000000000000.log");
    }

    @Test
    void aReadSpansSegments() {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, SEGMENT));
        appendBatches(log, 60);

        List<RecordBatch> batches = RecordBatch.split(await(log.read(0, 1 << 20)).batches());
        assertThat(batches).hasSize(60);
        for (int i = 0; i < batches.size(); i++) {
            assertThat(batches.get(i).baseOffset()).isEqualTo(2L * i);
        }
        List<RecordBatch> fromMiddle = RecordBatch.split(await(log.read(33, 3 * 4200)).batches());
        assertThat(fromMiddle).extracting(RecordBatch::baseOffset).containsExactly(32L, 34L, 36L);
        assertEveryBatchReadable(log);
    }

    @Test
    void timeIndexLookupsWorkAcrossSegmentsAndAfterRestart() {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, SEGMENT));
        appendBatches(log, 60);

        // Batch i holds timestamps 1000 + 10i and 1001 + 10i, at offsets 2i and 2i + 1.
        for (int i = 0; i < 60; i += 7) {
            long ts = 1000 + 10L * i;
            assertThat(await(log.offsetForTimestamp(ts))).contains(new TimestampOffset(2L * i, ts + 1));
            assertThat(await(log.offsetForTimestamp(ts + 5))).contains(new TimestampOffset(2L * (i + 1), ts + 11));
        }
        assertThat(await(log.offsetForTimestamp(1000 + 10L * 59 + 2))).isEmpty();

        fx.restart();
        LocalPartitionLog reopened = fx.open(new LogConfig(-1, -1, SEGMENT));
        assertThat(await(reopened.offsetForTimestamp(1000 + 10L * 44))).contains(new TimestampOffset(88, 1441));
        assertThat(await(reopened.offsetForTimestamp(0))).contains(new TimestampOffset(0, 1001));
    }

    @Test
    void retentionByTimeDeletesWholeOldSegmentsButNeverTheActiveOne() throws IOException {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(100, -1, SEGMENT));
        appendBatches(log, 60);
        int segments = fx.files(".log").size();

        // At now = 1300 + 100, batches with max timestamp below 1300 (i < 30) are expired.
        long start = await(log.applyRetention(1400));
        assertThat(start).isPositive().isLessThanOrEqualTo(60).isEqualTo(log.logStartOffset());
        assertThat(fx.files(".log")).hasSizeLessThan(segments);
        assertThat(fx.files(".log").get(0).getFileName().toString()).isEqualTo(String.format("%020d.log", start));
        assertThat(awaitFailure(log.read(start - 1, 1024))).isInstanceOf(OffsetOutOfRangeException.class);
        assertThat(RecordBatch.split(await(log.read(start, 1024)).batches()).get(0).baseOffset()).isEqualTo(start);

        assertThat(await(log.applyRetention(1_000_000))).isEqualTo(log.logStartOffset());
        assertThat(fx.files(".log")).hasSize(1);
        assertThat(log.logEndOffset()).isEqualTo(120);
        assertThat(await(log.offsetForTimestamp(0)).orElseThrow().offset()).isEqualTo(log.logStartOffset());

        long finalStart = log.logStartOffset();
        fx.restart();
        LocalPartitionLog reopened = fx.open(new LogConfig(100, -1, SEGMENT));
        assertThat(reopened.logStartOffset()).isEqualTo(finalStart);
        assertThat(reopened.logEndOffset()).isEqualTo(120);
    }

    @Test
    void retentionBySizeDeletesOldestSegmentsWhileTheLogIsTooLarge() throws IOException {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, 3 * SEGMENT, SEGMENT));
        appendBatches(log, 120);

        long start = await(log.applyRetention(System.currentTimeMillis()));
        long total = 0;
        for (Path p : fx.files(".log")) {
            total += Files.size(p);
        }
        assertThat(total).isLessThanOrEqualTo(3 * SEGMENT);
        assertThat(start).isPositive().isEqualTo(log.logStartOffset());
        assertThat(awaitFailure(log.read(0, 1024))).isInstanceOf(OffsetOutOfRangeException.class)
                .hasMessageContaining("earliest is " + start);
        assertEveryBatchReadable(log);
    }

    @Test
    void fsyncAlwaysForcesOncePerDurableGroupAndNotForAppendedOnly() {
        LocalPartitionLog log = openWith(FsyncPolicy.ALWAYS, new LogConfig(-1, -1, 1 << 20));
        append(log, batch(1, 1000, 10));
        assertThat(log.forceCount()).isZero();

        var appended = await(log.append(batch(1, 1000, 10), 1, Durability.DURABLE));
        assertThat(appended.baseOffset()).isEqualTo(1);
        assertThat(log.forceCount()).isEqualTo(1);
    }

    @Test
    void fsyncNeverForcesOnlyOnFlush() {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, 1 << 20));
        await(log.append(batch(1, 1000, 10), 1, Durability.DURABLE));
        assertThat(log.forceCount()).isZero();

        await(log.flush());
        assertThat(log.forceCount()).isEqualTo(1);
    }

    @Test
    void fsyncIntervalFlushesInTheBackground() {
        LocalPartitionLog log = openWith(FsyncPolicy.INTERVAL, new LogConfig(-1, -1, 1 << 20));
        await(log.append(batch(1, 1000, 10), 1, Durability.DURABLE));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (log.forceCount() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(log.forceCount()).isPositive();
    }

    @Test
    void aBufferThatIsNotOneWholeBatchIsRejected() {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, SEGMENT));
        ByteBuffer truncated = batch(3, 1000, 10);
        truncated.limit(truncated.limit() - 1);

        assertThat(awaitFailure(log.append(truncated, 1, Durability.APPENDED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length field");
        assertThat(awaitFailure(log.append(batch(40, 1000, 2000), 1, Durability.APPENDED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds segment.bytes " + SEGMENT);
        assertThat(log.logEndOffset()).isZero();
    }

    @Test
    void anAppendAfterCloseFails() {
        LocalPartitionLog log = openWith(FsyncPolicy.NEVER, new LogConfig(-1, -1, SEGMENT));
        append(log, batch(1, 1000, 10));
        log.close();

        assertThat(awaitFailure(log.append(batch(1, 1000, 10), 1, Durability.APPENDED)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
