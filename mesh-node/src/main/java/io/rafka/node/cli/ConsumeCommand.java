package io.rafka.node.cli;

import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.RafkaAdmin;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.TopicPartitionRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Consumes a topic (or one partition) from a chosen start, printing or counting records. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Consume records and print them (or --count them).")
final class ConsumeCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", description = "Topic.")
    String topic;
    @Option(names = {"-p", "--partition"}, description = "Only this partition (default: all).")
    Integer partition;
    @Option(names = "--from", defaultValue = "earliest",
            description = "earliest, latest, an offset (e.g. 42, per partition) or a time (ISO-8601 such as 2026-11-25T10:00:00Z, or @epochMillis). Default ${DEFAULT-VALUE}.")
    String from;
    @Option(names = "--max", description = "Stop after this many records.")
    Long max;
    @Option(names = "--idle-timeout-ms", defaultValue = "3000", description = "Stop when no record arrives for this long (default ${DEFAULT-VALUE}; 0 = never).")
    long idleTimeoutMs;
    @Option(names = "--count", description = "Print only the number of records consumed.")
    boolean count;
    @Option(names = "--print-offsets", description = "Prefix each value with partition, offset and key.")
    boolean printOffsets;

    @Override
    public Integer call() {
        long maxRecords = max == null ? Long.MAX_VALUE : max;
        if (maxRecords < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max must be >= 0, was " + max);
        }
        try (RafkaConsumer consumer = new RafkaConsumer(ConsumerConfig.builder(client.bootstrap).build())) {
            List<TopicPartitionRef> parts = new ArrayList<>();
            if (partition != null) {
                parts.add(new TopicPartitionRef(topic, partition));
            } else {
                try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
                    int n = admin.describeTopic(topic).getPartitionCount();
                    for (int p = 0; p < n; p++) {
                        parts.add(new TopicPartitionRef(topic, p));
                    }
                }
            }
            consumer.assign(parts);
            applyStart(consumer, parts);
            long seen = 0;
            long lastRecord = System.currentTimeMillis();
            while (seen < maxRecords) {
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (idleTimeoutMs > 0 && System.currentTimeMillis() - lastRecord > idleTimeoutMs) {
                        break;
                    }
                    continue;
                }
                lastRecord = System.currentTimeMillis();
                for (ConsumerRecord r : records) {
                    if (seen >= maxRecords) {
                        break;
                    }
                    seen++;
                    if (!count) {
                        print(r);
                    }
                }
            }
            if (count) {
                System.out.println(seen);
            }
            System.out.flush();
        }
        return 0;
    }

    private void applyStart(RafkaConsumer consumer, List<TopicPartitionRef> parts) {
        String f = from.trim();
        if (f.equals("earliest")) {
            consumer.seekToBeginning(parts);
        } else if (f.equals("latest")) {
            consumer.seekToEnd(parts);
        } else if (f.matches("\\d+")) {
            long offset = Long.parseLong(f);
            parts.forEach(tp -> consumer.seek(tp, offset));
        } else {
            long ts;
            try {
                ts = f.startsWith("@") ? Long.parseLong(f.substring(1)) : Instant.parse(f).toEpochMilli();
            } catch (RuntimeException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--from must be earliest, latest, an offset, an ISO-8601 time or @epochMillis, was '" + from + "'");
            }
            parts.forEach(tp -> consumer.seekToTimestamp(tp, ts));
        }
    }

    private void print(ConsumerRecord r) {
        String value = r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8);
        if (printOffsets) {
            String key = r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8);
            System.out.println(r.partition() + "\t" + r.offset() + "\t" + key + "\t" + value);
        } else {
            System.out.println(value);
        }
    }
}
