package io.rafka.client;

import io.rafka.client.internal.Checks;
import io.rafka.client.internal.HostPort;
import io.rafka.proto.v1.Acks;
import java.util.Objects;

/**
 * Producer settings, validated on construction. Build with {@link #builder(String)}; every
 * setting not given keeps the default listed on the builder method.
 *
 * @param bootstrap               broker address, {@code host:port}
 * @param lingerMs                how long a batch waits for more records before it is sealed
 * @param batchSizeBytes          a batch is sealed and sent when it reaches this size
 * @param acks                    durability each produce waits for
 * @param maxInFlightPerPartition produce requests outstanding at once per partition
 * @param deliveryTimeoutMs       a record fails when not acknowledged this long after its batch
 *                                was sealed (bounds the retries)
 * @param requestTimeoutMs        deadline of one RPC
 * @param retryBackoffMs          first retry backoff, doubled on each retry of a batch
 * @param retryBackoffMaxMs       upper bound of the retry backoff
 * @param idempotence             stamp batches with producer id and sequence so retries are not
 *                                appended twice
 * @param maxRequestBytes         largest batch (and so largest single record) sent
 * @param bufferMemoryBytes       {@code send} blocks while sealed, unacknowledged batches hold
 *                                this many bytes
 * @param maxBlockMs              longest {@code send} blocks for metadata or buffer space
 * @param connections             gRPC channels to the broker; partition p uses channel
 *                                {@code p % connections}
 * @param sendWhenIdle            a partition with nothing queued or in flight sends a record at
 *                                once instead of lingering; records arriving meanwhile batch up
 *                                behind it and go when the wire frees or lingerMs passes
 *                                (Nagle-style). Low latency at low rates, full batches under load.
 * @param routeToOwner            send each partition's batches straight to the node that owns it
 *                                (learnt from describe-topic, refreshed when a request fails),
 *                                rather than through the bootstrap node, which forwards them
 */
