package io.rafka.node.mesh;

import static io.rafka.node.mesh.MeshIT.produceOrUnavailable;
import static io.rafka.node.mesh.MeshIT.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.rafka.proto.v1.CommitOffsetsRequest;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ListTopicsRequest;
import io.rafka.proto.v1.OffsetCommit;
import io.rafka.proto.v1.OffsetsGrpc;
import io.rafka.proto.v1.PartitionDescription;
import io.rafka.proto.v1.TopicDescription;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every node of a mesh killed at once (SIGKILL, as a power loss would) and started again: the
 * metadata comes back from the CQL server, so topics, committed offsets and the lease epochs are
 * those of before, and the partitions are written again at higher epochs, continuing their offsets.
 */
@ExtendWith(CqlServerExtension.class)
class MetadataRestartIT {
    private static final int PARTITIONS = 4;

    @TempDir
    Path dir;

    @Test
    void aMeshKilledWholeComesBackWithItsTopicsOffsetsAndEpochs(CqlEndpoint cql) throws Exception {
        try (Mesh mesh = new Mesh(cql, dir, 3, 2, Map.of())) {
            mesh.admin(2).createTopic(CreateTopicRequest.newBuilder().setName("durable").setPartitions(PARTITIONS)
                    .putConfig("retention.ms", "86400000").build());
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                Poll.untilPresent(Duration.ofSeconds(60), "durable/" + p + " takes a produce",
                        () -> produceOrUnavailable(mesh.broker(2), request("durable", partition, "before", 3)));
            }
            offsets(mesh, 1).commitOffsets(CommitOffsetsRequest.newBuilder().setGroup("billing").setGeneration(-1)
                    .addOffsets(OffsetCommit.newBuilder().setTopic("durable").setPartition(1).setOffset(2)
                            .setMetadata("checkpoint")).build());
            TopicDescription before = settled(mesh, 0, p -> p.getEpoch() >= 1);

            for (int i = 0; i < 3; i++) {
                mesh.node(i).kill9();
            }
            mesh.start(0, true);
            mesh.start(1, true);
            mesh.start(2, false);

            assertThat(mesh.admin(2).listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList())
                    .containsExactly("durable");
            // Leases restarting at epoch 1 would never get there: storage fences epochs it has seen.
            TopicDescription after = settled(mesh, 2,
                    p -> p.getEpoch() > before.getPartitions(p.getPartition()).getEpoch());
            assertThat(after.getCreatedAt()).as("the same topic, not a new one of that name").isEqualTo(before.getCreatedAt());
            assertThat(after.getConfigMap()).containsEntry("retention.ms", "86400000");
            assertThat(offsets(mesh, 0).fetchCommittedOffsets(FetchCommittedOffsetsRequest.newBuilder().setGroup("billing")
                    .addPartitions(TopicPartition.newBuilder().setTopic("durable").setPartition(1)).build())
                    .getOffsets(0)).satisfies(o -> {
                        assertThat(o.getOffset()).isEqualTo(2);
                        assertThat(o.getMetadata()).isEqualTo("checkpoint");
                    });
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                long base = Poll.untilPresent(Duration.ofSeconds(60), "durable/" + p + " takes a produce after the restart",
                        () -> produceOrUnavailable(mesh.broker(0), request("durable", partition, "after", 1))).getBaseOffset();
                assertThat(base).as("durable/%d continues its offsets", p).isEqualTo(3);
                assertThat(values(mesh, 1, p)).containsExactly("before-0", "before-1", "before-2", "after-0");
            }
            assertThatThrownBy(() -> mesh.admin(1).createTopic(CreateTopicRequest.newBuilder().setName("durable")
                    .setPartitions(1).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
        }
    }

    private static OffsetsGrpc.OffsetsBlockingStub offsets(Mesh mesh, int node) {
        return OffsetsGrpc.newBlockingStub(mesh.channel(node)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** The topic once every partition has an owner and passes {@code epoch}. */
    private static TopicDescription settled(Mesh mesh, int node, Predicate<PartitionDescription> epoch) {
        return Poll.untilPresent(Duration.ofSeconds(60), "every partition of 'durable' has an owner at the epoch expected", () -> {
            try {
                TopicDescription t = mesh.admin(node).describeTopic(DescribeTopicRequest.newBuilder().setName("durable")
                        .build()).getTopic();
                boolean owned = t.getPartitionsList().stream().allMatch(p -> epoch.test(p) && !p.getOwnerId().isEmpty());
                return owned ? Optional.of(t) : Optional.empty();
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    private static List<String> values(Mesh mesh, int node, int partition) {
        List<String> out = new ArrayList<>();
        long offset = 0;
        while (true) {
            FetchResponse r = mesh.broker(node).fetch(FetchRequest.newBuilder().setTopic("durable").setPartition(partition)
                    .setOffset(offset).build());
            if (r.getBatches().isEmpty()) {
                return out;
            }
            for (RecordBatch b : RecordBatch.split(r.getBatches().asReadOnlyByteBuffer())) {
                for (Record rec : b.records()) {
                    out.add(new String(rec.value(), StandardCharsets.UTF_8));
                }
            }
            offset = r.getNextOffset();
        }
    }
}
