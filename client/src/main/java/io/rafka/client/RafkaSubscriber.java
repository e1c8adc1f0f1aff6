package io.rafka.client;

import io.grpc.ManagedChannel;
import io.rafka.client.internal.Channels;
import io.rafka.client.internal.Rpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.SubscribeRequest;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Opens push subscriptions (the server-streaming Subscribe RPC) to single partitions, independent
 * of {@link RafkaConsumer}. Each subscription delivers its records in offset order on a thread of
 * this subscriber's pool (callbacks of one subscription never run concurrently) with client-side
 * flow control. Thread-safe. Uses {@code bootstrap}, {@code maxFetchBytes}, {@code checkCrcs},
 * {@code requestTimeoutMs} from {@link ConsumerConfig}.
 */
public final class RafkaSubscriber implements AutoCloseable {
    private final ConsumerConfig config;
    private final ManagedChannel channel;
    private final ExecutorService callbacks;

    public RafkaSubscriber(ConsumerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.channel = Channels.open(config.bootstrap(), 1)[0];
        AtomicInteger n = new AtomicInteger();
        this.callbacks = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "rafka-subscription-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public RafkaSubscriber(String bootstrap) {
        this(ConsumerConfig.defaults(bootstrap));
    }

    /**
     * Starts streaming {@code topic}-{@code partition} from {@code start} (resolved to an exact
     * offset first, so records below it are skipped precisely) into {@code onRecord}.
     */
    public Subscription subscribe(String topic, int partition, StartPosition start,
                                  Consumer<ConsumerRecord> onRecord) {
        TopicPartitionRef tp = new TopicPartitionRef(topic, partition);
        Objects.requireNonNull(onRecord, "onRecord");
        long offset = resolve(tp, Objects.requireNonNull(start, "start"));
        Subscription s = new Subscription(tp, offset, config.checkCrcs(), onRecord);
        SubscribeRequest req = SubscribeRequest.newBuilder()
                .setTopic(topic)
                .setPartition(partition)
                .setStart(io.rafka.proto.v1.StartPosition.newBuilder().setOffset(offset))
                .setMaxBytes(config.maxFetchBytes())
                .build();
        BrokerGrpc.newStub(channel).withExecutor(callbacks).subscribe(req, s.observer());
        return s;
    }

    /** Closes the connection (cancelling open subscriptions) and the callback threads. */
    @Override
    public void close() {
        Channels.close(channel);
        callbacks.shutdown();
    }

    private long resolve(TopicPartitionRef tp, StartPosition start) {
        ListOffsetsRequest.Builder req = ListOffsetsRequest.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition());
        if (start instanceof StartPosition.AtOffset o) {
            return o.offset();
        } else if (start instanceof StartPosition.Earliest) {
            req.setEarliest(true);
        } else if (start instanceof StartPosition.Latest) {
            req.setLatest(true);
        } else if (start instanceof StartPosition.AtTimestamp t) {
            req.setTimestamp(t.timestamp());
        }
        return Rpc.blocking(() -> BrokerGrpc.newBlockingStub(channel)
                .withDeadlineAfter(config.requestTimeoutMs(), TimeUnit.MILLISECONDS)
                .listOffsets(req.build())).getOffset();
    }
}
