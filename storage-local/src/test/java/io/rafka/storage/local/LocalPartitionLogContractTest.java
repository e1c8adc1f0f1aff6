package io.rafka.storage.local;

import io.rafka.storage.LogEngine;
import io.rafka.testkit.PartitionLogContract;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

class LocalPartitionLogContractTest extends PartitionLogContract {
    @TempDir
    Path dataDir;

    /** Shut down after every test's engines were closed (superclass @AfterEach runs last). */
    private static final ExecutorService io = Executors.newFixedThreadPool(4);

    @Override
    protected LogEngine newEngine() {
        return reopenEngine();
    }

    @Override
    protected LogEngine reopenEngine() {
        LocalLogConfig config = new LocalLogConfig(dataDir, FsyncPolicy.ALWAYS, 1000, 1024);
        return new LocalLogEngine(config, io);
    }

    @AfterAll
    static void stopExecutor() {
        io.shutdownNow();
    }
}
