package io.rafka.client;

import io.grpc.ManagedChannel;
import io.rafka.client.internal.Channels;
import io.rafka.client.internal.HostPort;
import io.rafka.client.internal.Rpc;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DeleteTopicRequest;
import io.rafka.proto.v1.DescribeClusterRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.ListTopicsRequest;
import io.rafka.proto.v1.TopicDescription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Blocking topic and cluster administration. Every method throws {@link RafkaException} with the
 * broker's status code (NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, ...) on failure.
 * Thread-safe.
 */
public final class RafkaAdmin implements AutoCloseable {
    private final ManagedChannel channel;
    private final long timeoutMs;

    /** An admin client for {@code bootstrap} ({@code host:port}) with a 30 s request timeout. */
    public RafkaAdmin(String bootstrap) {
        this(bootstrap, Duration.ofSeconds(30));
    }

    public RafkaAdmin(String bootstrap, Duration requestTimeout) {
        HostPort.parse(bootstrap);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("requestTimeout must be positive, was " + requestTimeout);
        }
        this.timeoutMs = requestTimeout.toMillis();
        this.channel = Channels.open(bootstrap, 1)[0];
    }

    /** Creates a topic; {@code config} holds per-topic overrides such as retention.ms. */
    public TopicDescription createTopic(String name, int partitions, Map<String, String> config) {
        return Rpc.blocking(() -> stub().createTopic(CreateTopicRequest.newBuilder()
                .setName(name).setPartitions(partitions).putAllConfig(config).build())).getTopic();
    }

    public void deleteTopic(String name) {
        Rpc.blocking(() -> stub().deleteTopic(DeleteTopicRequest.newBuilder().setName(name).build()));
    }

    /** Topic names in lexicographic order. */
    public List<String> listTopics() {
        return List.copyOf(Rpc.blocking(() -> stub().listTopics(ListTopicsRequest.getDefaultInstance()))
                .getNamesList());
    }

    public TopicDescription describeTopic(String name) {
        return Rpc.blocking(() -> stub().describeTopic(
                DescribeTopicRequest.newBuilder().setName(name).build())).getTopic();
    }

    public DescribeClusterResponse describeCluster() {
        return Rpc.blocking(() -> stub().describeCluster(DescribeClusterRequest.getDefaultInstance()));
    }

    @Override
    public void close() {
        Channels.close(channel);
    }

    private AdminGrpc.AdminBlockingStub stub() {
        return AdminGrpc.newBlockingStub(channel).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
    }
}
