package io.rafka.node.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.rafka.node.NodeProcess;
import io.rafka.testkit.Poll;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.record.Record;
import io.rafka.record.RecordBatch;
import io.rafka.record.RecordBatchBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a node process in the middle of acks=ALL production: after a restart on the same data
 * directory every acknowledged record is there, at its acknowledged offset, with its bytes, and
 * every batch served has a valid CRC.
 */
class CrashRecoveryIT {
    static final int PARTITIONS = 3;

    @TempDir
    Path dir;

    @Test
    void killMinus9DuringAcksAllLosesNoAcknowledgedRecordAndServesNoCorruptBatch() throws Exception {
        Map<Long, String>[] acked = new Map[PARTITIONS];
        for (int p = 0; p < PARTITIONS; p++) {
            acked[p] = new ConcurrentHashMap<>();
        }
        AtomicLong ackCount = new AtomicLong();
        try (NodeProcess node = NodeProcess.start(dir, Map.of())) {
            ManagedChannel ch = channel(node.grpcPort());
            AdminGrpc.newBlockingStub(ch).createTopic(CreateTopicRequest.newBuilder().setName("crash").setPartitions(PARTITIONS).build());
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                int partition = p;
                Thread t = new Thread(() -> produceUntilFailure(ch, partition, acked[partition], ackCount, stop));
                t.start();
                producers.add(t);
            }
            Poll.until(java.time.Duration.ofSeconds(60), "20,000 records acknowledged before the kill",
                    () -> ackCount.get() >= 20_000);
            node.kill9();
            stop.set(true);
            for (Thread t : producers) {
                t.join(30_000);
            }
            ch.shutdownNow();
        }
        try (NodeProcess restarted = NodeProcess.start(dir, Map.of())) {
            ManagedChannel ch = channel(restarted.grpcPort());
            BrokerGrpc.BrokerBlockingStub broker = BrokerGrpc.newBlockingStub(ch);
            for (int p = 0; p < PARTITIONS; p++) {
                long end = broker.listOffsets(ListOffsetsRequest.newBuilder().setTopic("crash").setPartition(p).setLatest(true).build()).getOffset();
                Map<Long, String> stored = new java.util.HashMap<>();
                long offset = 0;
                while (offset < end) {
                    FetchResponse r = broker.fetch(FetchRequest.newBuilder().setTopic("crash").setPartition(p).setOffset(offset).build());
                    List<RecordBatch> batches = RecordBatch.split(r.getBatches().asReadOnlyByteBuffer());
                    assertThat(batches).isNotEmpty();
                    for (RecordBatch b : batches) {
                        assertThat(b.isCrcValid()).as("CRC of %s in partition %d", b, p).isTrue();
                        b.ensureValid();
                        for (Record rec : b.records()) {
                            stored.put(rec.offset(), new String(rec.value(), StandardCharsets.UTF_8));
                        }
                    }
                    offset = r.getNextOffset();
                }
                assertThat(stored.keySet()).as("offsets of partition %d are dense", p).hasSize((int) end);
                for (Map.Entry<Long, String> e : acked[p].entrySet()) {
                    assertThat(stored.get(e.getKey())).as("acknowledged offset %d of partition %d", e.getKey(), p).isEqualTo(e.getValue());
                }
                // the log keeps accepting appends right after the recovered end
                ProduceResponse next = broker.produce(request(p, 0, 1));
                assertThat(next.getBaseOffset()).isEqualTo(end);
            }
            ch.shutdownNow();
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    private static ProduceRequest request(int partition, long seq, int records) {
        RecordBatchBuilder b = new RecordBatchBuilder(records * 32);
        for (int i = 0; i < records; i++) {
            b.append(System.currentTimeMillis(), null, ("p" + partition + "-" + seq + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return ProduceRequest.newBuilder().setTopic("crash").setPartition(partition).setAcks(Acks.ACKS_ALL)
                .setBatch(ByteString.copyFrom(b.build())).build();
    }

    private static void produceUntilFailure(ManagedChannel ch, int partition, Map<Long, String> acked, AtomicLong count, AtomicBoolean stop) {
        BrokerGrpc.BrokerBlockingStub stub = BrokerGrpc.newBlockingStub(ch);
        for (long seq = 0; !stop.get(); seq++) {
            try {
                ProduceResponse r = stub.withDeadlineAfter(10, TimeUnit.SECONDS).produce(request(partition, seq, 100));
                for (int i = 0; i < 100; i++) {
                    acked.put(r.getBaseOffset() + i, "p" + partition + "-" + seq + "-" + i);
                }
                count.addAndGet(100);
            } catch (RuntimeException e) {
                return; // the node was killed: anything not acknowledged may or may not be there
            }
        }
    }
}
