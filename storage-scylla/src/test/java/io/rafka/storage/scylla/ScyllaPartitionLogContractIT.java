package io.rafka.storage.scylla;

import io.rafka.storage.LogEngine;
import io.rafka.testkit.PartitionLogContract;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared PartitionLog contract on ScyllaDB storage, against a real CQL server. Each test gets
 * a keyspace of its own, so the suite's fixed partition names never meet data of another test.
 */
@ExtendWith(CqlServerExtension.class)
class ScyllaPartitionLogContractIT extends PartitionLogContract {
    private final CqlEndpoint endpoint;
    private ScyllaConfig config;

    // Constructor injection: the contract's own @BeforeEach calls newEngine() before any of ours runs.
    ScyllaPartitionLogContractIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected LogEngine newEngine() {
        config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("contract"))
                // Small buckets, so that the suite's logs span several of them.
                .bucketOffsets(64)
                .build();
        return ScyllaLogEngine.connect(config);
    }

    @Override
    protected LogEngine reopenEngine() {
        return ScyllaLogEngine.connect(config);
    }
}
