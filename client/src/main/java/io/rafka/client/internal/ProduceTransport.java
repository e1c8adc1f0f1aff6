package io.rafka.client.internal;

import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.proto.v1.TopicDescription;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * The RPCs the producer needs, behind an interface so tests can inject failures. Callbacks may
 * run on a transport thread, or inline when the call fails at once, and must not block.
 */
interface ProduceTransport extends AutoCloseable {
    /** Sends one Produce RPC on channel {@code connection}; reports (response, null) or (null, error). */
    void produce(int connection, ProduceRequest request,
                 BiConsumer<ProduceResponse, Throwable> callback);

    CompletableFuture<InitProducerResponse> initProducer();

    CompletableFuture<TopicDescription> describeTopic(String topic);

    @Override
    void close();
}
