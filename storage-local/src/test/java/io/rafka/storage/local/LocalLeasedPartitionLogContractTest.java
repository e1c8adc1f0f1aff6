package io.rafka.storage.local;

import io.rafka.storage.LogEngine;
import io.rafka.storage.WriterLease;
import io.rafka.testkit.PartitionLogContract;
import io.rafka.testkit.TestLease;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/** The shared contract for a writer holding a lease of epoch 1 (cluster mode) on the embedded log. */
class LocalLeasedPartitionLogContractTest extends PartitionLogContract {
    @TempDir
    Path dataDir;

    private static final ExecutorService io = Executors.newFixedThreadPool(4);
    private final TestLease lease = TestLease.of(1);

    @Override
    protected WriterLease lease() {
        return lease;
    }

    @Override
    protected LogEngine newEngine() {
        return reopenEngine();
    }

    @Override
    protected LogEngine reopenEngine() {
        return new LocalLogEngine(new LocalLogConfig(dataDir, FsyncPolicy.ALWAYS, 1000, 1024), io);
    }

    @AfterAll
    static void stopExecutor() {
        io.shutdownNow();
    }
}
