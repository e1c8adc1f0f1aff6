package io.rafka.client.internal;

import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.proto.v1.TopicDescription;
import io.rafka.record.RecordBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/** A scripted transport: records produce calls and lets the test answer each one. */
final class FakeTransport implements ProduceTransport {
    /** One produce call awaiting the test's answer. */
    record Call(int connection, ProduceRequest request, BiConsumer<ProduceResponse, Throwable> callback) {
        RecordBatch batch() {
            return RecordBatch.wrap(request.getBatch().toByteArray());
        }

        void succeed(long baseOffset) {
            callback.accept(ProduceResponse.newBuilder().setBaseOffset(baseOffset)
                    .setRecordCount(batch().recordCount()).build(), null);
        }

        void fail(io.grpc.Status status) {
            callback.accept(null, status.asRuntimeException());
        }
    }

    final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Integer> partitionCounts = new HashMap<>();
    long nextProducerId = 7;
    int describeCalls;

    @Override
    public synchronized void produce(int connection, ProduceRequest request,
                        BiConsumer<ProduceResponse, Throwable> callback) {
        calls.add(new Call(connection, request, callback));
    }

    @Override
    public CompletableFuture<InitProducerResponse> initProducer() {
        return CompletableFuture.completedFuture(InitProducerResponse.newBuilder()
                .setProducerId(nextProducerId++).setProducerEpoch(0).build());
    }

    @Override
    public CompletableFuture<TopicDescription> describeTopic(String topic) {
        describeCalls++;
        Integer n = partitionCounts.get(topic);
        if (n == null) {
            return CompletableFuture.failedFuture(io.grpc.Status.NOT_FOUND
                    .withDescription("topic " + topic + " does not exist").asRuntimeException());
        }
        return CompletableFuture.completedFuture(
                TopicDescription.newBuilder().setName(topic).setPartitionCount(n).build());
    }

    @Override
    public void close() {
    }
}
