package io.rafka.node;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.rafka.node.config.NodeConfig;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.OffsetsGrpc;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** An in-process node on free loopback ports, and real gRPC channels to it. */
public final class TestNode implements AutoCloseable {
    public final RafkaNode node;
    public final ManagedChannel channel;

    private TestNode(RafkaNode node) {
        this.node = node;
        this.channel = NettyChannelBuilder.forAddress("127.0.0.1", node.grpcPort()).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    public static TestNode start(Path dataDir, Map<String, String> overrides) throws Exception {
        Map<String, String> settings = new HashMap<>(Map.of(
                "node.name", "test-node", "grpc.host", "127.0.0.1", "grpc.port", "0",
                "http.host", "127.0.0.1", "http.port", "0", "data.dir", dataDir.toString(),
                "storage.threads", "2"));
        settings.putAll(overrides);
        NodeConfig config = NodeConfig.load(Optional.empty(), Map.of(), settings);
        return new TestNode(RafkaNode.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
    }

    public static TestNode start(Path dataDir) throws Exception {
        return start(dataDir, Map.of());
    }

    public BrokerGrpc.BrokerBlockingStub broker() {
        return BrokerGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public BrokerGrpc.BrokerStub brokerAsync() {
        return BrokerGrpc.newStub(channel);
    }

    public AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public OffsetsGrpc.OffsetsBlockingStub offsets() {
        return OffsetsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }
}
