package io.rafka.client;

import io.rafka.client.internal.Checks;
import io.rafka.client.internal.HostPort;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Consumer (and subscriber) settings, validated on construction. Build with {@link
 * #builder(String)}; every setting not given keeps the default listed on the builder method.
 *
 * @param bootstrap         broker address, {@code host:port}
 * @param groupId           consumer group for committed offsets and, with {@code subscribe}, for
 *                          membership; empty for none (commits and subscribe are then refused)
 * @param autoOffsetReset   start when there is no position and no commit, and on OUT_OF_RANGE
 * @param maxFetchBytes     upper bound on the batch bytes one fetch returns per partition
 * @param fetchMaxWaitMs    how long a fetch waits at the log end for new data (long poll)
 * @param requestTimeoutMs  deadline of one RPC (a fetch gets fetchMaxWaitMs on top)
 * @param retryBackoffMs    first backoff after a retryable fetch failure, doubled each time
 * @param retryBackoffMaxMs upper bound of the backoff
 * @param checkCrcs         verify each fetched batch's CRC-32C
 * @param connections       gRPC channels; partition p uses channel {@code p % connections}
 * @param sessionTimeoutMs  group membership ({@code subscribe}): the member is removed, and its
 *                          partitions move, when the broker hears no heartbeat for this long
 * @param enableAutoCommit  group membership: commit positions every {@code autoCommitIntervalMs}
 *                          inside {@code poll}, of revoked partitions before releasing them, and on
 *                          close
 * @param autoCommitIntervalMs how often {@code poll} commits positions with auto-commit
 * @param clientId          free-form name shown by DescribeGroup
 */
public record ConsumerConfig(String bootstrap, String groupId, AutoOffsetReset autoOffsetReset,
                             int maxFetchBytes, int fetchMaxWaitMs, long requestTimeoutMs,
                             long retryBackoffMs, long retryBackoffMaxMs, boolean checkCrcs,
                             int connections, int sessionTimeoutMs, boolean enableAutoCommit,
                             long autoCommitIntervalMs, String clientId) {
    private static final Pattern GROUP = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

    public ConsumerConfig {
        HostPort.parse(bootstrap);
        Objects.requireNonNull(groupId, "groupId (use \"\" for none)");
        Objects.requireNonNull(autoOffsetReset, "autoOffsetReset");
        if (!groupId.isEmpty() && !GROUP.matcher(groupId).matches()) {
            throw new IllegalArgumentException("groupId must be 1-249 characters of [a-zA-Z0-9._-], was \""
                    + groupId + "\"");
        }
        Checks.inRange("maxFetchBytes", maxFetchBytes, 1024, ProducerConfig.MAX_REQUEST_BYTES - 1024);
        Checks.inRange("fetchMaxWaitMs", fetchMaxWaitMs, 0, 30_000);
        Checks.inRange("requestTimeoutMs", requestTimeoutMs, 100, 600_000);
        Checks.inRange("retryBackoffMaxMs", retryBackoffMaxMs, 1, 600_000);
        Checks.inRange("retryBackoffMs", retryBackoffMs, 1, retryBackoffMaxMs);
        Checks.inRange("connections", connections, 1, 16);
        Checks.inRange("sessionTimeoutMs", sessionTimeoutMs, 6_000, 300_000);
        Checks.inRange("autoCommitIntervalMs", autoCommitIntervalMs, 10, 3_600_000);
        Objects.requireNonNull(clientId, "clientId (use \"\" for none)");
        Checks.inRange("clientId length", clientId.length(), 0, 255);
    }

    /** All defaults, no group, for the broker at {@code bootstrap}. */
    public static ConsumerConfig defaults(String bootstrap) {
        return builder(bootstrap).build();
    }

    public static Builder builder(String bootstrap) {
        return new Builder(bootstrap);
    }

    /** Collects settings; {@link #build()} validates them. */
    public static final class Builder {
        private final String bootstrap;
        private String groupId = "";
        private AutoOffsetReset autoOffsetReset = AutoOffsetReset.LATEST;
        private int maxFetchBytes = 1 << 20;
        private int fetchMaxWaitMs = 500;
        private long requestTimeoutMs = 30_000;
        private long retryBackoffMs = 100;
        private long retryBackoffMaxMs = 5_000;
        private boolean checkCrcs = true;
        private int connections = 2;
        private int sessionTimeoutMs = 10_000;
        private boolean enableAutoCommit = true;
        private long autoCommitIntervalMs = 5_000;
        private String clientId = "";

        private Builder(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        /** Default "" (no group). */
        public Builder groupId(String v) {
            groupId = v;
            return this;
        }

        /** Default LATEST. */
        public Builder autoOffsetReset(AutoOffsetReset v) {
            autoOffsetReset = v;
            return this;
        }

        /** Default 1 MiB. */
        public Builder maxFetchBytes(int v) {
            maxFetchBytes = v;
            return this;
        }

        /** Default 500. */
        public Builder fetchMaxWaitMs(int v) {
            fetchMaxWaitMs = v;
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
        public Builder checkCrcs(boolean v) {
            checkCrcs = v;
            return this;
        }

        /** Default 2. */
        public Builder connections(int v) {
            connections = v;
            return this;
        }

        /** Default 10,000 (6,000..300,000). */
        public Builder sessionTimeoutMs(int v) {
            sessionTimeoutMs = v;
            return this;
        }

        /** Default true; only group members ({@code subscribe}) auto-commit. */
        public Builder enableAutoCommit(boolean v) {
            enableAutoCommit = v;
            return this;
        }

        /** Default 5,000. */
        public Builder autoCommitIntervalMs(long v) {
            autoCommitIntervalMs = v;
            return this;
        }

        /** Default "". */
        public Builder clientId(String v) {
            clientId = v;
            return this;
        }

        public ConsumerConfig build() {
            return new ConsumerConfig(bootstrap, groupId, autoOffsetReset, maxFetchBytes,
                    fetchMaxWaitMs, requestTimeoutMs, retryBackoffMs, retryBackoffMaxMs, checkCrcs,
                    connections, sessionTimeoutMs, enableAutoCommit, autoCommitIntervalMs, clientId);
        }
    }
}
