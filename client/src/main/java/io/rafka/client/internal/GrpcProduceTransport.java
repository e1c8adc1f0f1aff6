package io.rafka.client.internal;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.rafka.client.ProducerConfig;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.DescribeTopicResponse;
import io.rafka.proto.v1.InitProducerRequest;
import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.proto.v1.TopicDescription;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/** {@link ProduceTransport} over gRPC channels to the bootstrap broker. */
final class GrpcProduceTransport implements ProduceTransport {
    private final ManagedChannel[] channels;
    private final long requestTimeoutMs;

    GrpcProduceTransport(ProducerConfig config) {
        this.channels = Channels.open(config.bootstrap(), config.connections());
        this.requestTimeoutMs = config.requestTimeoutMs();
    }

    @Override
    public void produce(int connection, ProduceRequest request,
                        BiConsumer<ProduceResponse, Throwable> callback) {
        ClientCalls.asyncUnaryCall(
                channels[connection].newCall(BrokerGrpc.getProduceMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)),
                request, Rpc.callback(callback));
    }

    @Override
    public CompletableFuture<InitProducerResponse> initProducer() {
        CompletableFuture<InitProducerResponse> f = new CompletableFuture<>();
        BrokerGrpc.newStub(channels[0])
                .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)
                .initProducer(InitProducerRequest.getDefaultInstance(), Rpc.into(f));
        return f;
    }

    @Override
    public CompletableFuture<TopicDescription> describeTopic(String topic) {
        CompletableFuture<DescribeTopicResponse> f = new CompletableFuture<>();
        AdminGrpc.newStub(channels[0])
                .withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)
                .describeTopic(DescribeTopicRequest.newBuilder().setName(topic).build(), Rpc.into(f));
        return f.thenApply(DescribeTopicResponse::getTopic);
    }

    @Override
    public void close() {
        Channels.close(channels);
    }
}
