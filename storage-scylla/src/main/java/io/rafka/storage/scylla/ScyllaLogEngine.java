package io.rafka.storage.scylla;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.cql.Row;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.WriterLease;
import io.rafka.storage.scylla.internal.EpochClock;
import io.rafka.storage.scylla.internal.MicrosClock;
import io.rafka.storage.scylla.internal.Schema;
import io.rafka.storage.scylla.internal.ScyllaPartitionLog;
import io.rafka.storage.scylla.internal.Statements;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage engine on ScyllaDB or Apache Cassandra (see docs/architecture.md, "ScyllaDB
 * storage"). One per node process; it owns one driver session.
 *
 * <p>Start it with {@link #start(ScyllaConfig)} (asynchronous) or {@link #connect(ScyllaConfig)}
 * (blocking, for a node's start-up thread). Start-up connects to the contact points, checks the
 * local datacenter and the replication factor against the cluster's nodes, creates or checks the
 * keyspace and tables and prepares every statement; a setting the cluster cannot honour fails it
 * with {@link ScyllaConfigException}, whose message names the setting and its value.
 *
 * <p>Nothing blocks a caller except {@link #connect}, {@link #close()} and
 * {@link PartitionLog#close()}: every operation is asynchronous on the driver, and stages
 * complete on the driver's I/O threads. Callers must not block in their callbacks; they hop to
 * their own thread when they need to. Opening a partition that is already open returns the same
 * log.
 *
 * <p>Writer fencing (see docs/architecture.md, "Fencing stale writers"): a log opened under a
 * {@link WriterLease} of epoch e >= 1 writes with timestamps no write of a lower epoch can beat,
 * records e in the partition's epoch history, reads only rows genuine by that history and stops
 * acknowledging once the lease is invalid. Opening a partition that is open in this engine under
 * a lower epoch fences that log (as an open in any engine of this JVM does) and opens it anew; an
 * open with a lower epoch than the partition's highest fails with {@link FencedException}.
 */
public final class ScyllaLogEngine implements LogEngine {
    private static final Logger log = LoggerFactory.getLogger(ScyllaLogEngine.class);
    private static final int DELETE_CONCURRENCY = 32;

    private final ScyllaConfig config;
    private final CqlSession session;
    private final Statements statements;
    private final MetadataTable metadata;
    private final MicrosClock clock = new MicrosClock();
    private final Map<PartitionId, CompletableFuture<ScyllaPartitionLog>> logs = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ScyllaLogEngine(ScyllaConfig config, CqlSession session, Statements statements, MetadataTable metadata) {
        this.config = config;
        this.session = session;
        this.statements = statements;
        this.metadata = metadata;
    }

    /**
     * Connects, checks the cluster against {@code config}, creates or checks the schema.
     *
     * @return a stage that fails with {@link ScyllaConfigException} for bad settings and with
     *         {@link StorageUnavailableException} when the cluster fails otherwise
     */
    public static CompletionStage<ScyllaLogEngine> start(ScyllaConfig config) {
        Objects.requireNonNull(config, "config");
        CqlSessionBuilder builder;
        try {
            builder = sessionBuilder(config);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        log.info("Connecting to CQL storage: {}", config);
        return builder.buildAsync()
                .exceptionally(e -> {
                    throw connectFailure(config, unwrap(e));
                })
                .thenCompose(session -> Schema.ensure(session, config)
                        .thenCompose(v -> Statements.prepare(session, config))
                        .thenCompose(st -> MetadataTable.prepare(session, config)
                                .thenApply(mt -> new ScyllaLogEngine(config, session, st, mt)))
                        .whenComplete((engine, e) -> {
                            if (e != null) {
                                session.closeAsync();
                            }
                        }))
                .exceptionally(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof ScyllaConfigException || cause instanceof StorageUnavailableException) {
                        throw (RuntimeException) cause;
                    }
                    throw new StorageUnavailableException("CQL storage start-up failed at " + ScyllaConfig.CONTACT_POINTS
                            + "=" + config.contactPoints() + ": " + cause, cause);
                });
    }

    /** {@link #start(ScyllaConfig)}, waiting for it. Do not call it on an event loop. */
    public static ScyllaLogEngine connect(ScyllaConfig config) {
        try {
            return start(config).toCompletableFuture().get();
        } catch (ExecutionException e) {
            Throwable cause = unwrap(e);
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new StorageUnavailableException("CQL storage start-up failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageUnavailableException("interrupted while connecting to CQL storage", e);
        }
    }

    private static CqlSessionBuilder sessionBuilder(ScyllaConfig config) {
        List<InetSocketAddress> resolved = new ArrayList<>();
        List<String> unresolved = new ArrayList<>();
        for (ScyllaConfig.ContactPoint cp : config.parsedContactPoints()) {
            InetSocketAddress a = new InetSocketAddress(cp.host(), cp.port());
            if (a.isUnresolved()) {
                unresolved.add(cp.toString());
            } else {
                resolved.add(a);
            }
        }
        if (resolved.isEmpty()) {
            // Without a contact point the driver would quietly try 127.0.0.1:9042.
            throw new ScyllaConfigException(ScyllaConfig.CONTACT_POINTS, ScyllaConfig.CONTACT_POINTS + "="
                    + config.contactPoints() + ": no host name resolves (" + unresolved + ")");
        }
        if (!unresolved.isEmpty()) {
            log.warn("{}: {} do not resolve; using {}", ScyllaConfig.CONTACT_POINTS, unresolved, resolved);
        }
        ProgrammaticDriverConfigLoaderBuilder options = DriverConfigLoader.programmaticBuilder()
                .withString(DefaultDriverOption.SESSION_NAME, "rafka-storage")
                .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, config.requestTimeout())
                .withString(DefaultDriverOption.REQUEST_CONSISTENCY, config.readConsistency())
                .withBoolean(DefaultDriverOption.REQUEST_DEFAULT_IDEMPOTENCE, true)
                .withString(DefaultDriverOption.LOAD_BALANCING_LOCAL_DATACENTER, config.localDatacenter())
                // The engine runs DDL only at start-up and reads the schema right after it: refresh at once,
                // and only for its own keyspace.
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_WINDOW, Duration.ZERO)
                .withStringList(DefaultDriverOption.METADATA_SCHEMA_REFRESHED_KEYSPACES, List.of(config.keyspace()))
                // Come back quickly after a CQL outage: appends fail fast while no node is up, and
                // succeed again as soon as the driver has reconnected.
                .withDuration(DefaultDriverOption.RECONNECTION_BASE_DELAY, Duration.ofMillis(500))
                .withDuration(DefaultDriverOption.RECONNECTION_MAX_DELAY, Duration.ofSeconds(5))
                .withDuration(DefaultDriverOption.CONNECTION_CONNECT_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.CONTROL_CONNECTION_TIMEOUT, config.requestTimeout())
                .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
                // close() runs after every log has drained: Netty's default 2 s quiet period only
                // delays it (and slowed the tests several-fold). 100 ms lets late listeners run.
                .withString(DefaultDriverOption.NETTY_IO_SHUTDOWN_UNIT, "MILLISECONDS")
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 100)
                .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_TIMEOUT, 15_000)
                .withString(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_UNIT, "MILLISECONDS")
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 100)
                .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_TIMEOUT, 15_000);
        if (config.tls().isPresent()) {
            ScyllaConfig.Tls tls = config.tls().get();
            options.withString(DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS, "DefaultSslEngineFactory")
                    .withBoolean(DefaultDriverOption.SSL_HOSTNAME_VALIDATION, tls.hostnameValidation())
                    // Check the certificate against the address as configured (or a peer's IP), not a
                    // name from reverse DNS: with the driver's default, a node reached at 127.0.0.1
                    // had to present a certificate for "localhost".
                    .withBoolean(DefaultDriverOption.SSL_ALLOW_DNS_REVERSE_LOOKUP_SAN, false);
            if (tls.truststore().isPresent()) {
                if (!Files.isReadable(tls.truststore().get())) {
                    throw new ScyllaConfigException(ScyllaConfig.TLS_TRUSTSTORE, ScyllaConfig.TLS_TRUSTSTORE + "="
                            + tls.truststore().get() + " is not a readable file");
                }
                checkTruststore(tls);
                options.withString(DefaultDriverOption.SSL_TRUSTSTORE_PATH, tls.truststore().get().toString());
                tls.truststorePassword().ifPresent(p -> options.withString(DefaultDriverOption.SSL_TRUSTSTORE_PASSWORD, p));
            }
        }
        CqlSessionBuilder builder = CqlSession.builder()
                .addContactPoints(resolved)
                .withLocalDatacenter(config.localDatacenter())
                .withConfigLoader(options.build());
        config.credentials().ifPresent(c -> builder.withAuthCredentials(c.username(), c.password()));
        return builder;
    }

    /**
     * Opens the truststore as the driver will, so that a wrong password or a file that is no key
     * store fails naming its setting rather than deep inside the driver's SSL set-up.
     */
    private static void checkTruststore(ScyllaConfig.Tls tls) {
        Path file = tls.truststore().orElseThrow();
        try {
            KeyStore.getInstance(file.toFile(), tls.truststorePassword().map(String::toCharArray).orElse(null));
        } catch (IOException | GeneralSecurityException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new ScyllaConfigException(ScyllaConfig.TLS_TRUSTSTORE_PASSWORD, ScyllaConfig.TLS_TRUSTSTORE_PASSWORD
                        + " does not open " + ScyllaConfig.TLS_TRUSTSTORE + "=" + file + ": " + e.getMessage(), e);
            }
            throw new ScyllaConfigException(ScyllaConfig.TLS_TRUSTSTORE, ScyllaConfig.TLS_TRUSTSTORE + "=" + file
                    + " cannot be read as a JKS or PKCS12 trust store: " + e.getMessage(), e);
        }
    }

    private static RuntimeException connectFailure(ScyllaConfig config, Throwable e) {
        if (e instanceof AllNodesFailedException all) {
            List<Throwable> errors = all.getAllErrors().values().stream().flatMap(List::stream).toList();
            String at = " at " + ScyllaConfig.CONTACT_POINTS + "=" + config.contactPoints() + ": " + all.getMessage();
            if (anyCause(errors, t -> t instanceof AuthenticationException)) {
                return config.credentials()
                        .map(c -> new ScyllaConfigException(ScyllaConfig.USERNAME, "CQL authentication failed for "
                                + ScyllaConfig.USERNAME + "=" + c.username() + " (check it and " + ScyllaConfig.PASSWORD
                                + ")" + at, e))
                        .orElseGet(() -> new ScyllaConfigException(ScyllaConfig.USERNAME, "the CQL nodes require a"
                                + " password login, but " + ScyllaConfig.USERNAME + " is not set (set it and "
                                + ScyllaConfig.PASSWORD + ")" + at, e));
            }
            if (config.tls().isPresent()) {
                ScyllaConfig.Tls tls = config.tls().get();
                if (anyCause(errors, t -> t instanceof CertificateException && t.getMessage() != null
                        && (t.getMessage().startsWith("No name matching") || t.getMessage().startsWith("No subject alternative")))) {
                    return new ScyllaConfigException(ScyllaConfig.TLS_HOSTNAME_VALIDATION, "the CQL node's TLS certificate"
                            + " does not name the address it was reached at (" + ScyllaConfig.TLS_HOSTNAME_VALIDATION
                            + "=true)" + at, e);
                }
                if (anyCause(errors, t -> t instanceof CertPathValidatorException || t instanceof CertPathBuilderException)) {
                    return new ScyllaConfigException(ScyllaConfig.TLS_TRUSTSTORE, "the CQL node's TLS certificate is not"
                            + " trusted by " + ScyllaConfig.TLS_TRUSTSTORE + "="
                            + tls.truststore().map(Path::toString).orElse("(the JVM's default trust)") + at, e);
                }
            }
            boolean refused = anyCause(errors, t -> t instanceof ConnectException);
            return new ScyllaConfigException(ScyllaConfig.CONTACT_POINTS, "no CQL node answered at "
                    + ScyllaConfig.CONTACT_POINTS + "=" + config.contactPoints()
                    + (config.tls().isPresent() ? " (with TLS)" : refused ? "" : " (without TLS: if the nodes accept"
                    + " only TLS clients, set " + ScyllaConfig.TLS_ENABLED + "=true)")
                    + ": " + all.getMessage(), e);
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        return new StorageUnavailableException("could not connect to " + config.contactPoints() + ": " + e, e);
    }

    /** Whether {@code test} holds for one of {@code errors} or one of their causes. */
    private static boolean anyCause(List<Throwable> errors, Predicate<Throwable> test) {
        for (Throwable error : errors) {
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (test.test(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The cluster-metadata table in this engine's keyspace, on this engine's session. */
    public MetadataTable metadataTable() {
        return metadata;
    }

    public ScyllaConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "scylla";
    }

    /**
     * {@inheritDoc}
     *
     * <p>When the partition is open in this engine: the same log for the same epoch (it goes on
     * checking the lease it was opened with), {@link FencedException} for a lower one, and for a
     * higher one a new log, after the open one was fenced. Epochs above
     * {@link EpochClock#MAX_EPOCH} fail with {@link IllegalArgumentException}.
     */
    @Override
    public CompletionStage<PartitionLog> open(PartitionId id, LogConfig logConfig, WriterLease lease) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(logConfig, "logConfig");
        Objects.requireNonNull(lease, "lease");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("engine " + name() + " is closed"));
        }
        CompletableFuture<ScyllaPartitionLog> created = new CompletableFuture<>();
        CompletableFuture<ScyllaPartitionLog> existing = logs.putIfAbsent(id, created);
        if (existing != null) {
            return existing.exceptionally(e -> null).thenCompose(open -> {
                if (open != null && !open.isClosed() && open.epoch() == lease.epoch()) {
                    return CompletableFuture.completedFuture(open);
                }
                if (open != null && !open.isClosed() && open.epoch() > lease.epoch()) {
                    return CompletableFuture.failedFuture(new FencedException(id, lease.epoch(), "cannot open " + id
                            + " with epoch " + lease.epoch() + ": it is open with epoch " + open.epoch()));
                }
                // Gone, failed, or an older writer's: the new open fences the older log.
                logs.remove(id, existing);
                return open(id, logConfig, lease);
            });
        }
        ScyllaPartitionLog.open(id, logConfig, config, statements, clock, lease, l -> logs.remove(id, created))
                .whenComplete((l, e) -> {
                    if (e != null) {
                        logs.remove(id, created);
                        created.completeExceptionally(unwrap(e));
                    } else {
                        created.complete(l);
                    }
                });
        return created.thenApply(l -> l);
    }

    /**
     * Deletes a partition's rows and state: one partition-level delete per bucket that may hold
     * live rows, then its state row (the only deletes besides failed-append clean-ups). For a
     * partition written by fenced writers the deletes carry its {@code writer_clock} (at or above
     * every timestamp they used), and {@code writer_clock} is then set one above it: so a new log
     * of the same or a higher epoch writes above the deletes, and the sole writer and lower
     * epochs, whose writes the deletes would shadow, are refused with {@link FencedException}.
     */
    @Override
    public CompletionStage<Void> delete(PartitionId id) {
        Objects.requireNonNull(id, "id");
        if (logs.containsKey(id)) {
            return CompletableFuture.failedFuture(new IllegalStateException("log " + id
                    + " is open; close it before deleting it"));
        }
        return session.executeAsync(statements.selectState(id)).thenCompose(rs -> {
            Row row = rs.one();
            if (row == null || row.isNull("bucket_span")) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            long from = row.isNull("start_bucket") ? 0 : row.getLong("start_bucket");
            long head = row.isNull("head_bucket") ? 0 : row.getLong("head_bucket");
            if (row.isNull("writer_clock")) {
                long ts = clock.next();
                return deleteBuckets(id, from, head, ts)
                        .thenCompose(v -> session.executeAsync(statements.deleteState(id, ts)))
                        .thenAccept(r -> log.info("Deleted {} (buckets {}..{})", id, from, head));
            }
            long mark = row.getLong("writer_clock");
            if (mark == Long.MAX_VALUE) {
                throw new IllegalStateException(id + " was written with the largest timestamp there is (epoch "
                        + EpochClock.MAX_EPOCH + " used up): a delete could not be overwritten by any later write");
            }
            long to = head + ScyllaPartitionLog.CLEAN_UP_MARGIN_BUCKETS;
            return deleteBuckets(id, from, to, mark)
                    .thenCompose(v -> session.executeAsync(statements.deleteState(id, mark)))
                    .thenCompose(v -> session.executeAsync(statements.updateMark(id, mark + 1, mark + 1)))
                    .thenAccept(r -> log.info("Deleted {} (buckets {}..{}, written up to epoch {})", id, from, to,
                            EpochClock.epochOf(mark)));
        }).exceptionally(e -> {
            throw new StorageUnavailableException("deleting " + id + " failed: " + unwrap(e), unwrap(e));
        });
    }

    private CompletionStage<Void> deleteBuckets(PartitionId id, long from, long to, long ts) {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (long chunk = from; chunk <= to; chunk += DELETE_CONCURRENCY) {
            long first = chunk;
            long last = Math.min(to, chunk + DELETE_CONCURRENCY - 1);
            chain = chain.thenCompose(v -> {
                List<CompletableFuture<?>> deletes = new ArrayList<>();
                for (long b = first; b <= last; b++) {
                    deletes.add(session.executeAsync(statements.deleteBucket(id, b, ts)).toCompletableFuture());
                }
                return CompletableFuture.allOf(deletes.toArray(new CompletableFuture<?>[0]));
            });
        }
        return chain;
    }

    /** Closes every open log (letting their appends finish), then the driver session. Blocking. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (CompletableFuture<ScyllaPartitionLog> f : new ArrayList<>(logs.values())) {
            try {
                f.get(config.requestTimeout().toMillis() * 4, TimeUnit.MILLISECONDS).close();
            } catch (ExecutionException e) {
                // It never opened: nothing to close.
            } catch (TimeoutException e) {
                log.warn("A log of engine {} was still opening at close", name());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            session.closeAsync().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Closing the CQL session did not finish cleanly", e);
            session.forceCloseAsync();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            session.forceCloseAsync();
        }
    }

    @Override
    public String toString() {
        return "ScyllaLogEngine[" + config.contactPoints() + ", keyspace " + config.keyspace() + "]";
    }
}
