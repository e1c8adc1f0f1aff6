package io.rafka.storage.scylla;

import io.rafka.testkit.cql.CqlEndpoint;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** Settings for engines under test: the endpoint of {@code CqlServerExtension}, one keyspace per use. */
final class ScyllaTestSupport {
    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    private ScyllaTestSupport() {
    }

    /** A keyspace name no other test of this JVM uses. */
    static String freshKeyspace(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + KEYSPACES.incrementAndGet();
    }

    /** One replica in the endpoint's datacenter, LOCAL_QUORUM, a keyspace of its own. */
    static ScyllaConfig.Builder config(CqlEndpoint endpoint, String keyspace) {
        return ScyllaConfig.builder()
                .contactPoints(endpoint.contactPointStrings())
                .localDatacenter(endpoint.localDatacenter())
                .keyspace(keyspace)
                .replicationStrategy(ScyllaConfig.NETWORK_TOPOLOGY_STRATEGY)
                .replicationFactor(1)
                .requestTimeout(Duration.ofSeconds(5));
    }
}
