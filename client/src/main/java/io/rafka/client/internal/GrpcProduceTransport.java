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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * {@link ProduceTransport} over gRPC channels. With owner routing on, a partition's batches go
 * straight to the owner named by the last describe-topic answer; any failure of a routed request
 * forgets the topic's owners (the next describe refreshes them) and sends through the bootstrap
 * node, which forwards to the owner, until then.
 */
final class GrpcProduceTransport implements ProduceTransport {
    private final ProducerConfig config;
    private final ManagedChannel[] channels;
    private final long requestTimeoutMs;
    private final Map<String, ManagedChannel[]> owners = new ConcurrentHashMap<>();
    private final Map<String, List<String>> ownerAddresses = new ConcurrentHashMap<>();
    private final Map<String, Boolean> refreshing = new ConcurrentHashMap<>();
    /** Owner addresses this client could not reach (e.g. pod DNS names outside Kubernetes), until when (nanoTime). */
    private final Map<String, Long> unreachable = new ConcurrentHashMap<>();
    /** How long an owner that could not be reached is bypassed in favour of the bootstrap node. */
    private static final long UNREACHABLE_NANOS = TimeUnit.SECONDS.toNanos(30);

    GrpcProduceTransport(ProducerConfig config) {
        this.config = config;
        this.channels = Channels.open(config.bootstrap(), config.connections());
        this.requestTimeoutMs = config.requestTimeoutMs();
    }

    @Override
    public void produce(int connection, ProduceRequest request,
                        BiConsumer<ProduceResponse, Throwable> callback) {
        ManagedChannel channel = channels[connection];
        String topic = request.getTopic();
        boolean routed = false;
        List<String> addresses = config.routeToOwner() ? ownerAddresses.get(topic) : null;
        if (addresses != null && request.getPartition() < addresses.size()) {
            String owner = addresses.get(request.getPartition());
            Long until = unreachable.get(owner);
            if (until != null && System.nanoTime() - until > 0) {
                unreachable.remove(owner, until);
                until = null;
            }
            if (!owner.isEmpty() && !owner.equals(config.bootstrap()) && until == null) {
                channel = owners.computeIfAbsent(owner, a -> Channels.open(a, config.connections()))[connection];
                routed = true;
            }
        }
        boolean viaOwner = routed;
        String target = routed ? addresses.get(request.getPartition()) : null;
        ClientCalls.asyncUnaryCall(
                channel.newCall(BrokerGrpc.getProduceMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(requestTimeoutMs, TimeUnit.MILLISECONDS)),
                request, Rpc.callback((response, error) -> {
                    if (error != null && config.routeToOwner()) {
                        if (viaOwner && unreachableError(error)) {
                            unreachable.put(target, System.nanoTime() + UNREACHABLE_NANOS);
                        }
                        forgetOwners(topic, viaOwner);
                    }
                    callback.accept(response, error);
                }));
    }

    /** A failure to reach the node at all (name not resolvable, connection refused), as opposed to its answer. */
    private static boolean unreachableError(Throwable error) {
        io.grpc.Status status = io.grpc.Status.fromThrowable(error);
        if (status.getCode() != io.grpc.Status.Code.UNAVAILABLE) {
            return false;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException || t instanceof java.net.ConnectException) {
                return true;
            }
        }
        String d = String.valueOf(status.getDescription());
        return d.contains("Unable to resolve host") || d.contains("Connection refused") || d.contains("io exception");
    }

    /** Drops the topic's owners after a failure and asks the bootstrap node again, once at a time. */
    private void forgetOwners(String topic, boolean viaOwner) {
        if (viaOwner) {
            ownerAddresses.remove(topic);
        }
        if (refreshing.putIfAbsent(topic, Boolean.TRUE) == null) {
            describeTopic(topic).whenComplete((d, e) -> refreshing.remove(topic));
        }
    }

    private void learnOwners(TopicDescription d) {
        List<String> addresses = new ArrayList<>(d.getPartitionsCount());
        for (int i = 0; i < d.getPartitionsCount(); i++) {
            addresses.add("");
        }
        d.getPartitionsList().forEach(p -> {
            if (p.getPartition() >= 0 && p.getPartition() < addresses.size()) {
                addresses.set(p.getPartition(), p.getOwnerAddress());
            }
        });
        ownerAddresses.put(d.getName(), List.copyOf(addresses));
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
        return f.thenApply(r -> {
            learnOwners(r.getTopic());
            return r.getTopic();
        });
    }

    @Override
    public void close() {
        Channels.close(channels);
        owners.values().forEach(Channels::close);
    }
}