public record ProducerConfig(String bootstrap, int lingerMs, int batchSizeBytes, Acks acks,
                             int maxInFlightPerPartition, long deliveryTimeoutMs,
                             long requestTimeoutMs, long retryBackoffMs, long retryBackoffMaxMs,
                             boolean idempotence, int maxRequestBytes, long bufferMemoryBytes,
                             long maxBlockMs, int connections, boolean sendWhenIdle,
                             boolean routeToOwner) {
    /** Smallest accepted batch size and request size. */
    public static final int MIN_BATCH_BYTES = 1024;
    /** Largest accepted request size: the client's maxInboundMessageSize. */
    public static final int MAX_REQUEST_BYTES = 64 << 20;

    public ProducerConfig {
        HostPort.parse(bootstrap);
        Objects.requireNonNull(acks, "acks");
        if (acks == Acks.UNRECOGNIZED) {
            throw new IllegalArgumentException("acks must be ACKS_NONE, ACKS_LEADER or ACKS_ALL, was "
                    + acks);
        }
        Checks.inRange("lingerMs", lingerMs, 0, 60_000);
        Checks.inRange("maxRequestBytes", maxRequestBytes, MIN_BATCH_BYTES, MAX_REQUEST_BYTES);
        Checks.inRange("batchSizeBytes", batchSizeBytes, MIN_BATCH_BYTES, maxRequestBytes);
        Checks.inRange("maxInFlightPerPartition", maxInFlightPerPartition, 1, 100);
        Checks.inRange("requestTimeoutMs", requestTimeoutMs, 100, 600_000);
        Checks.inRange("deliveryTimeoutMs", deliveryTimeoutMs, requestTimeoutMs, 86_400_000);
        Checks.inRange("retryBackoffMaxMs", retryBackoffMaxMs, 1, 600_000);
        Checks.inRange("retryBackoffMs", retryBackoffMs, 1, retryBackoffMaxMs);
        Checks.inRange("bufferMemoryBytes", bufferMemoryBytes, maxRequestBytes, 1L << 40);
        Checks.inRange("maxBlockMs", maxBlockMs, 0, 86_400_000);
        Checks.inRange("connections", connections, 1, 16);
        if (idempotence && acks == Acks.ACKS_NONE) {
            throw new IllegalArgumentException(
                    "idempotence requires acks ACKS_LEADER or ACKS_ALL, was ACKS_NONE");
        }
    }

    /** All defaults, for the broker at {@code bootstrap}. */
    public static ProducerConfig defaults(String bootstrap) {
        return builder(bootstrap).build();
    }

    public static Builder builder(String bootstrap) {
        return new Builder(bootstrap);
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private final String bootstrap;
        private int lingerMs = 5;
        private int batchSizeBytes = 65_536;
        private Acks acks = Acks.ACKS_ALL;
        private int maxInFlightPerPartition = 5;
        private long deliveryTimeoutMs = 120_000;
        private long requestTimeoutMs = 30_000;
        private long retryBackoffMs = 100;
        private long retryBackoffMaxMs = 5_000;
        private boolean idempotence = true;
        private int maxRequestBytes = 1 << 20;
        private long bufferMemoryBytes = 32L << 20;
        private long maxBlockMs = 60_000;
        private int connections = 2;
        private boolean sendWhenIdle = true;
        private boolean routeToOwner = true;

        private Builder(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        /** Default 5. */
        public Builder lingerMs(int v) {
            lingerMs = v;
            return this;
        }

        /** Default 65,536. */
        public Builder batchSizeBytes(int v) {
            batchSizeBytes = v;
            return this;
        }

        /** Default ACKS_ALL. */
        public Builder acks(Acks v) {
            acks = v;
            return this;
        }

        /** Default 5. */
        public Builder maxInFlightPerPartition(int v) {
            maxInFlightPerPartition = v;
            return this;
        }

        /** Default 120,000. */
        public Builder deliveryTimeoutMs(long v) {
            deliveryTimeoutMs = v;
            return this;
        }

        /** Default 30,000. */
        public Builder requestTimeoutMs(long v) {
            requestTimeoutMs = v;
            return this;
        }

        /** Default 100. */
        public Builder retryBackoffMs(long v) {
            retryBackoffMs = v;
            return this;
        }

        /** Default 5,000. */
        public Builder retryBackoffMaxMs(long v) {
            retryBackoffMaxMs = v;
            return this;
        }

        /** Default true. */
        public Builder idempotence(boolean v) {
            idempotence = v;
            return this;
        }

        /** Default 1 MiB. */
        public Builder maxRequestBytes(int v) {
            maxRequestBytes = v;
            return this;
        }

        /** Default 32 MiB. */
        public Builder bufferMemoryBytes(long v) {
            bufferMemoryBytes = v;
            return this;
        }

        /** Default 60,000. */
        public Builder maxBlockMs(long v) {
            maxBlockMs = v;
            return this;
        }

        /** Default 2. */
        public Builder connections(int v) {
            connections = v;
            return this;
        }

        /** Default true: see {@link ProducerConfig#sendWhenIdle()}. */
        public Builder sendWhenIdle(boolean v) {
            sendWhenIdle = v;
            return this;
        }

        /** Default true: see {@link ProducerConfig#routeToOwner()}. */
        public Builder routeToOwner(boolean v) {
            routeToOwner = v;
            return this;
        }

        public ProducerConfig build() {
            return new ProducerConfig(bootstrap, lingerMs, batchSizeBytes, acks,
                    maxInFlightPerPartition, deliveryTimeoutMs, requestTimeoutMs, retryBackoffMs,
                    retryBackoffMaxMs, idempotence, maxRequestBytes, bufferMemoryBytes, maxBlockMs,
                    connections, sendWhenIdle, routeToOwner);
        }
    }
}
