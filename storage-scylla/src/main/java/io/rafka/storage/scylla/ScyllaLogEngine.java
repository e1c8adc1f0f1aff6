package io.rafka.storage.scylla;

import com.datastax.oss.driver.api.core.AllNodesFailedException;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.CqlSessionBuilder;
import com.datastax.oss.driver.api.core.auth.AuthenticationException;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.ProgrammaticDriverConfigLoaderBuilder;
import com.datastax.oss.driver.api.core.cql.Row;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.scylla.internal.MicrosClock;
import io.rafka.storage.scylla.internal.Schema;
import io.rafka.storage.scylla.internal.ScyllaPartitionLog;
import io.rafka.storage.scylla.internal.Statements;
import java.net.InetSocketAddress;
import java.nio.file.Files;
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
 */
public final class ScyllaLogEngine implements LogEngine {
    private static final Logger log = LoggerFactory.getLogger(ScyllaLogEngine.class);
    private static final int DELETE_CONCURRENCY = 32;

    private final ScyllaConfig config;
    private final CqlSession session;
    private final Statements statements;
    private final MicrosClock clock = new MicrosClock();
    private final Map<PartitionId, CompletableFuture<ScyllaPartitionLog>> logs = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ScyllaLogEngine(ScyllaConfig config, CqlSession session, Statements statements) {
        this.config = config;
        this.session = session;
        this.statements = statements;
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
                        .thenApply(st -> new ScyllaLogEngine(config, session, st))
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
                    .withBoolean(DefaultDriverOption.SSL_HOSTNAME_VALIDATION, tls.hostnameValidation());
            if (tls.truststore().isPresent()) {
                if (!Files.isReadable(tls.truststore().get())) {
                    throw new ScyllaConfigException(ScyllaConfig.TLS_TRUSTSTORE, ScyllaConfig.TLS_TRUSTSTORE + "="
                            + tls.truststore().get() + " is not a readable file");
                }
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

    private static RuntimeException connectFailure(ScyllaConfig config, Throwable e) {
        if (e instanceof AllNodesFailedException all) {
            boolean auth = all.getAllErrors().values().stream().flatMap(List::stream)
                    .anyMatch(t -> t instanceof AuthenticationException);
            if (auth) {
                return new ScyllaConfigException(ScyllaConfig.USERNAME, "CQL authentication failed for "
                        + ScyllaConfig.USERNAME + "=" + config.credentials().map(ScyllaConfig.Credentials::username)
                        .orElse("(none)") + " at " + ScyllaConfig.CONTACT_POINTS + "=" + config.contactPoints() + ": "
                        + all.getMessage(), e);
            }
            return new ScyllaConfigException(ScyllaConfig.CONTACT_POINTS, "no CQL node answered at "
                    + ScyllaConfig.CONTACT_POINTS + "=" + config.contactPoints()
                    + (config.tls().isPresent() ? " (with TLS)" : "") + ": " + all.getMessage(), e);
        }
        if (e instanceof RuntimeException r) {
            return r;
        }
        return new StorageUnavailableException("could not connect to " + config.contactPoints() + ": " + e, e);
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    public ScyllaConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "scylla";
    }

    @Override
    public CompletionStage<PartitionLog> open(PartitionId id, LogConfig logConfig) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(logConfig, "logConfig");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("engine " + name() + " is closed"));
        }
        CompletableFuture<ScyllaPartitionLog> created = new CompletableFuture<>();
        CompletableFuture<ScyllaPartitionLog> existing = logs.putIfAbsent(id, created);
        if (existing != null) {
            return existing.thenApply(l -> l);
        }
        ScyllaPartitionLog.open(id, logConfig, config, statements, clock, l -> logs.remove(l.id()))
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
     * live rows, then its state row (the only deletes besides failed-append clean-ups).
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
            long to = row.isNull("head_bucket") ? 0 : row.getLong("head_bucket");
            long ts = clock.next();
            return deleteBuckets(id, from, to, ts)
                    .thenCompose(v -> session.executeAsync(statements.deleteState(id, ts)))
                    .thenAccept(r -> log.info("Deleted {} (buckets {}..{})", id, from, to));
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
