package io.rafka.storage.scylla;

import io.rafka.storage.LogEngine;
import io.rafka.storage.WriterLease;
import io.rafka.testkit.PartitionLogContract;
import io.rafka.testkit.TestLease;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The shared PartitionLog contract on ScyllaDB storage for a writer holding a lease of epoch 1, as
 * in cluster mode: epoch-dominant timestamps, the epoch history and the lease checks must not
 * change anything a single owner sees. Each test gets a keyspace of its own.
 */
@ExtendWith(CqlServerExtension.class)
class ScyllaLeasedPartitionLogContractIT extends PartitionLogContract {
    private final CqlEndpoint endpoint;
    private final TestLease lease = TestLease.of(1);
    private ScyllaConfig config;

    ScyllaLeasedPartitionLogContractIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected WriterLease lease() {
        return lease;
    }

    @Override
    protected LogEngine newEngine() {
        config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("leased"))
                .bucketOffsets(64)
                .build();
        return ScyllaLogEngine.connect(config);
    }

    @Override
    protected LogEngine reopenEngine() {
        return ScyllaLogEngine.connect(config);
    }
}
