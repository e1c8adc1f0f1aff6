package io.rafka.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.proto.v1.Acks;
import org.junit.jupiter.api.Test;

class ConfigTest {
    @Test
    void producerDefaults() {
        ProducerConfig c = ProducerConfig.defaults("localhost:9092");
        assertThat(c.lingerMs()).isEqualTo(5);
        assertThat(c.batchSizeBytes()).isEqualTo(65_536);
        assertThat(c.acks()).isEqualTo(Acks.ACKS_ALL);
        assertThat(c.maxInFlightPerPartition()).isEqualTo(5);
        assertThat(c.deliveryTimeoutMs()).isEqualTo(120_000);
        assertThat(c.retryBackoffMs()).isEqualTo(100);
        assertThat(c.retryBackoffMaxMs()).isEqualTo(5_000);
        assertThat(c.idempotence()).isTrue();
        assertThat(c.maxRequestBytes()).isEqualTo(1 << 20);
        assertThat(c.connections()).isEqualTo(2);
    }

    @Test
    void consumerDefaults() {
        ConsumerConfig c = ConsumerConfig.defaults("10.0.0.1:7000");
        assertThat(c.maxFetchBytes()).isEqualTo(1 << 20);
        assertThat(c.fetchMaxWaitMs()).isEqualTo(500);
        assertThat(c.groupId()).isEmpty();
        assertThat(c.autoOffsetReset()).isEqualTo(AutoOffsetReset.LATEST);
        assertThat(c.sessionTimeoutMs()).isEqualTo(10_000);
        assertThat(c.enableAutoCommit()).isTrue();
        assertThat(c.autoCommitIntervalMs()).isEqualTo(5_000);
        assertThat(c.clientId()).isEmpty();
    }

    @Test
    void bootstrapMustBeHostColonPort() {
        assertThatThrownBy(() -> ProducerConfig.defaults("localhost"))
                .hasMessage("bootstrap must be host:port, was \"localhost\"");
        assertThatThrownBy(() -> ConsumerConfig.defaults("localhost:99999"))
                .hasMessage("bootstrap port must be in [1, 65535], was 99999 in \"localhost:99999\"");
        assertThatThrownBy(() -> ConsumerConfig.defaults("localhost:http"))
                .hasMessageContaining("must be a number");
        assertThat(ProducerConfig.defaults("[::1]:9092").bootstrap()).isEqualTo("[::1]:9092");
    }

    @Test
    void messagesNameTheSettingTheValueAndTheLimits() {
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").lingerMs(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("lingerMs must be in [0, 60000], was -1");
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").batchSizeBytes(2 << 20).build())
                .hasMessage("batchSizeBytes must be in [1024, 1048576], was 2097152");
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").maxInFlightPerPartition(0).build())
                .hasMessage("maxInFlightPerPartition must be in [1, 100], was 0");
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").deliveryTimeoutMs(1000).build())
                .hasMessage("deliveryTimeoutMs must be in [30000, 86400000], was 1000");
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").retryBackoffMs(10_000).build())
                .hasMessage("retryBackoffMs must be in [1, 5000], was 10000");
        assertThatThrownBy(() -> ConsumerConfig.builder("h:1").fetchMaxWaitMs(60_000).build())
                .hasMessage("fetchMaxWaitMs must be in [0, 30000], was 60000");
        assertThatThrownBy(() -> ConsumerConfig.builder("h:1").groupId("bad group").build())
                .hasMessage("groupId must be 1-249 characters of [a-zA-Z0-9._-], was \"bad group\"");
        assertThatThrownBy(() -> ConsumerConfig.builder("h:1").sessionTimeoutMs(5_000).build())
                .hasMessage("sessionTimeoutMs must be in [6000, 300000], was 5000");
        assertThatThrownBy(() -> ConsumerConfig.builder("h:1").autoCommitIntervalMs(0).build())
                .hasMessage("autoCommitIntervalMs must be in [10, 3600000], was 0");
        assertThatThrownBy(() -> ConsumerConfig.builder("h:1").clientId("x".repeat(256)).build())
                .hasMessage("clientId length must be in [0, 255], was 256");
    }

    @Test
    void idempotenceNeedsAcknowledgements() {
        assertThatThrownBy(() -> ProducerConfig.builder("h:1").acks(Acks.ACKS_NONE).build())
                .hasMessage("idempotence requires acks ACKS_LEADER or ACKS_ALL, was ACKS_NONE");
        assertThat(ProducerConfig.builder("h:1").acks(Acks.ACKS_NONE).idempotence(false).build()
                .acks()).isEqualTo(Acks.ACKS_NONE);
    }

    @Test
    void valueRecordsValidate() {
        assertThatThrownBy(() -> new ProducerRecord("t", -1, null, null, java.util.List.of(), 0))
                .hasMessage("partition must be >= 0, was -1");
        assertThatThrownBy(() -> new TopicPartitionRef("", 0)).hasMessage("topic must not be empty");
        assertThatThrownBy(() -> StartPosition.offset(-5)).hasMessage("offset must be >= 0, was -5");
    }
}
