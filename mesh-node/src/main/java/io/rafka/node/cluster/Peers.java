package io.rafka.node.cluster;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
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
 * gRPC channels to the other nodes, for requests forwarded to a partition's owner. Every forwarded
 * call carries the {@value #FORWARDED_BY} header naming this node, so the receiver never forwards
 * it again: one hop at most (every node of a small mesh is in every leaf set, so the owner is one
 * hop away; a receiver that no longer owns the partition answers UNAVAILABLE and the client
 * retries against fresh ownership).
 */
public final class Peers implements AutoCloseable {
    public static final String FORWARDED_BY = "rafka-forwarded-by";
    public static final Metadata.Key<String> FORWARDED_BY_KEY = Metadata.Key.of(FORWARDED_BY, Metadata.ASCII_STRING_MARSHALLER);

    private final String selfId;
    private final long timeoutMs;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, Channel> tagged = new ConcurrentHashMap<>();

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
                                                  io.grpc.ClientCall.Listener<R> listener) {
        io.grpc.ClientCall<Q, R> call = channel(address).newCall(method, CallOptions.DEFAULT);
        call.start(listener, new Metadata());
        call.sendMessage(request);
        call.halfClose();
        return call;
    }

    private Channel channel(String address) {
        return tagged.computeIfAbsent(address, a -> {
            Metadata headers = new Metadata();
            headers.put(FORWARDED_BY_KEY, selfId);
            ManagedChannel c = channels.computeIfAbsent(a, x -> Channels.open(x, 1)[0]);
            return ClientInterceptors.intercept(c, MetadataUtils.newAttachHeadersInterceptor(headers));
        });
    }

    /** Sends one unary request to the node at {@code address}; the stage fails with the peer's status. */
    public <Q, R> CompletionStage<R> call(String address, MethodDescriptor<Q, R> method, Q request) {
        CompletableFuture<R> out = new CompletableFuture<>();
        Channel channel = channel(address);
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
        tagged.clear();
    }
}
