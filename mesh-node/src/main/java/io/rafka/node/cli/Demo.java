package io.rafka.node.cli;

import io.grpc.Status;
import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaAdmin;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.RafkaException;
import io.rafka.client.RafkaProducer;
import io.rafka.client.RecordMetadata;
import io.rafka.client.TopicPartitionRef;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The quick start's proof of life: a topic, five records produced and read back, and how to connect. */
final class Demo {
    static final String TOPIC = "quickstart";

    private Demo() {
    }

    static void run(String address, PrintStream out) throws Exception {
        try (RafkaAdmin admin = new RafkaAdmin(address)) {
            try {
                admin.createTopic(TOPIC, 3, Map.of());
                out.println("created topic " + TOPIC + " with 3 partitions");
            } catch (RafkaException e) {
                if (e.code() != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
                out.println("topic " + TOPIC + " already exists");
            }
        }
        List<TopicPartitionRef> parts = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            parts.add(new TopicPartitionRef(TOPIC, p));
        }
        List<RecordMetadata> sent = new ArrayList<>();
        try (RafkaConsumer consumer = new RafkaConsumer(ConsumerConfig.builder(address).build())) {
            consumer.assign(parts);
            consumer.seekToEnd(parts);
            parts.forEach(consumer::position);
            try (RafkaProducer producer = new RafkaProducer(ProducerConfig.defaults(address))) {
                for (int i = 1; i <= 5; i++) {
                    String key = "user-" + (i % 3);
                    String value = "hello rafka #" + i;
                    sent.add(producer.send(new ProducerRecord(TOPIC, key.getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8))).get());
                }
            }
            sent.forEach(m -> out.println("produced to " + m.topic() + "/" + m.partition() + " at offset " + m.offset()));
            int read = 0;
            long deadline = System.currentTimeMillis() + 10_000;
            while (read < sent.size() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord r : consumer.poll(Duration.ofMillis(200))) {
                    read++;
                    out.println("consumed " + r.topic() + "/" + r.partition() + "@" + r.offset() + " key="
                            + new String(r.key(), StandardCharsets.UTF_8) + " value=" + new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            if (read < sent.size()) {
                throw new IllegalStateException("read back only " + read + " of " + sent.size() + " records");
            }
        }
        out.println();
        out.println("Rafka is serving gRPC on " + address + ". Try, in another terminal:");
        out.println("  echo 'k1:hello' | bin/rafka produce " + TOPIC + " --key-separator : -b " + address);
        out.println("  bin/rafka consume " + TOPIC + " --from earliest --print-offsets -b " + address);
        out.println("  bin/rafka bench produce --records 100000 -b " + address);
        out.println("Java clients: new RafkaProducer(ProducerConfig.defaults(\"" + address + "\")); other languages: proto/src/main/proto/rafka/v1/rafka.proto");
        out.println("Stop with Ctrl-C.");
    }
}
