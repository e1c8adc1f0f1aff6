package io.rafka.storage.local;

import static io.rafka.storage.local.LocalLogFixture.PARTITION;
import static io.rafka.storage.local.LocalLogFixture.await;
import static io.rafka.storage.local.LocalLogFixture.awaitFailure;
import static io.rafka.storage.local.LocalLogFixture.batch;
import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.record.RecordBatch;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.WriterLease;
import io.rafka.testkit.TestLease;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writer leases on the embedded log: what a writer that lost its lease can and cannot do. */
class LocalLogFencingTest {
    private static final LogConfig CONFIG = new LogConfig(-1, -1, LogConfig.MIN_SEGMENT_BYTES);

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

    private PartitionLog open(WriterLease lease) {
        return await(fx.engine.open(PARTITION, CONFIG, lease));
    }

    private static List<RecordBatch> readAll(PartitionLog log) {
        List<RecordBatch> out = new ArrayList<>();
        long next = log.logStartOffset();
        while (next < log.logEndOffset()) {
            List<RecordBatch> got = RecordBatch.split(await(log.read(next, 1 << 20)).batches());
            assertThat(got).isNotEmpty();
            out.addAll(got);
            next = got.get(got.size() - 1).nextOffset();
        }
        return out;
    }

    @Test
    void anAppendWhoseLeaseRunsOutDuringTheWriteIsNeitherAcknowledgedNorKept() throws Exception {
        // The log asks the lease when append is called, before the group is written and after:
        // three times per append done alone. The fifth answer is the last "valid", so the second
        // append is written and then finds the lease gone.
        TestLease lease = TestLease.validForChecks(1, 5);
        PartitionLog log = open(lease);
        assertThat(await(log.append(batch(3, 1000, 50), 1, Durability.DURABLE)).logEndOffset()).isEqualTo(3);
        long sizeAfterFirst = Files.size(fx.files(".log").get(0));

        Throwable error = awaitFailure(log.append(batch(2, 2000, 50), 1, Durability.DURABLE));

        assertThat(lease.checks()).isEqualTo(6);
        assertThat(error).isInstanceOf(FencedException.class).hasMessageContaining("lease expired");
        assertThat(log.logEndOffset()).isEqualTo(3);
        assertThat(readAll(log)).extracting(RecordBatch::baseOffset).containsExactly(0L);
        assertThat(Files.size(fx.files(".log").get(0))).isEqualTo(sizeAfterFirst);
        assertThat(awaitFailure(log.append(batch(1, 3000, 50), 1, Durability.APPENDED))).isInstanceOf(FencedException.class);

        // The next owner finds exactly the acknowledged batch, also after a full recovery.
        log.close();
        fx.crashRestart();
        PartitionLog next = open(TestLease.of(2));
        assertThat(next.logEndOffset()).isEqualTo(3);
        assertThat(await(next.append(batch(4, 4000, 50), 2, Durability.DURABLE)).baseOffset()).isEqualTo(3);
        assertThat(readAll(next)).extracting(RecordBatch::writerEpoch).containsExactly(1, 2);
    }

    @Test
    void aTakeoverInTheMiddleOfAppendsKeepsExactlyTheAcknowledgedOnes() throws Exception {
        TestLease first = TestLease.of(1);
        PartitionLog old = open(first);
        List<CompletableFuture<Appended>> futures = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            futures.add(old.append(batch(1 + i % 3, 1000 + i, 100), 1, Durability.APPENDED).toCompletableFuture());
        }

        PartitionLog current = open(TestLease.of(2));

        long acknowledgedEnd = 0;
        boolean fencedSeen = false;
        for (CompletableFuture<Appended> f : futures) {
            try {
                Appended a = f.get();
                assertThat(fencedSeen).as("an append acknowledged after an earlier one was fenced").isFalse();
                assertThat(a.baseOffset()).isEqualTo(acknowledgedEnd);
                acknowledgedEnd = a.baseOffset() + a.recordCount();
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(FencedException.class);
                fencedSeen = true;
            }
        }
        assertThat(current.logEndOffset()).isEqualTo(acknowledgedEnd);
        assertThat(awaitFailure(old.append(batch(1, 9000, 10), 1, Durability.APPENDED))).isInstanceOf(FencedException.class);
        Appended mine = await(current.append(batch(2, 5000, 10), 2, Durability.APPENDED));
        assertThat(mine.baseOffset()).isEqualTo(acknowledgedEnd);
        List<RecordBatch> all = readAll(current);
        assertThat(all).allSatisfy(b -> assertThat(b.isCrcValid()).isTrue());
        assertThat(all.get(all.size() - 1).writerEpoch()).isEqualTo(2);
        assertThat(all.subList(0, all.size() - 1)).allSatisfy(b -> assertThat(b.writerEpoch()).isEqualTo(1));
    }

    @Test
    void anOpenWithALowerEpochThanTheEngineOpenedThePartitionWithIsFencedAlsoAfterItClosed() {
        PartitionLog log = open(TestLease.of(3));
        log.close();

        Throwable lower = awaitFailure(fx.engine.open(PARTITION, CONFIG, TestLease.of(2)));
        Throwable soleWriter = awaitFailure(fx.engine.open(PARTITION, CONFIG));

        assertThat(lower).isInstanceOf(FencedException.class).hasMessageContaining("epoch 2")
                .hasMessageContaining("epoch 3");
        assertThat(soleWriter).isInstanceOf(FencedException.class);
        assertThat(open(TestLease.of(3)).logEndOffset()).isZero();
    }

    @Test
    void anOpenWithTheEpochOfTheOpenLogReturnsThatLog() {
        TestLease lease = TestLease.of(4);
        PartitionLog log = open(lease);

        assertThat(open(TestLease.of(4))).isSameAs(log);
        assertThat(open(lease)).isSameAs(log);
    }

    @Test
    void theSoleWriterStampsWhateverEpochItIsGiven() {
        PartitionLog log = open(WriterLease.SOLE_WRITER);

        await(log.append(batch(1, 1000, 10), 7, Durability.APPENDED));
        await(log.append(batch(1, 1000, 10), 0, Durability.APPENDED));

        assertThat(readAll(log)).extracting(RecordBatch::writerEpoch).containsExactly(7, 0);
    }

    @Test
    void aFencedLogRefusesAppendsBeforeQueueingThem() {
        TestLease lease = TestLease.of(1);
        PartitionLog log = open(lease);
        lease.revoke();
        long checks = lease.checks();

        ByteBuffer b = batch(1, 1000, 10);
        assertThat(awaitFailure(log.append(b, 1, Durability.APPENDED))).isInstanceOf(FencedException.class);
        assertThat(awaitFailure(log.append(batch(1, 1000, 10), 1, Durability.APPENDED))).isInstanceOf(FencedException.class);

        // Once fenced, the log no longer asks the lease.
        assertThat(lease.checks()).isEqualTo(checks + 1);
        assertThat(log.logEndOffset()).isZero();
    }
}
