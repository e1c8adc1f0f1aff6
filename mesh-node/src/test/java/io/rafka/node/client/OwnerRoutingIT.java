package io.rafka.node.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.client.ProducerConfig;
import io.rafka.client.ProducerRecord;
import io.rafka.client.RafkaAdmin;
import io.rafka.client.RafkaProducer;
import io.rafka.client.RecordMetadata;
import io.rafka.node.TestNode;
import io.rafka.proto.v1.Acks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The producer sends batches to the owner address describe-topic names; when that address cannot
 * be reached (a pod DNS name seen from outside Kubernetes) it falls back to its bootstrap node.
 */
class OwnerRoutingIT {
    @TempDir
    Path dir;

    @Test
    void anUnreachableOwnerAddressFallsBackToTheBootstrapNode() throws Exception {
        try (TestNode node = TestNode.start(dir, Map.of("grpc.advertised-address", "rafka-0.rafka-headless.invalid:9090"))) {
            String bootstrap = "127.0.0.1:" + node.node.grpcPort();
            try (RafkaAdmin admin = new RafkaAdmin(bootstrap)) {
                admin.createTopic("routed", 2, Map.of());
                assertThat(admin.describeTopic("routed").getPartitions(0).getOwnerAddress())
                        .isEqualTo("rafka-0.rafka-headless.invalid:9090");
            }
            ProducerConfig config = ProducerConfig.builder(bootstrap).acks(Acks.ACKS_ALL).retryBackoffMs(10)
                    .retryBackoffMaxMs(100).deliveryTimeoutMs(30_000).build();
            try (RafkaProducer producer = new RafkaProducer(config)) {
                List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    sent.add(producer.send(new ProducerRecord("routed", i % 2, null,
                            ("r" + i).getBytes(StandardCharsets.UTF_8), List.of(), 0)));
                }
                for (CompletableFuture<RecordMetadata> f : sent) {
                    assertThat(f.get(30, TimeUnit.SECONDS).offset()).isGreaterThanOrEqualTo(0);
                }
            }
        }
    }
}
