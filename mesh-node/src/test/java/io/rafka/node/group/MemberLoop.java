package io.rafka.node.group;

import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.TopicPartitionRef;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A group member consuming on its own thread, as an application would: poll, record what it got in
 * a shared log (with a global sequence number, so logs of several members interleave in the order
 * records were handed out), poll again.
 */
public final class MemberLoop implements AutoCloseable {
    /** One record handed to a member; {@code seq} orders it among every member's records. */
    public record Consumed(String member, String topic, int partition, long offset, long seq) {
    }

    private final String name;
    private final RafkaConsumer consumer;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Set<TopicPartitionRef> assignment = Set.of();
    private volatile int generation = -1;
    private volatile Throwable failure;

    private MemberLoop(String name, RafkaConsumer consumer, List<Consumed> log, AtomicLong seq) {
        this.name = name;
        this.consumer = consumer;
        this.thread = new Thread(() -> {
            try {
                while (!stopping) {
                    for (ConsumerRecord r : consumer.poll(Duration.ofMillis(100))) {
                        log.add(new Consumed(name, r.topic(), r.partition(), r.offset(), seq.incrementAndGet()));
                    }
                    assignment = consumer.assignment();
                    generation = consumer.generation();
                }
            } catch (Throwable e) {
                failure = e;
            }
        }, "member-" + name);
    }

    /** Subscribes (joining the group on this thread) and starts polling. */
    public static MemberLoop start(String name, ConsumerConfig config, List<String> topics, List<Consumed> log,
                                   AtomicLong seq) {
        RafkaConsumer consumer = new RafkaConsumer(config);
        consumer.subscribe(topics);
        MemberLoop loop = new MemberLoop(name, consumer, log, seq);
        loop.thread.start();
        return loop;
    }

    public String name() {
        return name;
    }

    /** The partitions the member consumed from at its last poll. */
    public Set<TopicPartitionRef> assignment() {
        checkAlive();
        return assignment;
    }

    public int generation() {
        return generation;
    }

    public void checkAlive() {
        if (failure != null) {
            throw new AssertionError("member " + name + " failed", failure);
        }
    }

    /** Stops polling, then closes the consumer (committing and leaving the group). */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(30_000);
        consumer.close();
        checkAlive();
    }
}
