package io.rafka.storage.scylla;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Engine-wide settings of the ScyllaDB (or Cassandra) log. Per-partition settings (retention,
 * which becomes the rows' TTL) come from {@link io.rafka.storage.LogConfig}. Every value is
 * checked here; messages name the node configuration key ({@link #CONTACT_POINTS} etc.) and the
 * value. Settings that need the cluster to check (reachability, datacenter name, replication
 * factor against the number of nodes) are checked by {@link ScyllaLogEngine#start}.
 *
 * @param contactPoints       {@code host:port} (or {@code host}, port 9042) of one or more CQL nodes
 * @param localDatacenter     the datacenter this node talks to; LOCAL_* consistency levels count its replicas
 * @param keyspace            the keyspace of the log tables, created if missing
 * @param replicationStrategy {@code NetworkTopologyStrategy} (production) or {@code SimpleStrategy},
 *                            used when the keyspace is created and checked when it exists
 * @param replicationFactor   replicas in the local datacenter (NetworkTopologyStrategy) or in the cluster
 * @param writeConsistency    consistency level of appends; an append completes after it is reached
 * @param readConsistency     consistency level of reads, lookups and start-up recovery
 * @param credentials         user name and password for {@code PasswordAuthenticator}, if any
 * @param tls                 TLS towards the CQL nodes, if any
 * @param requestTimeout      how long one CQL request may take before it fails (the append then fails
 *                            with {@code StorageUnavailableException})
 * @param bucketOffsets       offsets per CQL partition (bucket) of the batches table: a partition of
 *                            the log stores offsets {@code [b * bucketOffsets, (b + 1) * bucketOffsets)}
 *                            in bucket b. Fixed per partition when it is first opened (stored with it)
 * @param maxInFlightWrites   CQL writes one partition may have in flight at once
 * @param writeGroupBytes     queued appends of one partition are written together, as one CQL
 *                            UNLOGGED BATCH into one bucket, up to this many bytes
 */
public record ScyllaConfig(List<String> contactPoints, String localDatacenter, String keyspace,
                           String replicationStrategy, int replicationFactor,
                           String writeConsistency, String readConsistency,
                           Optional<Credentials> credentials, Optional<Tls> tls,
                           Duration requestTimeout, long bucketOffsets, int maxInFlightWrites,
                           int writeGroupBytes) {

    public static final String CONTACT_POINTS = "storage.scylla.contact-points";
    public static final String LOCAL_DATACENTER = "storage.scylla.local-datacenter";
    public static final String KEYSPACE = "storage.scylla.keyspace";
    public static final String REPLICATION_STRATEGY = "storage.scylla.replication-strategy";
    public static final String REPLICATION_FACTOR = "storage.scylla.replication-factor";
    public static final String WRITE_CONSISTENCY = "storage.scylla.write-consistency";
    public static final String READ_CONSISTENCY = "storage.scylla.read-consistency";
    public static final String USERNAME = "storage.scylla.username";
    public static final String PASSWORD = "storage.scylla.password";
    public static final String TLS_ENABLED = "storage.scylla.tls.enabled";
    public static final String TLS_TRUSTSTORE = "storage.scylla.tls.truststore";
    public static final String TLS_TRUSTSTORE_PASSWORD = "storage.scylla.tls.truststore-password";
    public static final String TLS_HOSTNAME_VALIDATION = "storage.scylla.tls.hostname-validation";
    public static final String REQUEST_TIMEOUT = "storage.scylla.request-timeout";
    public static final String BUCKET_OFFSETS = "storage.scylla.bucket-offsets";
    public static final String MAX_IN_FLIGHT_WRITES = "storage.scylla.max-in-flight-writes";
    public static final String WRITE_GROUP_BYTES = "storage.scylla.write-group-bytes";

    public static final int DEFAULT_PORT = 9042;
    public static final String NETWORK_TOPOLOGY_STRATEGY = "NetworkTopologyStrategy";
    public static final String SIMPLE_STRATEGY = "SimpleStrategy";
    public static final long DEFAULT_BUCKET_OFFSETS = 100_000;
    public static final long MAX_BUCKET_OFFSETS = 1L << 40;
    public static final int MAX_WRITE_GROUP_BYTES = 8 * 1024 * 1024;

    /** Consistency levels a write may use. ANY is left out: it acknowledges hints, not replicas. */
    static final Set<String> WRITE_LEVELS = Set.of("ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM",
            "EACH_QUORUM", "LOCAL_ONE");
    /** Consistency levels a read may use. */
    static final Set<String> READ_LEVELS = Set.of("ONE", "TWO", "THREE", "QUORUM", "ALL", "LOCAL_QUORUM",
            "LOCAL_ONE");
    private static final Pattern KEYSPACE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");
    private static final Pattern DATACENTER_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    public ScyllaConfig {
        Objects.requireNonNull(contactPoints, CONTACT_POINTS);
        contactPoints = List.copyOf(contactPoints);
        if (contactPoints.isEmpty()) {
            throw new IllegalArgumentException(CONTACT_POINTS + " must name at least one host:port, was empty");
        }
        for (String cp : contactPoints) {
            ContactPoint.parse(cp);
        }
        if (localDatacenter == null || !DATACENTER_NAME.matcher(localDatacenter).matches()) {
            throw new IllegalArgumentException(LOCAL_DATACENTER + " must be a datacenter name (letters, digits, _ . : -),"
                    + " was " + quote(localDatacenter));
        }
        if (keyspace == null || !KEYSPACE_NAME.matcher(keyspace).matches()) {
            throw new IllegalArgumentException(KEYSPACE + " must be 1 to 48 letters, digits or underscores starting"
                    + " with a letter, was " + quote(keyspace));
        }
        replicationStrategy = canonicalStrategy(replicationStrategy);
        if (replicationFactor < 1 || replicationFactor > 100) {
            throw new IllegalArgumentException(REPLICATION_FACTOR + " must be between 1 and 100, was " + replicationFactor);
        }
        writeConsistency = level(WRITE_CONSISTENCY, writeConsistency, WRITE_LEVELS);
        readConsistency = level(READ_CONSISTENCY, readConsistency, READ_LEVELS);
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(requestTimeout, REQUEST_TIMEOUT);
        if (requestTimeout.toMillis() < 1 || requestTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException(REQUEST_TIMEOUT + " must be between 1 ms and 10 minutes, was " + requestTimeout);
        }
        if (bucketOffsets < 1 || bucketOffsets > MAX_BUCKET_OFFSETS) {
            throw new IllegalArgumentException(BUCKET_OFFSETS + " must be between 1 and " + MAX_BUCKET_OFFSETS
                    + ", was " + bucketOffsets);
        }
        if (maxInFlightWrites < 1 || maxInFlightWrites > 1024) {
            throw new IllegalArgumentException(MAX_IN_FLIGHT_WRITES + " must be between 1 and 1024, was " + maxInFlightWrites);
        }
        if (writeGroupBytes < 1 || writeGroupBytes > MAX_WRITE_GROUP_BYTES) {
            throw new IllegalArgumentException(WRITE_GROUP_BYTES + " must be between 1 and " + MAX_WRITE_GROUP_BYTES
                    + ", was " + writeGroupBytes);
        }
    }

    /**
     * Production defaults: 127.0.0.1:9042, datacenter1, keyspace {@code rafka},
     * NetworkTopologyStrategy with 3 replicas, LOCAL_QUORUM reads and writes, 5 s requests, buckets
     * of 100,000 offsets, 2 write groups in flight per partition, write groups of up to 1 MiB.
     */
    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.contactPoints = contactPoints;
        b.localDatacenter = localDatacenter;
        b.keyspace = keyspace;
        b.replicationStrategy = replicationStrategy;
        b.replicationFactor = replicationFactor;
        b.writeConsistency = writeConsistency;
        b.readConsistency = readConsistency;
        b.credentials = credentials;
        b.tls = tls;
        b.requestTimeout = requestTimeout;
        b.bucketOffsets = bucketOffsets;
        b.maxInFlightWrites = maxInFlightWrites;
        b.writeGroupBytes = writeGroupBytes;
        return b;
    }

    /** The contact points as addresses; unresolved when the host name does not resolve. */
    public List<ContactPoint> parsedContactPoints() {
        return contactPoints.stream().map(ContactPoint::parse).toList();
    }

    /** The replicas a quorum write needs in the local datacenter. */
    int localQuorum() {
        return replicationFactor / 2 + 1;
    }

    private static String canonicalStrategy(String s) {
        if (s != null) {
            String simple = s.startsWith("org.apache.cassandra.locator.") ? s.substring("org.apache.cassandra.locator.".length()) : s;
            if (simple.equals(NETWORK_TOPOLOGY_STRATEGY) || simple.equals(SIMPLE_STRATEGY)) {
                return simple;
            }
        }
        throw new IllegalArgumentException(REPLICATION_STRATEGY + " must be " + NETWORK_TOPOLOGY_STRATEGY + " or "
                + SIMPLE_STRATEGY + ", was " + quote(s));
    }

    private static String level(String key, String value, Set<String> allowed) {
        String v = value == null ? null : value.trim().toUpperCase(java.util.Locale.ROOT);
        if (v == null || !allowed.contains(v)) {
            throw new IllegalArgumentException(key + " must be one of " + new java.util.TreeSet<>(allowed)
                    + ", was " + quote(value));
        }
        return v;
    }

    static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }

    @Override
    public String toString() {
        return "ScyllaConfig[" + CONTACT_POINTS + "=" + contactPoints + ", " + LOCAL_DATACENTER + "=" + localDatacenter
                + ", " + KEYSPACE + "=" + keyspace + ", " + REPLICATION_STRATEGY + "=" + replicationStrategy
                + ", " + REPLICATION_FACTOR + "=" + replicationFactor + ", " + WRITE_CONSISTENCY + "=" + writeConsistency
                + ", " + READ_CONSISTENCY + "=" + readConsistency + ", " + USERNAME + "="
                + credentials.map(Credentials::username).orElse("(none)") + ", " + TLS_ENABLED + "=" + tls.isPresent()
                + ", " + REQUEST_TIMEOUT + "=" + requestTimeout + ", " + BUCKET_OFFSETS + "=" + bucketOffsets
                + ", " + MAX_IN_FLIGHT_WRITES + "=" + maxInFlightWrites + ", " + WRITE_GROUP_BYTES + "=" + writeGroupBytes + "]";
    }

    /** A parsed {@code host:port}. */
    public record ContactPoint(String host, int port) {
        public ContactPoint {
            Objects.requireNonNull(host, "host");
        }

        /** Parses {@code host}, {@code host:port} or {@code [ipv6]:port}. */
        public static ContactPoint parse(String value) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException(CONTACT_POINTS + " entries must be host:port, was " + quote(value));
            }
            String v = value.trim();
            String host;
            String port = null;
            if (v.startsWith("[")) {
                int close = v.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException(CONTACT_POINTS + " entry " + quote(value) + " has no closing ]");
                }
                host = v.substring(1, close);
                if (close + 1 < v.length()) {
                    if (v.charAt(close + 1) != ':') {
                        throw new IllegalArgumentException(CONTACT_POINTS + " entry " + quote(value) + " must be [host]:port");
                    }
                    port = v.substring(close + 2);
                }
            } else {
                int colon = v.lastIndexOf(':');
                if (colon >= 0 && v.indexOf(':') != colon) {
                    throw new IllegalArgumentException(CONTACT_POINTS + " entry " + quote(value)
                            + " is an IPv6 address without brackets; write [address]:port");
                }
                host = colon < 0 ? v : v.substring(0, colon);
                port = colon < 0 ? null : v.substring(colon + 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException(CONTACT_POINTS + " entry " + quote(value) + " has no host");
            }
            int p = DEFAULT_PORT;
            if (port != null) {
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (p < 1 || p > 65535) {
                    throw new IllegalArgumentException(CONTACT_POINTS + " entry " + quote(value)
                            + " must have a port between 1 and 65535");
                }
            }
            return new ContactPoint(host, p);
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** User name and password; {@link #toString()} hides the password. */
    public record Credentials(String username, String password) {
        public Credentials {
            if (username == null || username.isEmpty()) {
                throw new IllegalArgumentException(USERNAME + " must not be empty when credentials are set");
            }
            Objects.requireNonNull(password, PASSWORD);
        }

        @Override
        public String toString() {
            return "Credentials[" + username + ", password=****]";
        }
    }

    /**
     * TLS towards the CQL nodes.
     *
     * @param truststore         a JKS or PKCS12 trust store; empty = the JDK's default trust
     * @param truststorePassword its password, if it has one
     * @param hostnameValidation check that each node's certificate names its address
     */
    public record Tls(Optional<Path> truststore, Optional<String> truststorePassword, boolean hostnameValidation) {
        public Tls {
            Objects.requireNonNull(truststore, TLS_TRUSTSTORE);
            Objects.requireNonNull(truststorePassword, TLS_TRUSTSTORE_PASSWORD);
        }

        @Override
        public String toString() {
            return "Tls[truststore=" + truststore.map(Path::toString).orElse("(JDK default)")
                    + ", password=" + (truststorePassword.isPresent() ? "****" : "(none)")
                    + ", hostnameValidation=" + hostnameValidation + "]";
        }
    }

    /** Builds a {@link ScyllaConfig}; unset values keep the production defaults. */
    public static final class Builder {
        private List<String> contactPoints = List.of("127.0.0.1:" + DEFAULT_PORT);
        private String localDatacenter = "datacenter1";
        private String keyspace = "rafka";
        private String replicationStrategy = NETWORK_TOPOLOGY_STRATEGY;
        private int replicationFactor = 3;
        private String writeConsistency = "LOCAL_QUORUM";
        private String readConsistency = "LOCAL_QUORUM";
        private Optional<Credentials> credentials = Optional.empty();
        private Optional<Tls> tls = Optional.empty();
        private Duration requestTimeout = Duration.ofSeconds(5);
        private long bucketOffsets = DEFAULT_BUCKET_OFFSETS;
        private int maxInFlightWrites = 2;
        private int writeGroupBytes = 1024 * 1024;

        private Builder() {
        }

        public Builder contactPoints(List<String> v) {
            contactPoints = v;
            return this;
        }

        public Builder localDatacenter(String v) {
            localDatacenter = v;
            return this;
        }

        public Builder keyspace(String v) {
            keyspace = v;
            return this;
        }

        public Builder replicationStrategy(String v) {
            replicationStrategy = v;
            return this;
        }

        public Builder replicationFactor(int v) {
            replicationFactor = v;
            return this;
        }

        public Builder writeConsistency(String v) {
            writeConsistency = v;
            return this;
        }

        public Builder readConsistency(String v) {
            readConsistency = v;
            return this;
        }

        public Builder credentials(String username, String password) {
            credentials = Optional.of(new Credentials(username, password));
            return this;
        }

        public Builder tls(Tls v) {
            tls = Optional.of(v);
            return this;
        }

        public Builder requestTimeout(Duration v) {
            requestTimeout = v;
            return this;
        }

        public Builder bucketOffsets(long v) {
            bucketOffsets = v;
            return this;
        }

        public Builder maxInFlightWrites(int v) {
            maxInFlightWrites = v;
            return this;
        }

        public Builder writeGroupBytes(int v) {
            writeGroupBytes = v;
            return this;
        }

        public ScyllaConfig build() {
            return new ScyllaConfig(contactPoints, localDatacenter, keyspace, replicationStrategy, replicationFactor,
                    writeConsistency, readConsistency, credentials, tls, requestTimeout, bucketOffsets,
                    maxInFlightWrites, writeGroupBytes);
        }
    }
}
