package io.rafka.node.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rafka.node.TestNode;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The node with storage.engine=scylla against a real CQL server, through real gRPC channels. */
@ExtendWith(CqlServerExtension.class)
class ScyllaNodeIT {
    private static final AtomicInteger KEYSPACES = new AtomicInteger();

    @TempDir
    Path dir;

    static Map<String, String> scylla(CqlEndpoint cql, String keyspace) {
        Map<String, String> s = new HashMap<>();
        s.put("storage.engine", "scylla");
        s.put("storage.scylla.contact-points", String.join(",", cql.contactPointStrings()));
        s.put("storage.scylla.local-datacenter", cql.localDatacenter());
        s.put("storage.scylla.keyspace", keyspace);
        s.put("storage.scylla.replication-strategy", "SimpleStrategy");
        s.put("storage.scylla.replication-factor", "1");
        s.put("storage.scylla.request-timeout-ms", "3000");
        return s;
    }

    static String keyspace() {
        return "node_it_" + ProcessHandle.current().pid() + "_" + KEYSPACES.incrementAndGet();
    }

    static ProduceResponse produce(TestNode node, int batch) {
        RecordBatchBuilder b = new RecordBatchBuilder(512);
        for (int i = 0; i < 10; i++) {
            b.append(System.currentTimeMillis(), null, ("b" + batch + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return node.broker().produce(ProduceRequest.newBuilder().setTopic("s").setAcks(Acks.ACKS_ALL)
                .setBatch(ByteString.copyFrom(b.build())).build());
    }

    static List<String> readAll(TestNode node) {
        List<String> out = new ArrayList<>();
        long offset = 0;
        while (true) {
            FetchResponse r = node.broker().fetch(FetchRequest.newBuilder().setTopic("s").setOffset(offset).build());
            if (r.getBatches().isEmpty()) {
                return out;
            }
            long from = offset;
            RecordBatch.forEach(r.getBatches().asReadOnlyByteBuffer(), b -> {
                assertThat(b.isCrcValid()).isTrue();
                for (Record rec : b.records()) {
                    if (rec.offset() >= from) {
                        out.add(new String(rec.value(), StandardCharsets.UTF_8));
                    }
                }
            });
            offset = r.getNextOffset();
        }
    }

    static List<String> expected(int batches) {
        List<String> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < 10; i++) {
                out.add("b" + b + "-" + i);
            }
        }
        return out;
    }

    @Test
    void producesAndConsumesOnScyllaStorageAndResumesAtTheRightOffsetAfterARestart(CqlEndpoint cql) throws Exception {
        Map<String, String> settings = scylla(cql, keyspace());
        try (TestNode node = TestNode.start(dir, settings)) {
            node.admin().createTopic(CreateTopicRequest.newBuilder().setName("s").setPartitions(1).build());
            for (int b = 0; b < 5; b++) {
                assertThat(produce(node, b).getBaseOffset()).isEqualTo(b * 10L);
            }
            assertThat(readAll(node)).containsExactlyElementsOf(expected(5));
        }
        try (TestNode node = TestNode.start(dir, settings)) {
            assertThat(produce(node, 5).getBaseOffset()).as("the end offset recovered from storage").isEqualTo(50);
            assertThat(readAll(node)).containsExactlyElementsOf(expected(6));
        }
    }

    @Test
    void whileTheCqlServerIsDownProduceIsUnavailableAndTheNodeRecoversByItself(CqlEndpoint cql) throws Exception {
        assumeTrue(cql.canStopAndStart(), "needs a CQL server this JVM can stop and start");
        try (TestNode node = TestNode.start(dir, scylla(cql, keyspace()))) {
            node.admin().createTopic(CreateTopicRequest.newBuilder().setName("s").setPartitions(1).build());
            produce(node, 0);
            cql.stopServer();
            try {
                assertThatThrownBy(() -> produce(node, 1)).isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            } finally {
                cql.startServer();
            }
            ProduceResponse after = Poll.untilPresent(java.time.Duration.ofSeconds(60),
                    "the node to accept produce again after the CQL server's return", () -> {
                        try {
                            return java.util.Optional.of(produce(node, 1));
                        } catch (StatusRuntimeException e) {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                            return java.util.Optional.empty();
                        }
                    });
            assertThat(after.getBaseOffset()).as("nothing half-written: the failed batch left no offset behind").isEqualTo(10);
            assertThat(readAll(node)).containsExactlyElementsOf(expected(2));
        }
    }

    @Test
    void badScyllaSettingsFailStartUpNamingTheSettingAndTheValue(CqlEndpoint cql) {
        Map<String, String> tooMany = scylla(cql, keyspace());
        tooMany.put("storage.scylla.replication-factor", "5");
        assertThatThrownBy(() -> TestNode.start(dir.resolve("a"), tooMany))
                .hasStackTraceContaining("storage.scylla.replication-factor").hasStackTraceContaining("5");
        Map<String, String> wrongDc = scylla(cql, keyspace());
        wrongDc.put("storage.scylla.local-datacenter", "mars1");
        assertThatThrownBy(() -> TestNode.start(dir.resolve("b"), wrongDc))
                .hasStackTraceContaining("storage.scylla.local-datacenter").hasStackTraceContaining("mars1");
        Map<String, String> unreachable = scylla(cql, keyspace());
        unreachable.put("storage.scylla.contact-points", "127.0.0.1:1");
        assertThatThrownBy(() -> TestNode.start(dir.resolve("c"), unreachable))
                .hasStackTraceContaining("storage.scylla.contact-points").hasStackTraceContaining("127.0.0.1:1");
    }
}
