package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.PartitionOwner;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGSTOP of an owner for longer than its lease: another node takes the partition over with a
 * higher epoch; after SIGCONT the paused node neither acknowledges nor makes visible any append
 * of its old epoch, and the partition holds exactly the acknowledged records, densely.
 */
@ExtendWith(CqlServerExtension.class)
class MeshFencingIT {
    @TempDir
    static Path dir;
    static Mesh mesh;

    @BeforeAll
    static void startMesh(CqlEndpoint cql) throws Exception {
        mesh = new Mesh(cql, dir, 3, 2, Map.of()); // node 2 is a lite member: pausing it stalls no metadata
    }

    @AfterAll
    static void stopMesh() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void aPausedOwnerCannotAcknowledgeOrExposeWritesAfterATakeover() throws Exception {
        mesh.admin(0).createTopic(CreateTopicRequest.newBuilder().setName("fence").setPartitions(16).build());
        String victimId = Poll.untilPresent(Duration.ofSeconds(60), "node 2 owns a partition of 'fence'", () -> {
            var d = mesh.describe(2);
            if (d.getNodesCount() != 3 || d.getOwnersList().stream().anyMatch(o -> o.getEpoch() < 1)) {
                return Optional.empty();
            }
            return Optional.of(d.getThisNodeId());
        });
        PartitionOwner target = Poll.untilPresent(Duration.ofSeconds(30), "a partition owned by node 2", () ->
                mesh.describe(0).getOwnersList().stream().filter(o -> o.getOwnerId().equals(victimId) && o.getEpoch() >= 1).findFirst());
        int p = target.getPartition();
        long epochBefore = target.getEpoch();
        for (int i = 0; i < 3; i++) {
            assertThat(mesh.broker(0).produce(MeshIT.request("fence", p, "before" + i, 2)).getBaseOffset()).isEqualTo(2L * i);
        }

        ManagedChannel direct = NettyChannelBuilder.forAddress("127.0.0.1", mesh.node(2).grpcPort()).usePlaintext().build();
        long pid = mesh.node(2).pid();
        signal("STOP", pid);
        List<CompletableFuture<ProduceResponse>> stale = new ArrayList<>();
        try {
            // requests that reach the paused owner and wait in its socket
            for (int i = 0; i < 5; i++) {
                CompletableFuture<ProduceResponse> f = new CompletableFuture<>();
                BrokerGrpc.newStub(direct).withDeadlineAfter(60, TimeUnit.SECONDS)
                        .produce(MeshIT.request("fence", p, "stale" + i, 2), observer(f));
                stale.add(f);
            }
            PartitionOwner taken = Poll.untilPresent(Duration.ofSeconds(30), "another node takes fence/" + p + " over", () ->
                    mesh.describe(0).getOwnersList().stream()
                            .filter(o -> o.getPartition() == p && o.getTopic().equals("fence") && o.getEpoch() > epochBefore
                                    && !o.getOwnerId().equals(victimId))
                            .findFirst());
            assertThat(taken.getEpoch()).isGreaterThan(epochBefore);
            // the new owner serves appends while the old one is still paused
            Poll.until(Duration.ofSeconds(30), "the new owner acknowledges an append", () -> {
                try {
                    mesh.broker(0).produce(MeshIT.request("fence", p, "fresh", 2));
                    return true;
                } catch (io.grpc.StatusRuntimeException e) {
                    return false;
                }
            });
        } finally {
            signal("CONT", pid);
        }
        Map<String, Long> staleAcks = new HashMap<>();
        for (int i = 0; i < stale.size(); i++) {
            try {
                staleAcks.put("stale" + i, stale.get(i).get(90, TimeUnit.SECONDS).getBaseOffset());
            } catch (java.util.concurrent.ExecutionException refused) {
                // not acknowledged: fine, as long as it is not visible either (checked below)
            }
        }
        direct.shutdownNow();

        // read the whole partition from the new owner: dense, CRC-valid, batches of the old epoch only before the takeover
        Map<Long, String> stored = new HashMap<>();
        Map<Long, Integer> epochOf = new HashMap<>();
        long offset = 0;
        while (true) {
            FetchResponse r = fetchRetrying(mesh, p, offset);
            if (r.getBatches().isEmpty()) {
                break;
            }
            for (RecordBatch b : RecordBatch.split(r.getBatches().asReadOnlyByteBuffer())) {
                assertThat(b.isCrcValid()).isTrue();
                for (Record rec : b.records()) {
                    stored.put(rec.offset(), new String(rec.value(), StandardCharsets.UTF_8));
                    epochOf.put(rec.offset(), b.writerEpoch());
                }
            }
            offset = r.getNextOffset();
        }
        assertThat(stored.keySet()).as("offsets are dense").hasSize((int) offset);
        for (int i = 0; i < 3; i++) {
            assertThat(stored.get(2L * i)).isEqualTo("before" + i + "-0");
        }
        assertThat(stored.values()).as("the new owner's append is there").contains("fresh-0");
        for (long o = 6; o < offset; o++) {
            assertThat(epochOf.get(o)).as("offset %d was written after the takeover, never under the paused owner's epoch %d",
                    o, epochBefore).isGreaterThan((int) epochBefore);
        }
        // a stale request may only have been acknowledged by forwarding it to the new owner, at an offset that holds it
        staleAcks.forEach((prefix, base) -> assertThat(stored.get(base)).as("acknowledged %s", prefix).isEqualTo(prefix + "-0"));
        // the paused node recovers: it rejoins and the mesh settles again
        Poll.until(Duration.ofSeconds(60), "the paused node rejoins the ring", () -> mesh.describe(0).getNodesCount() == 3);
    }

    /**
     * A fetch through node 1, retried as a client would while the answer is UNAVAILABLE: once
     * resumed, the paused node may take its key range back, and a partition moving between nodes
     * answers UNAVAILABLE ("retry") for that moment.
     */
    private static FetchResponse fetchRetrying(Mesh mesh, int p, long offset) {
        FetchRequest request = FetchRequest.newBuilder().setTopic("fence").setPartition(p).setOffset(offset).build();
        return Poll.untilPresent(Duration.ofSeconds(30), "fence/" + p + " answers a fetch at " + offset, () -> {
            try {
                return Optional.of(mesh.broker(1).fetch(request));
            } catch (io.grpc.StatusRuntimeException e) {
                if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) {
                    throw e;
                }
                return Optional.empty();
            }
        });
    }

    private static void signal(String sig, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -%s %d", sig, pid).isZero();
    }

    private static StreamObserver<ProduceResponse> observer(CompletableFuture<ProduceResponse> f) {
        return new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse v) {
                f.complete(v);
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                f.complete(null);
            }
        };
    }
}
