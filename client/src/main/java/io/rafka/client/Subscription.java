package io.rafka.client;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.rafka.client.internal.Errors;
import io.rafka.client.internal.FetchDecoder;
import io.rafka.proto.v1.SubscribeRequest;
import io.rafka.proto.v1.SubscribeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A live server-streamed subscription to one partition, created by {@link RafkaSubscriber}.
 * Records are handed to the callback in offset order, one at a time, on a subscriber thread; the
 * next stream message is requested only after the callback processed the current one, so a slow
 * callback slows the broker's stream instead of buffering without bound. Thread-safe.
 */
public final class Subscription implements AutoCloseable {
    private final TopicPartitionRef partition;
    private final Consumer<ConsumerRecord> onRecord;
    private final boolean checkCrc;
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private volatile long position;
    private volatile ClientCallStreamObserver<SubscribeRequest> requestStream;
    private volatile boolean closed;

    Subscription(TopicPartitionRef partition, long startOffset, boolean checkCrc,
                 Consumer<ConsumerRecord> onRecord) {
        this.partition = partition;
        this.position = startOffset;
        this.checkCrc = checkCrc;
        this.onRecord = onRecord;
    }

    public TopicPartitionRef partition() {
        return partition;
    }

    /** Offset of the next record to be delivered. */
    public long position() {
        return position;
    }

    /**
     * Completes normally when the subscription is closed or the broker ends the stream, and
     * exceptionally (with a {@link RafkaException}, or what the callback threw) on failure.
     */
    public CompletableFuture<Void> completion() {
        return completion;
    }

    /** Cancels the stream; no record is delivered after the callback in progress returns. */
    @Override
    public void close() {
        closed = true;
        ClientCallStreamObserver<SubscribeRequest> rs = requestStream;
        if (rs != null) {
            rs.cancel("subscription closed", null);
        }
        completion.complete(null);
    }

    ClientResponseObserver<SubscribeRequest, SubscribeResponse> observer() {
        return new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<SubscribeRequest> stream) {
                requestStream = stream;
                stream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(SubscribeResponse message) {
                List<ConsumerRecord> records = new ArrayList<>();
                try {
                    FetchDecoder.decode(partition.topic(), partition.partition(),
                            message.getBatches().asReadOnlyByteBuffer(), position, checkCrc, records);
                    for (ConsumerRecord r : records) {
                        if (closed) {
                            return;
                        }
                        onRecord.accept(r);
                        position = r.offset() + 1;
                    }
                } catch (RuntimeException e) {
                    requestStream.cancel("subscription callback failed", e);
                    completion.completeExceptionally(e);
                    return;
                }
                requestStream.request(1);
            }

            @Override
            public void onError(Throwable t) {
                if (closed) {
                    completion.complete(null);
                } else {
                    completion.completeExceptionally(Errors.toRafka(t));
                }
            }

            @Override
            public void onCompleted() {
                completion.complete(null);
            }
        };
    }
}
