package io.rafka.node.partition;

import io.rafka.cache.BatchCache;
import io.rafka.cache.MemoryTail;
import io.rafka.node.config.NodeConfig;
import io.rafka.record.CorruptBatchException;
import io.rafka.record.RecordBatch;
import io.rafka.storage.Durability;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogEngine;
import io.rafka.storage.LogSlice;
import io.rafka.storage.PartitionId;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.WriterLease;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker of a single node: topics, the partitions it owns, produce and read paths, offsets
 * and committed offsets. Transport-free: the gRPC layer validates wire shapes and maps
 * {@link BrokerException}s onto statuses.
 *
 * <p>Thread-safe. Methods never block: metadata file writes run on the blocking executor, log
 * I/O on the storage engine's threads; returned stages complete on those threads.
 */
public final class Broker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Broker.class);

    private final NodeConfig config;
    private final Metadata metadata;
    private final boolean clustered;
    private final LogEngine engine;
    private final Executor blocking;
    private final Caches caches;
    private final Map<PartitionId, Partition> partitions = new ConcurrentHashMap<>();
    private volatile boolean ready;

    /**
     * The hot-tail cache tiers partitions read through: the in-process tier, then the sidecar.
     * Both shared by every partition of the node.
     */
    public record Caches(MemoryTail memory, BatchCache sidecar) {
        public Caches {
            java.util.Objects.requireNonNull(memory, "memory");
            java.util.Objects.requireNonNull(sidecar, "sidecar");
        }
    }

    /** The cache tiers the node's partitions share. */
    public Caches caches() {
        return caches;
    }

    /**
     * @param clustered whether partitions are opened by ownership (cluster mode, see
     *                  {@link #openPartition}) rather than all at start (standalone)
     */
    public Broker(NodeConfig config, Metadata metadata, LogEngine engine, Executor blocking, Caches caches,
                  boolean clustered) {
        this.config = config;
        this.clustered = clustered;
        this.metadata = metadata;
        this.engine = engine;
        this.blocking = blocking;
        this.caches = caches;
    }

    /**
     * Standalone: opens (and recovers) every partition of every known topic. Cluster mode: opens
     * nothing; ownership opens the partitions this node holds leases for.
     */
    public CompletionStage<Void> start() {
        if (clustered) {
            ready = true;
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> opening = new ArrayList<>();
        for (Topic t : metadata.topics()) {
            opening.add(openPartitions(t).toCompletableFuture());
        }
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new)).thenRun(() -> {
            ready = true;
            LOG.info("{} partitions of {} topics open", partitions.size(), metadata.topics().size());
        });
    }

    /** True once every partition has been opened and recovered. */
    public boolean isReady() {
        return ready;
    }

    public NodeConfig config() {
        return config;
    }

    // ---- topics ----

    public CompletionStage<Topic> createTopic(String name, int partitionCount, Map<String, String> settings) {
        Topic topic = new Topic(name, partitionCount, settings, System.currentTimeMillis());
        logConfig(topic); // refuse bad settings before anything is written
        if (topic.setting("max.batch.bytes", config.maxBatchBytes()) < 1) {
            throw BrokerException.invalid("max.batch.bytes must be positive");
        }
        CompletableFuture<Topic> created = CompletableFuture.supplyAsync(() -> metadata.createTopic(topic), blocking);
        return clustered ? created : created.thenCompose(t -> openPartitions(t).thenApply(v -> t));
    }

    public CompletionStage<Void> deleteTopic(String name) {
        Names.checkTopic(name);
        return CompletableFuture.supplyAsync(() -> metadata.deleteTopic(name), blocking).thenCompose(t -> {
            if (clustered) {
                return CompletableFuture.completedFuture(null); // each owner drops its partitions
            }
            List<CompletableFuture<Void>> deleting = new ArrayList<>();
            for (int p = 0; p < t.partitions(); p++) {
                deleting.add(dropPartition(t, p, true).toCompletableFuture());
            }
            return CompletableFuture.allOf(deleting.toArray(CompletableFuture[]::new));
        });
    }

    /**
     * Opens one partition this node has just taken the lease of (cluster mode). Completes once
     * the log is recovered and fenced: from then on the partition is served here.
     */
    public CompletionStage<Partition> openPartition(Topic topic, int partition, WriterLease lease) {
        PartitionId id = new PartitionId(topic.name(), partition);
        return engine.open(new PartitionId(topic.storageName(), partition), logConfig(topic), lease)
                .thenCompose(log -> {
                    Partition part = new Partition(id, log, lease.epoch(), caches, topic.createdAt());
                    return rebuildProducerState(part).thenApply(v -> part);
                })
                .thenApply(part -> {
                    Partition old = partitions.put(id, part);
                    if (old != null) {
                        old.wakeAll();
                        old.log().close();
                    }
                    return part;
                });
    }

    /**
     * Stops serving a partition (its lease moved or was lost, or the topic was deleted): readers
     * waiting on it are woken, the log is closed (its batches in the in-process cache tier become
     * unreachable, overwritten in ring order) and, when {@code deleteData}, its data is deleted.
     */
    public CompletionStage<Void> dropPartition(Topic topic, int partition, boolean deleteData) {
        PartitionId id = new PartitionId(topic.name(), partition);
        Partition part = partitions.remove(id);
        if (part != null) {
            part.wakeAll();
            part.log().close();
        }
        return deleteData ? engine.delete(new PartitionId(topic.storageName(), partition)) : CompletableFuture.completedFuture(null);
    }

    /** Whether this node serves the partition now. */
    public boolean serves(PartitionId id) {
        return partitions.containsKey(id);
    }

    /** Runs a blocking call (metadata I/O) on the broker's worker threads. */
    public <T> CompletionStage<T> onWorker(java.util.function.Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, blocking);
    }

    public Metadata metadata() {
        return metadata;
    }

    public boolean clustered() {
        return clustered;
    }

    public List<Topic> topics() {
        return metadata.topics();
    }

    /** The topic, or NOT_FOUND. */
    public Topic topic(String name) {
        Names.checkTopic(name);
        return metadata.topic(name).orElseThrow(() -> BrokerException.notFound("topic '" + name + "' does not exist"));
    }

    /** The open partition, or NOT_FOUND / INVALID_ARGUMENT / UNAVAILABLE (still opening). */
    public Partition partition(String topicName, int partition) {
        Topic topic = topic(topicName);
        topic.checkPartition(partition);
        Partition p = partitions.get(new PartitionId(topicName, partition));
        if (p == null && clustered) {
            throw new NotOwnerException(topic, partition);
        }
        if (p == null) {
            throw new BrokerException(BrokerException.Reason.UNAVAILABLE,
                    "partition " + topicName + "/" + partition + " is being opened; retry");
        }
        return p;
    }

    // ---- data path ----

    /**
     * Validates and appends one batch. The batch must be one whole, CRC-valid batch within the
     * topic's size limit.
     */
    public CompletionStage<Partition.Produced> produce(String topicName, int partition, ByteBuffer batchBytes, Durability durability) {
        Topic topic = topic(topicName);
        topic.checkPartition(partition);
        long limit = topic.setting("max.batch.bytes", config.maxBatchBytes());
        if (batchBytes.remaining() > limit) {
            throw BrokerException.invalid("batch of " + batchBytes.remaining() + " bytes exceeds the limit of "
                    + limit + " bytes (max.batch.bytes)");
        }
        if (batchBytes.remaining() == 0) {
            throw BrokerException.invalid("produce request carries no batch");
        }
        RecordBatch batch;
        try {
            batch = RecordBatch.wrap(batchBytes);
            batch.ensureValid();
        } catch (CorruptBatchException e) {
            throw BrokerException.invalid("invalid record batch: " + e.getMessage());
        }
        return partition(topicName, partition).append(batch, durability);
    }

    /**
     * Reads from an offset that must lie in [earliest, latest]. A read that fails because the
     * partition stopped being served here meanwhile (its log was closed as it moved to another node)
     * is UNAVAILABLE, which clients retry, not an internal error.
     */
    public CompletionStage<LogSlice> read(Partition p, long offset, int maxBytes) {
        checkOffset(p, offset);
        return p.read(offset, maxBytes).exceptionallyCompose(err -> CompletableFuture.failedFuture(
                partitions.get(p.id()) == p ? err : new BrokerException(BrokerException.Reason.UNAVAILABLE, "partition "
                        + p.id().topic() + "/" + p.id().partition() + " stopped being served by this node while it was read "
                        + "(it is moving to another node); retry")));
    }

    /** OUT_OF_RANGE naming both bounds when {@code offset} is outside [earliest, latest]. */
    public static void checkOffset(Partition p, long offset) {
        long start = p.log().logStartOffset();
        long end = p.log().logEndOffset();
        if (offset < start || offset > end) {
            throw new BrokerException(BrokerException.Reason.OUT_OF_RANGE, "offset " + offset
                    + " is out of range for " + p.id() + ": earliest is " + start + ", latest is " + end);
        }
    }

    public CompletionStage<Optional<TimestampOffset>> offsetForTimestamp(Partition p, long timestamp) {
        return p.log().offsetForTimestamp(timestamp);
    }

    // ---- producers and committed offsets ----

    public CompletionStage<Long> initProducer() {
        return CompletableFuture.supplyAsync(metadata::nextProducerId, blocking);
    }

    public CompletionStage<Void> commit(String group, List<LocalMetadata.CommittedOffset> commits, boolean allowRewind) {
        return CompletableFuture.runAsync(() -> metadata.commit(group, commits, allowRewind), blocking);
    }

    /** Committed offsets of a group (blocking in cluster mode: call on a worker). */
    public List<LocalMetadata.CommittedOffset> committed(String group) {
        return metadata.committed(group);
    }

    public Optional<LocalMetadata.CommittedOffset> committed(String group, String topic, int partition) {
        return metadata.committed(group, topic, partition);
    }

    // ---- housekeeping ----

    /** Applies retention to every partition. */
    public void applyRetention() {
        long now = System.currentTimeMillis();
        for (Partition p : partitions.values()) {
            p.log().applyRetention(now).whenComplete((start, err) -> {
                if (err != null) {
                    LOG.warn("retention of {} failed: {}", p.id(), err.toString());
                }
            });
        }
    }

    public List<Partition> partitions() {
        return List.copyOf(partitions.values());
    }

    @Override
    public void close() {
        ready = false;
        for (Partition p : partitions.values()) {
            p.wakeAll();
            try {
                p.log().close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed: {}", p.id(), e.toString());
            }
        }
        partitions.clear();
    }

    private LogConfig logConfig(Topic topic) {
        try {
            return new LogConfig(topic.setting("retention.ms", config.retentionMs()),
                    topic.setting("retention.bytes", config.retentionBytes()),
                    topic.setting("segment.bytes", config.segmentBytes()));
        } catch (IllegalArgumentException e) {
            throw BrokerException.invalid(e.getMessage());
        }
    }

    private CompletionStage<Void> openPartitions(Topic topic) {
        LogConfig logConfig = logConfig(topic);
        List<CompletableFuture<Void>> opening = new ArrayList<>();
        for (int p = 0; p < topic.partitions(); p++) {
            PartitionId id = new PartitionId(topic.name(), p);
            opening.add(engine.open(new PartitionId(topic.storageName(), p), logConfig)
                    .thenCompose(log -> {
                        // the topic's creation time names this life of the log in cache keys
                        Partition part = new Partition(id, log, 0, caches, topic.createdAt());
                        return rebuildProducerState(part).thenApply(v -> part);
                    })
                    .thenAccept(part -> partitions.put(id, part))
                    .toCompletableFuture());
        }
        return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new));
    }

    /**
     * Reads the last {@code producer-state.scan-records} records of the log so that a producer
     * retrying across a restart is still recognised, and so that the tail is in the cache tiers
     * before the partition serves (see {@link Partition#rememberTail}). The producer ids found
     * are raised past in the metadata, so a new producer is never handed an id the log already
     * knows (which happens when the metadata was lost but the log kept).
     */
    private CompletionStage<Void> rebuildProducerState(Partition part) {
        long end = part.log().logEndOffset();
        long from = Math.max(part.log().logStartOffset(), end - config.producerStateScanRecords());
        return scan(part, from, end).thenCompose(v -> {
            long highest = part.highestProducerId();
            return highest < 0 ? CompletableFuture.<Void>completedFuture(null)
                    : CompletableFuture.runAsync(() -> metadata.producerIdsAbove(highest), blocking);
        });
    }

    private CompletionStage<Void> scan(Partition part, long from, long end) {
        if (from >= end) {
            return CompletableFuture.completedFuture(null);
        }
        return part.read(from, 4 * 1024 * 1024).thenCompose(slice -> {
            if (slice.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            long[] next = {from};
            RecordBatch.forEach(slice.batches(), b -> next[0] = Math.max(next[0], b.nextOffset()));
            part.rememberTail(slice.batches());
            return next[0] > from ? scan(part, next[0], end) : CompletableFuture.completedFuture(null);
        });
    }
}
