package io.rafka.node;

import com.hazelcast.core.HazelcastInstance;
import io.rafka.cache.BatchCache;
import io.rafka.cache.MemoryTail;
import io.rafka.node.cluster.Cluster;
import io.rafka.node.cluster.ClusterBootstrap;
import io.rafka.node.cluster.ClusterMetadata;
import io.rafka.node.cluster.Ownership;
import io.rafka.node.cluster.PastryPeer;
import io.rafka.node.cluster.Peers;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import io.rafka.node.config.ClusterConfig;
import io.rafka.node.config.ConfigException;
import io.rafka.node.partition.Metadata;
import io.rafka.supernode.SupernodeStore;
import java.time.Duration;
import java.util.Optional;
import io.rafka.node.config.NodeConfig;
import io.rafka.node.grpc.GrpcApi;
import io.rafka.node.group.GroupCoordinator;
import io.rafka.node.group.GroupStore;
import io.rafka.node.group.LocalGroupStore;
import io.rafka.node.group.SupernodeGroupStore;
import io.rafka.node.grpc.NodeIdentity;
import io.rafka.node.http.HealthServer;
import io.rafka.node.metrics.NodeMetrics;
import io.rafka.node.partition.Broker;
import io.rafka.node.partition.LocalMetadata;
import io.rafka.storage.LogEngine;
import io.rafka.storage.local.FsyncPolicy;
import io.rafka.storage.local.LocalLogConfig;
import io.rafka.storage.local.LocalLogEngine;
import io.rafka.storage.scylla.ScyllaLogEngine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpcio.server.GrpcIoServer;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: Vert.x, the storage engine, the broker, the gRPC API and the health endpoints.
 * {@link #start} returns once the node is ready to serve; {@link #close} stops it and flushes
 * every log.
 */
public final class RafkaNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RafkaNode.class);
    /** HTTP/2 flow-control window: the 64 KiB default halves streaming produce throughput. */
    private static final int HTTP2_WINDOW = 4 * 1024 * 1024;
    /** How often timed-out consumer-group members are removed when nobody calls their group. */
    private static final long GROUP_SWEEP_MS = 1_000;

    private final NodeConfig config;
    private final Vertx vertx;
    private final ExecutorService storageThreads;
    private final LogEngine engine;
    private final Broker broker;
    private final FileLock dataLock;
    private final NodeIdentity identity;
    private final int grpcPort;
    private final int httpPort;
    private final HttpServer grpcServer;
    private final HealthServer health;
    private final NodeMetrics metrics;
    private final BatchCache cache;
    private final Optional<Cluster> cluster;
    private volatile boolean closed;
    private GroupCoordinator groups; // set once by start, before the node is handed out

    private RafkaNode(NodeConfig config, Vertx vertx, ExecutorService storageThreads, LogEngine engine, Broker broker,
                      FileLock dataLock, NodeIdentity identity, int grpcPort, int httpPort, HttpServer grpcServer,
                      HealthServer health, NodeMetrics metrics, BatchCache cache, Optional<Cluster> cluster) {
        this.cluster = cluster;
        this.config = config;
        this.vertx = vertx;
        this.storageThreads = storageThreads;
        this.engine = engine;
        this.broker = broker;
        this.dataLock = dataLock;
        this.identity = identity;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
        this.grpcServer = grpcServer;
        this.health = health;
        this.metrics = metrics;
        this.cache = cache;
    }

    /**
     * Starts a node. Fails (with the reason, naming the setting) when the data directory is held
     * by another process, a port is taken, or the stored data cannot be recovered.
     */
    public static Future<RafkaNode> start(NodeConfig config) {
        config.describe().forEach(line -> LOG.info("config {}", line));
        FileLock lock;
        try {
            lock = lockDataDir(config.dataDir());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        VertxOptions options = new VertxOptions().setPreferNativeTransport(true);
        if (config.eventLoops() > 0) {
            options.setEventLoopPoolSize(config.eventLoops());
        }
        ExecutorService storage = Executors.newFixedThreadPool(config.storageThreads(), named("rafka-storage"));
        return Future.fromCompletionStage(openEngine(config, storage))
                .recover(err -> {
                    storage.shutdownNow();
                    releaseQuietly(lock);
                    return Future.failedFuture(err);
                })
                .compose(engine -> {
                    // Cluster mode runs on CQL storage only (NodeConfig checks it): its metadata goes there too.
                    Future<ClusterBootstrap.Joined> joined = config.cluster().isPresent()
                            ? ClusterBootstrap.join(config.clusterName(), config.nodeName(), config.cluster().get(),
                                    ((ScyllaLogEngine) engine).metadataTable(), options)
                            : Future.succeededFuture(new ClusterBootstrap.Joined(Vertx.vertx(options), null));
                    return joined.recover(err -> {
                        engine.close();
                        storage.shutdownNow();
                        releaseQuietly(lock);
                        return Future.failedFuture(err);
                    }).compose(j -> openStore(j.hazelcast(), config).transform(opened -> opened.succeeded()
                            ? startOn(config, j.vertx(), opened.result(), storage, lock, engine)
                            : abort(j.vertx(), storage, engine, lock, opened.cause())));
                });
    }

    /** The configured storage engine: the embedded log, or ScyllaDB (connected and schema checked). */
    private static java.util.concurrent.CompletionStage<LogEngine> openEngine(NodeConfig config, ExecutorService storage) {
        if (config.scylla().isPresent()) {
            return ScyllaLogEngine.start(config.scylla().get()).thenApply(e -> (LogEngine) e);
        }
        return CompletableFuture.completedFuture(new LocalLogEngine(new LocalLogConfig(
                config.dataDir().resolve("logs"), FsyncPolicy.valueOf(config.fsync().toUpperCase(Locale.ROOT)),
                config.fsyncIntervalMs(), 4096), storage));
    }

    /**
     * The cluster's metadata store (null for a standalone node). Its maps are loaded from CQL
     * storage when the cluster starts them, waiting while storage cannot list them, so this runs
     * on a thread of its own rather than an event loop; the future has no Vert.x context, so the
     * rest of the start runs on that thread until its next asynchronous step.
     */
    private static Future<SupernodeStore> openStore(HazelcastInstance hazelcast, NodeConfig config) {
        if (hazelcast == null) {
            return Future.succeededFuture(null);
        }
        // A lease holder whose session vanished with the supernodes counts as live for one session TTL.
        Duration grace = config.cluster().orElseThrow().sessionTtl();
        return Future.fromCompletionStage(CompletableFuture.supplyAsync(() -> new SupernodeStore(hazelcast, grace),
                task -> new Thread(task, "rafka-metadata-load").start()));
    }

    private static Future<RafkaNode> startOn(NodeConfig config, Vertx vertx, SupernodeStore store,
                                             ExecutorService storage, FileLock lock, LogEngine engine) {
        Metadata metadata;
        try {
            metadata = store != null ? new ClusterMetadata(store) : new LocalMetadata(config.dataDir());
        } catch (RuntimeException e) {
            return abort(vertx, storage, engine, lock, e);
        }
        BatchCache cache = BatchCache.open(config.cache());
        MemoryTail tail = new MemoryTail(config.cache().memoryBytes());
        Broker broker = new Broker(config, metadata, engine, storage, new Broker.Caches(tail, cache), store != null);
        NodeMetrics metrics = new NodeMetrics();
        metrics.bindCache(cache::metrics);
        if (tail.enabled()) {
            metrics.bindCache(tail::metrics);
            metrics.gauge("rafka_cache_memory_bytes", "Bytes of batches held by the in-process cache tier", tail::bytes);
        }
        metrics.gauge("rafka_partitions", "Partitions open on this node", () -> broker.partitions().size());
        HealthServer health = new HealthServer(vertx, broker::isReady, metrics::scrape);
        GroupCoordinator groups = groupCoordinator(metadata, store);

        GrpcIoServer grpc = GrpcIoServer.server(vertx, new GrpcServerOptions()
                .setMaxMessageSize(2L * config.maxBatchBytes() + 1024 * 1024));
        HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                .setHost(config.grpcHost())
                .setPort(config.grpcPort())
                .setHttp2ConnectionWindowSize(HTTP2_WINDOW)
                .setInitialSettings(new Http2Settings().setInitialWindowSize(HTTP2_WINDOW)));
        server.requestHandler(grpc);

        return Future.fromCompletionStage(broker.start())
                .compose(v -> server.listen())
                .compose(s -> health.listen(config.httpHost(), Math.max(config.httpPort(), 0))
                        .map(httpPort -> new int[] {s.actualPort(), config.httpPort() < 0 ? -1 : httpPort}))
                .compose(ports -> {
                    String host = config.grpcHost().equals("0.0.0.0") ? "127.0.0.1" : config.grpcHost();
                    String address = config.advertisedAddress().isEmpty() ? host + ":" + ports[0] : config.advertisedAddress();
                    NodeIdentity identity = NodeIdentity.of(config.nodeName(), address);
                    if (store == null) {
                        return Future.succeededFuture(new Object[] {ports, identity, Optional.<Cluster>empty()});
                    }
                    String httpHost = config.httpHost().equals("0.0.0.0") ? host : config.httpHost();
                    return joinMesh(vertx, config, config.cluster().get(), store, (ClusterMetadata) metadata, broker,
                            identity, httpHost + ":" + ports[1])
                            .map(c -> new Object[] {ports, identity, Optional.of(c)});
                })
                .map(started -> {
                    int[] ports = (int[]) started[0];
                    NodeIdentity identity = (NodeIdentity) started[1];
                    @SuppressWarnings("unchecked")
                    Optional<Cluster> cluster = (Optional<Cluster>) started[2];
                    String address = identity.address();
                    cluster.ifPresent(c -> c.pastry().bindMetrics(metrics.registry()));
                    new GrpcApi(broker, identity, config.clusterName(), metrics, cluster, groups).bind(grpc);
                    RafkaNode node = new RafkaNode(config, vertx, storage, engine, broker, lock, identity,
                            ports[0], ports[1], server, health, metrics, cache, cluster);
                    vertx.setPeriodic(config.retentionCheckIntervalMs(), id -> broker.applyRetention());
                    node.groups = groups;
                    sweepGroups(vertx, broker, groups);
                    LOG.info("node {} (id {}) serving gRPC on {} and health on port {}", config.nodeName(),
                            identity.id(), address, ports[1]);
                    return node;
                })
                .recover(err -> {
                    cache.close();
                    return abort(vertx, storage, engine, lock, err);
                });
    }

    /**
     * Registers the node's session (waiting out a crashed predecessor with the same identity,
     * refusing a live duplicate), starts ownership, then this node's Pastry peer, which joins the
     * Pastry ring in the background (requests are routed by the session ring until it has);
     * blocking calls run on a worker.
     */
    private static Future<Cluster> joinMesh(Vertx vertx, NodeConfig config, ClusterConfig cc, SupernodeStore store,
                                            ClusterMetadata metadata, Broker broker, NodeIdentity identity,
                                            String httpAddress) {
        Duration ttl = cc.sessionTtl();
        Duration waitForStale = ttl.multipliedBy(2).plusSeconds(1);
        Ownership ownership = new Ownership(store, metadata, broker, ttl, () -> store.register(identity.id(),
                identity.name(), identity.address(), httpAddress, cc.supernode(), ttl, waitForStale));
        return vertx.executeBlocking(() -> {
            try {
                ownership.start();
            } catch (io.rafka.supernode.DuplicateNodeIdException e) {
                throw new ConfigException("node.name '" + identity.name() + "' (ring id " + identity.id()
                        + ") is already used by the live node at " + e.holderGrpcAddress()
                        + "; give every node its own node.name");
            }
            return ownership;
        }, false).compose(o -> PastryPeer.start(vertx, new NodeHandle(NodeId.fromHex(identity.id()), identity.address()),
                        ownership::ring))
                .map(pastry -> new Cluster(ownership, new Peers(identity.id(), GrpcApi.MAX_WAIT_MS + 30_000L), pastry))
                .recover(err -> {
                    ownership.close();
                    return Future.failedFuture(err);
                });
    }

    /**
     * Consumer groups: in memory on a standalone node, on the supernodes in cluster mode. Topics a
     * cluster node has not seen yet are looked up on the supernodes.
     */
    private static GroupCoordinator groupCoordinator(Metadata metadata, SupernodeStore store) {
        GroupStore groupStore = store == null ? new LocalGroupStore(metadata, System::currentTimeMillis)
                : new SupernodeGroupStore(store);
        return new GroupCoordinator(groupStore, name -> metadata.topic(name).or(() -> metadata instanceof ClusterMetadata cm
                ? cm.lookup(name) : Optional.empty()), metadata::committed, new SecureRandom());
    }

    /**
     * Expires timed-out group members every second even when nobody calls their group, so a dead
     * member's partitions move; one sweep at a time, on a worker.
     */
    private static void sweepGroups(Vertx vertx, Broker broker, GroupCoordinator groups) {
        AtomicBoolean sweeping = new AtomicBoolean();
        vertx.setPeriodic(GROUP_SWEEP_MS, id -> {
            if (sweeping.compareAndSet(false, true)) {
                broker.onWorker(() -> {
                    groups.sweep();
                    return null;
                }).whenComplete((v, err) -> sweeping.set(false));
            }
        });
    }

    private static <T> Future<T> abort(Vertx vertx, ExecutorService storage, LogEngine engine, FileLock lock, Throwable err) {
        // A cluster member closes its engine after leaving the cluster: the metadata maps use its session.
        boolean clustered = vertx.isClustered();
        if (!clustered) {
            closeQuietly(engine);
        }
        storage.shutdownNow();
        return vertx.close().transform(v -> {
            if (clustered) {
                closeQuietly(engine);
            }
            releaseQuietly(lock);
            return Future.failedFuture(err);
        });
    }

    private static void closeQuietly(LogEngine engine) {
        try {
            engine.close();
        } catch (RuntimeException ignored) {
            // already failing: report the original error
        }
    }

    public NodeIdentity identity() {
        return identity;
    }

    public int grpcPort() {
        return grpcPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public NodeConfig config() {
        return config;
    }

    public Broker broker() {
        return broker;
    }

    public BatchCache cache() {
        return cache;
    }

    /** The in-process tier in front of the sidecar cache. */
    public MemoryTail memoryTail() {
        return broker.caches().memory();
    }

    /** The node's consumer-group coordinator. */
    public GroupCoordinator groups() {
        return groups;
    }

    /** Stops serving, closes every log (flushing it) and releases the data directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            grpcServer.close().await(10, TimeUnit.SECONDS);
            health.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing servers: {}", e.toString());
        }
        cluster.ifPresent(c -> {
            try {
                c.pastry().close().await(10, TimeUnit.SECONDS); // tells the leaves, so they drop this node at once
            } catch (Exception e) {
                LOG.warn("leaving the pastry ring: {}", e.toString());
            }
            c.ownership().close();
            c.peers().close();
        });
        broker.close();
        if (cluster.isEmpty()) {
            engine.close();
        }
        cache.close();
        storageThreads.shutdown();
        try {
            storageThreads.awaitTermination(10, TimeUnit.SECONDS);
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("closing vert.x: {}", e.toString());
        }
        if (cluster.isPresent()) {
            // Only now that this member has left the cluster: until then a supernode owns metadata
            // entries, and their writes and reads go through the engine's CQL session.
            engine.close();
        }
        metrics.close();
        releaseQuietly(dataLock);
        LOG.info("node {} stopped", config.nodeName());
    }

    private static FileLock lockDataDir(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            FileChannel ch = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw new ConfigException("data.dir " + dataDir.toAbsolutePath()
                        + " is in use by another node process; give each node its own data.dir");
            }
            return lock;
        } catch (IOException e) {
            throw new ConfigException("data.dir " + dataDir.toAbsolutePath() + " cannot be used: " + e.getMessage());
        }
    }

    private static void releaseQuietly(FileLock lock) {
        try {
            lock.release();
            lock.channel().close();
        } catch (IOException ignored) {
            // the process is stopping; the OS drops the lock anyway
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
