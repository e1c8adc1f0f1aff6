package io.rafka.node.cli;

import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaProducer;
import io.rafka.client.RecordMetadata;
import io.rafka.proto.v1.Acks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Produces lines from stdin, or generated records. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Produce records: one per line of stdin (default), or --generate N records.")
final class ProduceCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;
    @Parameters(index = "0", description = "Topic.")
    String topic;
    @Option(names = "--key-separator", description = "Split each line at the first SEP into key and value.")
    String keySeparator;
    @Option(names = {"-p", "--partition"}, description = "Send every record to this partition (default: by key hash).")
    Integer partition;
    @Option(names = "--acks", defaultValue = "all", description = "none, leader or all (default ${DEFAULT-VALUE}).")
    String acks;
    @Option(names = "--no-owner-routing", description = "Send every batch to the bootstrap node, which forwards it to the partition's owner (e.g. from outside Kubernetes, where pod addresses do not resolve).")
    boolean noOwnerRouting;

    @Option(names = "--generate", description = "Instead of stdin, produce this many generated records.")
    Long generate;
    @Option(names = "--record-size", defaultValue = "100", description = "Value size of generated records, bytes (default ${DEFAULT-VALUE}).")
    int recordSize;

    @Override
    public Integer call() throws Exception {
        ProducerConfig config = ProducerConfig.builder(client.bootstrap).acks(parseAcks(acks))
                .routeToOwner(!noOwnerRouting).build();
        AtomicLong acked = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long sent = 0;
        try (RafkaProducer producer = new RafkaProducer(config)) {
            if (generate != null) {
                if (generate < 0) {
                    throw new IllegalArgumentException("--generate must be >= 0, was " + generate);
                }
                byte[] value = BenchCommand.payload(recordSize);
                for (long i = 0; i < generate; i++) {
                    track(producer.send(new ProducerRecord(topic, partition, null, value, List.of(), 0L)), acked, failure);
                    sent++;
                }
            } else {
                BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null && failure.get() == null) {
                    byte[] key = null;
                    String value = line;
                    if (keySeparator != null) {
                        int at = line.indexOf(keySeparator);
                        if (at >= 0) {
                            key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
                            value = line.substring(at + keySeparator.length());
                        }
                    }
                    track(producer.send(new ProducerRecord(topic, partition, key, value.getBytes(StandardCharsets.UTF_8),
                            List.of(), 0L)), acked, failure);
                    sent++;
                }
            }
            producer.flush();
        }
        if (failure.get() != null) {
            System.err.println("rafka produce: " + RafkaCli.message(failure.get()) + " (" + acked.get() + " of " + sent + " records acknowledged)");
            return 1;
        }
        System.err.println("produced " + acked.get() + " records to " + topic);
        return 0;
    }

    private static void track(CompletableFuture<RecordMetadata> f, AtomicLong acked, AtomicReference<Throwable> failure) {
        f.whenComplete((m, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            } else {
                acked.incrementAndGet();
            }
        });
    }

    static Acks parseAcks(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "none", "0" -> Acks.ACKS_NONE;
            case "leader", "1" -> Acks.ACKS_LEADER;
            case "all", "-1" -> Acks.ACKS_ALL;
            default -> throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(new ProduceCommand()),
                    "--acks must be none, leader or all, was '" + s + "'");
        };
    }
}
