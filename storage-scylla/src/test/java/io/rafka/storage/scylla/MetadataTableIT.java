package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.rafka.storage.StorageUnavailableException;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The metadata table on a real CQL server: what is stored reads back, by another session too. */
@ExtendWith(CqlServerExtension.class)
class MetadataTableIT {
    private final CqlEndpoint endpoint;

    MetadataTableIT(CqlEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Test
    void storedEntriesReadBackFromAnotherSessionAndDeletesRemoveThem() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("meta")).build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            MetadataTable table = engine.metadataTable();
            table.store("rafka.topics", "orders", bytes("v1"));
            table.store("rafka.topics", "orders", bytes("v2"));
            table.store("rafka.topics", "payments", bytes("p"));
            table.store("rafka.counters", "orders", bytes("other map, same key"));
            table.delete("rafka.topics", "never-stored");
        }
        try (ScyllaLogEngine restarted = ScyllaLogEngine.connect(config)) {
            MetadataTable table = restarted.metadataTable();
            assertThat(table.keys("rafka.topics")).containsExactly("orders", "payments");
            Map<String, byte[]> loaded = table.load("rafka.topics", List.of("orders", "payments", "absent"));
            assertThat(loaded).containsOnlyKeys("orders", "payments");
            assertThat(text(loaded.get("orders"))).isEqualTo("v2");
            assertThat(text(table.load("rafka.counters", List.of("orders")).get("orders"))).isEqualTo("other map, same key");

            table.delete("rafka.topics", "orders");
            assertThat(table.keys("rafka.topics")).containsExactly("payments");
            assertThat(table.load("rafka.topics", List.of("orders"))).isEmpty();
            assertThat(table.keys("rafka.leases")).isEmpty();
        }
    }

    @Test
    void ofTwoTimestampedWritesTheHigherTimestampWinsWhateverTheOrder() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("meta")).build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            MetadataTable table = engine.metadataTable();
            table.store("rafka.leases", "t~1/0", bytes("epoch 3"), 6);
            table.store("rafka.leases", "t~1/0", bytes("epoch 2, landing late"), 4);
            assertThat(text(table.load("rafka.leases", List.of("t~1/0")).get("t~1/0"))).isEqualTo("epoch 3");
            table.store("rafka.leases", "t~1/0", bytes("epoch 4"), 8);
            assertThat(text(table.load("rafka.leases", List.of("t~1/0")).get("t~1/0"))).isEqualTo("epoch 4");
            table.delete("rafka.leases", "t~1/0");
            assertThat(table.keys("rafka.leases")).isEmpty();
            assertThatThrownBy(() -> table.store("rafka.leases", "k", bytes("v"), -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        }
    }

    @Test
    void loadsMoreKeysThanOneQueryTakes() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("meta")).build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            MetadataTable table = engine.metadataTable();
            int n = MetadataTable.LOAD_CHUNK * 2 + 7;
            List<String> keys = new ArrayList<>();
            IntStream.range(0, n).forEach(i -> {
                keys.add("lease-" + i);
                table.store("rafka.leases", "lease-" + i, new byte[] {(byte) i, 0, (byte) (i >> 8)});
            });
            assertThat(table.keys("rafka.leases")).hasSize(n);
            Map<String, byte[]> loaded = table.load("rafka.leases", keys);
            assertThat(loaded).hasSize(n);
            IntStream.range(0, n).forEach(i ->
                    assertThat(loaded.get("lease-" + i)).containsExactly((byte) i, 0, (byte) (i >> 8)));
        }
    }

    @Test
    void refusesEmptyNamesAndFailsAsUnavailableWhileTheServerIsDown() {
        ScyllaConfig config = ScyllaTestSupport.config(endpoint, ScyllaTestSupport.freshKeyspace("meta"))
                .requestTimeout(Duration.ofSeconds(2))
                .build();
        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            MetadataTable table = engine.metadataTable();
            assertThatThrownBy(() -> table.store("", "k", bytes("v")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("a metadata map name must not be empty, was ''");
            assertThatThrownBy(() -> table.delete("rafka.topics", ""))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("a metadata key name must not be empty, was ''");
            assertThatThrownBy(() -> table.load("rafka.topics", Arrays.asList("ok", null)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("a metadata key name must not be empty, was null");
            table.store("rafka.topics", "kept", bytes("before"));

            assumeTrue(endpoint.canStopAndStart(), "needs a CQL server that this JVM can stop and start");
            endpoint.stopServer();
            try {
                assertThatThrownBy(() -> table.store("rafka.topics", "lost", bytes("during")))
                        .isInstanceOf(StorageUnavailableException.class)
                        .hasMessageContaining("metadata storage could not store rafka.topics/lost");
                assertThatThrownBy(() -> table.keys("rafka.topics"))
                        .isInstanceOf(StorageUnavailableException.class);
            } finally {
                endpoint.startServer();
            }
        }
        try (ScyllaLogEngine restarted = ScyllaLogEngine.connect(config)) {
            assertThat(restarted.metadataTable().keys("rafka.topics")).containsExactly("kept");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
