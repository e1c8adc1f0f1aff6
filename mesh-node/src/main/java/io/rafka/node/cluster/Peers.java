package io.rafka.node.cluster;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.rafka.client.internal.Channels;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * gRPC channels to the other nodes, for requests forwarded towards a partition's owner. Every
 * forwarded call carries its {@link ForwardTrail} in headers (hops so far, the forwarding node,
 * Pastry's closer-only flag), so a receiver that does not serve the partition either forwards it
 * one hop further along the route or, past {@link ForwardTrail#MAX_HOPS} or when the only way on
 * is back, answers UNAVAILABLE and the client retries against fresh ownership.
 */
public final class Peers implements AutoCloseable {
    private final String selfId;
    private final long timeoutMs;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    public Peers(String selfId, long timeoutMs) {
        this.selfId = selfId;
        this.timeoutMs = timeoutMs;
    }

    /**
     * Opens a server-streaming call to the node at {@code address} and sends {@code request}.
     * Messages arrive only as the caller asks for them ({@link io.grpc.ClientCall#request}), so a
     * slow downstream consumer throttles the upstream stream; the caller asks for the first one.
     */
    public <Q, R> io.grpc.ClientCall<Q, R> stream(String address, MethodDescriptor<Q, R> method, Q request,
                                                  ForwardTrail trail, io.grpc.ClientCall.Listener<R> listener) {
        io.grpc.ClientCall<Q, R> call = channel(address, trail).newCall(method, CallOptions.DEFAULT);
        call.start(listener, new io.grpc.Metadata());
        call.sendMessage(request);
        call.halfClose();
        return call;
    }

    private Channel channel(String address, ForwardTrail trail) {
        ManagedChannel c = channels.computeIfAbsent(address, x -> Channels.open(x, 1)[0]);
        return ClientInterceptors.intercept(c, MetadataUtils.newAttachHeadersInterceptor(trail.headers()));
    }

    /** Asks the node at {@code address} directly, as a one-hop forward (it may route the request on). */
    public <Q, R> CompletionStage<R> call(String address, MethodDescriptor<Q, R> method, Q request) {
        return call(address, method, request, ForwardTrail.ORIGIN.next(selfId, false));
    }

    /**
     * Sends one unary request carrying {@code trail} to the node at {@code address}; the stage
     * fails with the peer's status.
     */
    public <Q, R> CompletionStage<R> call(String address, MethodDescriptor<Q, R> method, Q request, ForwardTrail trail) {
        CompletableFuture<R> out = new CompletableFuture<>();
        Channel channel = channel(address, trail);
        ClientCalls.asyncUnaryCall(channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS)),
                request, new StreamObserver<R>() {
                    private R value;

                    @Override
                    public void onNext(R v) {
                        value = v;
                    }

                    @Override
                    public void onError(Throwable t) {
                        out.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        out.complete(value);
                    }
                });
        return out;
    }

    @Override
    public void close() {
        Channels.close(channels.values().toArray(ManagedChannel[]::new));
        channels.clear();
    }
}
