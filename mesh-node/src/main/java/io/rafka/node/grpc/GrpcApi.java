package io.rafka.node.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.rafka.node.cluster.Cluster;
import io.rafka.node.cluster.ForwardTrail;
import io.rafka.node.cluster.NextHop;
import io.rafka.node.cluster.Ring;
import io.rafka.node.group.GroupCoordinator;
import io.rafka.node.metrics.NodeMetrics;
import io.rafka.supernode.GroupDescription;
import io.rafka.supernode.GroupPartition;
import io.rafka.supernode.Membership;
import io.rafka.node.partition.NotOwnerException;
import io.rafka.storage.PartitionId;
import io.rafka.supernode.Lease;
import io.rafka.node.partition.Broker;
import io.rafka.node.partition.BrokerException;
import io.rafka.node.partition.LocalMetadata;
import io.rafka.node.partition.Names;
import io.rafka.node.partition.Partition;
import io.rafka.node.partition.Topic;
import io.rafka.proto.v1.Acks;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.CommitOffsetsRequest;
import io.rafka.proto.v1.CommitOffsetsResponse;
import io.rafka.proto.v1.CommittedOffset;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.CreateTopicResponse;
import io.rafka.proto.v1.DeleteTopicRequest;
import io.rafka.proto.v1.DeleteTopicResponse;
import io.rafka.proto.v1.DescribeClusterRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.DescribeTopicRequest;
import io.rafka.proto.v1.DescribeTopicResponse;
import io.rafka.proto.v1.FetchCommittedOffsetsRequest;
import io.rafka.proto.v1.FetchCommittedOffsetsResponse;
import io.rafka.proto.v1.FetchRequest;
import io.rafka.proto.v1.FetchResponse;
import io.rafka.proto.v1.DescribeGroupRequest;
import io.rafka.proto.v1.DescribeGroupResponse;
import io.rafka.proto.v1.GroupHeartbeatRequest;
import io.rafka.proto.v1.GroupHeartbeatResponse;
import io.rafka.proto.v1.GroupMember;
import io.rafka.proto.v1.GroupsGrpc;
import io.rafka.proto.v1.JoinGroupRequest;
import io.rafka.proto.v1.JoinGroupResponse;
import io.rafka.proto.v1.LeaveGroupRequest;
import io.rafka.proto.v1.LeaveGroupResponse;
import io.rafka.proto.v1.InitProducerRequest;
import io.rafka.proto.v1.InitProducerResponse;
import io.rafka.proto.v1.ListOffsetsRequest;
import io.rafka.proto.v1.ListOffsetsResponse;
import io.rafka.proto.v1.ListTopicsRequest;
import io.rafka.proto.v1.ListTopicsResponse;
import io.rafka.proto.v1.NodeDescription;
import io.rafka.proto.v1.OffsetCommit;
import io.rafka.proto.v1.OffsetsGrpc;
import io.rafka.proto.v1.PartitionDescription;
import io.rafka.proto.v1.PartitionOwner;
import io.rafka.proto.v1.ProduceRequest;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.proto.v1.StartPosition;
import io.rafka.proto.v1.SubscribeRequest;
import io.rafka.proto.v1.SubscribeResponse;
import io.rafka.proto.v1.TopicDescription;
import io.rafka.proto.v1.TopicPartition;
import io.rafka.record.RecordBatch;
import io.rafka.storage.Durability;
import io.rafka.storage.LogSlice;
import io.rafka.storage.TimestampOffset;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcError;
import io.vertx.grpc.server.GrpcServerRequest;
import io.vertx.grpc.server.GrpcServerResponse;
import io.vertx.grpcio.server.GrpcIoServer;
import io.grpc.MethodDescriptor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Serves the rafka.v1 services on a Vert.x gRPC server, using the grpc-java generated method
 * descriptors. Handlers run on the connection's event loop; broker stages complete on storage
 * threads and every response is written back on the request's own context, so a gRPC stream is
 * only ever touched by its event loop.
 */
public final class GrpcApi {
    /** Longest long-poll wait a fetch may ask for. */
    public static final int MAX_WAIT_MS = 30_000;
    static final int DEFAULT_FETCH_BYTES = 1024 * 1024;
    /** Trailer of a FAILED_PRECONDITION redirect: the {@code host:port} of the partition's owner. */
    public static final String OWNER_TRAILER = "rafka-owner";
    /** How long create-topic waits for every new partition to have an owner (cluster mode). */
    static final java.time.Duration OWNERS_WAIT = java.time.Duration.ofSeconds(15);

    private final Broker broker;
    private final NodeIdentity self;
    private final String clusterName;
    private final NodeMetrics metrics;
    private final Optional<Cluster> cluster;
    private final GroupCoordinator groups;

    public GrpcApi(Broker broker, NodeIdentity self, String clusterName, NodeMetrics metrics, Optional<Cluster> cluster,
                   GroupCoordinator groups) {
        this.groups = groups;
        this.broker = broker;
        this.self = self;
        this.clusterName = clusterName;
        this.metrics = metrics;
        this.cluster = cluster;
    }

    /** Registers every method on {@code server}. */
    public void bind(GrpcIoServer server) {
        routed(server, BrokerGrpc.getProduceMethod(), ProduceRequest::getTopic, this::produce);
        server.callHandler(BrokerGrpc.getFetchMethod(), req -> req.handler(msg ->
                knowingTopic(msg.getTopic(), () -> fetch(req, msg), err -> fail("Fetch", req.response(), err))));
        server.callHandler(BrokerGrpc.getSubscribeMethod(), req -> req.handler(msg ->
                knowingTopic(msg.getTopic(), () -> subscribe(req, msg), err -> fail("Subscribe", req.response(), err))));
        routed(server, BrokerGrpc.getListOffsetsMethod(), ListOffsetsRequest::getTopic, this::listOffsets);
        unary(server, BrokerGrpc.getInitProducerMethod(), this::initProducer);
        unary(server, OffsetsGrpc.getCommitOffsetsMethod(), this::commitOffsets);
        unary(server, OffsetsGrpc.getFetchCommittedOffsetsMethod(), this::fetchCommitted);
        unary(server, AdminGrpc.getCreateTopicMethod(), this::createTopic);
        unary(server, AdminGrpc.getDeleteTopicMethod(), this::deleteTopic);
        unary(server, AdminGrpc.getListTopicsMethod(), this::listTopics);
        unary(server, AdminGrpc.getDescribeTopicMethod(), this::describeTopic);
        unary(server, AdminGrpc.getDescribeClusterMethod(), this::describeCluster);
        unary(server, GroupsGrpc.getJoinGroupMethod(), this::joinGroup);
        unary(server, GroupsGrpc.getHeartbeatMethod(), this::groupHeartbeat);
        unary(server, GroupsGrpc.getLeaveGroupMethod(), this::leaveGroup);
        unary(server, GroupsGrpc.getDescribeGroupMethod(), this::describeGroup);
    }

    // ---- plumbing ----

    private <Q, R> void unary(GrpcIoServer server, MethodDescriptor<Q, R> method,
                              Function<Q, CompletionStage<R>> body) {
        String name = method.getBareMethodName();
        server.callHandler(method, req -> req.handler(msg -> {
            Context ctx = Vertx.currentContext();
            CompletionStage<R> stage;
            try {
                stage = body.apply(msg);
            } catch (RuntimeException e) {
                fail(name, req.response(), e);
                return;
            }
            stage.whenComplete((resp, err) -> onContext(ctx, () -> {
                if (err != null) {
                    fail(name, req.response(), err);
                } else {
                    req.response().end(resp);
                }
            }));
        }));
    }

    /**
     * A unary method about one partition: served here when this node owns the partition, else
     * forwarded along the Pastry route towards the owner (cluster mode) and the answer passed back.
     */
    private <Q, R> void routed(GrpcIoServer server, MethodDescriptor<Q, R> method, Function<Q, String> topicOf,
                               Function<Q, CompletionStage<R>> body) {
        String name = method.getBareMethodName();
        server.callHandler(method, req -> req.handler(msg -> {
            Context ctx = Vertx.currentContext();
            CompletionStage<R> stage;
            ForwardTrail trail;
            try {
                trail = ForwardTrail.parse(req.headers()::get);
            } catch (BrokerException e) {
                fail(name, req.response(), e);
                return;
            }
            try {
                stage = serveOrForward(trail, method, msg, body);
            } catch (BrokerException e) {
                if (!unknownTopicInCluster(e, topicOf.apply(msg))) {
                    fail(name, req.response(), e);
                    return;
                }
                // a topic created on another node a moment ago: learn it from the supernodes, then serve
                stage = lookUp(topicOf.apply(msg)).thenCompose(found -> found
                        ? serveOrForward(trail, method, msg, body)
                        : CompletableFuture.failedFuture(e));
            } catch (RuntimeException e) {
                fail(name, req.response(), e);
                return;
            }
            stage.whenComplete((resp, err) -> onContext(ctx, () -> {
                if (err != null) {
                    fail(name, req.response(), err);
                } else {
                    req.response().end(resp);
                }
            }));
        }));
    }

    private <Q, R> CompletionStage<R> serveOrForward(ForwardTrail trail, MethodDescriptor<Q, R> method, Q msg,
                                                    Function<Q, CompletionStage<R>> body) {
        try {
            return body.apply(msg);
        } catch (NotOwnerException e) {
            Optional<CompletionStage<Void>> opening = cluster.flatMap(c -> c.ownership().opening(e.topic().name(), e.partition()));
            if (opening.isPresent()) {
                // this node has just taken the partition over: serve once its log is open
                return opening.get().thenCompose(v -> serveOrForward(trail, method, msg, body));
            }
            return forward(trail, method, msg, e);
        }
    }

    /** NOT_FOUND for a topic this cluster node has not seen yet (its copy refreshes every tick). */
    private boolean unknownTopicInCluster(BrokerException e, String topic) {
        return cluster.isPresent() && e.reason() == BrokerException.Reason.NOT_FOUND
                && broker.metadata().topic(topic).isEmpty();
    }

    /** Asks the supernodes for a topic (on a worker); true when it exists. */
    private CompletionStage<Boolean> lookUp(String topic) {
        return broker.onWorker(() -> ((io.rafka.node.cluster.ClusterMetadata) broker.metadata()).lookup(topic).isPresent());
    }

    /**
     * Runs {@code serve}, first learning the topic from the supernodes when this cluster node does
     * not know it yet; {@code failed} gets the NOT_FOUND when it really does not exist.
     */
    private void knowingTopic(String topic, Runnable serve, java.util.function.Consumer<Throwable> failed) {
        if (cluster.isEmpty() || topic.isEmpty() || broker.metadata().topic(topic).isPresent()) {
            serve.run();
            return;
        }
        Context ctx = Vertx.currentContext();
        lookUp(topic).whenComplete((found, err) -> onContext(ctx, () -> {
            if (err != null) {
                failed.accept(err);
            } else {
                serve.run(); // answers NOT_FOUND itself when the topic does not exist
            }
        }));
    }

    /**
     * Sends a request for a partition this node does not serve one hop further towards its owner:
     * to the next node of the Pastry route, or to the session ring's owner when Pastry has no usable
     * hop or disagrees with the ring ({@link NextHop#choose}). Refused with UNAVAILABLE (clients
     * retry) past {@link ForwardTrail#MAX_HOPS}, or when the only way on is back or to this node.
     */
    private <Q, R> CompletionStage<R> forward(ForwardTrail trail, MethodDescriptor<Q, R> method, Q msg, NotOwnerException e) {
        String where = e.topic().name() + "/" + e.partition();
        if (cluster.isEmpty()) {
            throw e;
        }
        Cluster c = cluster.get();
        return nextHop(c, trail, e.topic().name(), e.partition()).thenCompose(hop -> {
            if (hop instanceof NextHop.Refuse r) {
                return CompletableFuture.failedFuture(new BrokerException(BrokerException.Reason.UNAVAILABLE, "partition "
                        + where + " is not served by node " + self.id() + (trail.hops() == 0 ? "" : " (forwarded here by node "
                        + trail.previous() + ")") + ": " + r.reason() + "; retry"));
            }
            NextHop.Forward f = (NextHop.Forward) hop;
            metrics.forwarded(method.getBareMethodName(), trail.hops() + 1, f.via().label());
            return c.peers().call(f.to().grpcAddress(), method, msg, trail.next(self.id(), f.closerOnly()));
        });
    }

    /** The next hop towards a partition's owner: Pastry's route (taken on the peer's context), checked against the ring. */
    private CompletionStage<NextHop> nextHop(Cluster c, ForwardTrail trail, String topic, int partition) {
        return c.pastry().route(Ring.key(topic, partition), trail.closerOnly()).toCompletionStage()
                .thenApply(decision -> NextHop.choose(self.id(), trail, decision, c.ownership().owner(topic, partition),
                        c.ownership().ring()));
    }

    private void fail(String method, GrpcServerResponse<?, ?> response, Throwable error) {
        Statuses.Failure f = Statuses.of(error);
        metrics.failed(method, f.status().name());
        response.status(f.status()).statusMessage(f.message()).end();
    }

    private static void onContext(Context ctx, Runnable action) {
        if (Vertx.currentContext() == ctx) {
            action.run();
        } else {
            ctx.runOnContext(v -> action.run());
        }
    }

    private static ByteString wrap(ByteBuffer buffer) {
        return UnsafeByteOperations.unsafeWrap(buffer);
    }

    private static long nextOffset(LogSlice slice, long requested) {
        long[] next = {requested};
        RecordBatch.forEach(slice.batches(), b -> next[0] = Math.max(next[0], b.nextOffset()));
        return next[0];
    }

    private int maxBytes(int requested) {
        if (requested < 0) {
            throw BrokerException.invalid("max_bytes must be >= 0, was " + requested);
        }
        int limit = broker.config().maxFetchBytes();
        if (requested > limit) {
            throw BrokerException.invalid("max_bytes " + requested + " exceeds the limit of " + limit
                    + " bytes (limits.max-fetch-bytes)");
        }
        return requested == 0 ? DEFAULT_FETCH_BYTES : requested;
    }

    // ---- Broker service ----

    private CompletionStage<ProduceResponse> produce(ProduceRequest req) {
        Durability durability = switch (req.getAcks()) {
            case ACKS_ALL -> Durability.DURABLE;
            case ACKS_NONE, ACKS_LEADER, ACKS_UNSPECIFIED -> Durability.APPENDED;
            case UNRECOGNIZED -> throw BrokerException.invalid("acks value " + req.getAcksValue() + " is not one of NONE, LEADER, ALL");
        };
        // The batch is stamped in place (base offset, epoch): give the log its own copy of the bytes.
        ByteBuffer batch = ByteBuffer.wrap(req.getBatch().toByteArray());
        CompletionStage<Partition.Produced> produced = broker.produce(req.getTopic(), req.getPartition(), batch, durability);
        if (req.getAcks() == Acks.ACKS_NONE) {
            return CompletableFuture.completedFuture(ProduceResponse.newBuilder().setBaseOffset(-1)
                    .setRecordCount(RecordBatch.wrap(batch).recordCount())
                    .setLogAppendTime(System.currentTimeMillis()).build());
        }
        Partition p = broker.partition(req.getTopic(), req.getPartition());
        int size = batch.remaining();
        return produced.thenApply(r -> {
            metrics.produced(r.recordCount(), size, r.duplicate());
            return r;
        }).thenApply(r -> ProduceResponse.newBuilder()
                .setBaseOffset(r.baseOffset())
                .setRecordCount(r.recordCount())
                .setLogAppendTime(r.appendTimeMs())
                .setDuplicate(r.duplicate())
                .setLogStartOffset(p.log().logStartOffset())
                .build());
    }

    private void fetch(GrpcServerRequest<FetchRequest, FetchResponse> req, FetchRequest msg) {
        Context ctx = Vertx.currentContext();
        GrpcServerResponse<FetchRequest, FetchResponse> response = req.response();
        Partition p;
        int maxBytes;
        try {
            p = broker.partition(msg.getTopic(), msg.getPartition());
        } catch (NotOwnerException e) {
            Optional<CompletionStage<Void>> opening = cluster.flatMap(c -> c.ownership().opening(e.topic().name(), e.partition()));
            if (opening.isPresent()) {
                opening.get().whenComplete((v, err) -> onContext(ctx, () -> {
                    if (err != null) {
                        fail("Fetch", response, err);
                    } else {
                        fetch(req, msg);
                    }
                }));
                return;
            }
            CompletionStage<FetchResponse> forwarded;
            try {
                forwarded = forward(ForwardTrail.parse(req.headers()::get), BrokerGrpc.getFetchMethod(), msg, e);
            } catch (RuntimeException refused) {
                fail("Fetch", response, refused);
                return;
            }
            // the client may give up (cancel) while the owner answers: then there is nothing to write
            boolean[] cancelled = {false};
            req.errorHandler(error -> cancelled[0] = true);
            forwarded.whenComplete((resp, err) -> onContext(ctx, () -> {
                if (cancelled[0]) {
                    return;
                }
                if (err != null) {
                    fail("Fetch", response, err);
                } else {
                    response.end(resp);
                }
            }));
            return;
        } catch (RuntimeException e) {
            fail("Fetch", response, e);
            return;
        }
        try {
            maxBytes = maxBytes(msg.getMaxBytes());
            if (msg.getMaxWaitMs() < 0 || msg.getMaxWaitMs() > MAX_WAIT_MS) {
                throw BrokerException.invalid("max_wait_ms must be between 0 and " + MAX_WAIT_MS + ", was " + msg.getMaxWaitMs());
            }
            Broker.checkOffset(p, msg.getOffset());
        } catch (RuntimeException e) {
            fail("Fetch", response, e);
            return;
        }
        long offset = msg.getOffset();
        Runnable read = () -> broker.read(p, offset, maxBytes).whenComplete((slice, err) -> onContext(ctx, () -> {
            if (err != null) {
                fail("Fetch", response, err);
                return;
            }
            metrics.fetched(slice.batches().remaining());
            response.end(FetchResponse.newBuilder()
                    .setBatches(wrap(slice.batches()))
                    .setHighWatermark(slice.logEndOffset())
                    .setLogStartOffset(slice.logStartOffset())
                    .setNextOffset(nextOffset(slice, offset))
                    .build());
        }));
        if (offset < p.log().logEndOffset() || msg.getMaxWaitMs() == 0) {
            read.run();
            return;
        }
        // Long poll: answer on the first append past the offset, or empty at the deadline.
        boolean[] answered = {false};
        Runnable once = () -> {
            if (!answered[0]) {
                answered[0] = true;
                read.run();
            }
        };
        long timer = ctx.owner().setTimer(msg.getMaxWaitMs(), t -> once.run());
        Partition.Waiter waiter = p.awaitData(offset, () -> onContext(ctx, () -> {
            ctx.owner().cancelTimer(timer);
            once.run();
        }));
        req.errorHandler(error -> {
            if (error == GrpcError.CANCELLED) {
                answered[0] = true;
                waiter.cancel();
                ctx.owner().cancelTimer(timer);
            }
        });
    }

    private void subscribe(GrpcServerRequest<SubscribeRequest, SubscribeResponse> req, SubscribeRequest msg) {
        Context ctx = Vertx.currentContext();
        Partition p;
        int maxBytes;
        try {
            p = broker.partition(msg.getTopic(), msg.getPartition());
            maxBytes = maxBytes(msg.getMaxBytes());
        } catch (NotOwnerException e) {
            Optional<CompletionStage<Void>> opening = cluster.flatMap(c -> c.ownership().opening(e.topic().name(), e.partition()));
            if (opening.isPresent()) {
                opening.get().whenComplete((v, err) -> onContext(ctx, () -> {
                    if (err != null) {
                        fail("Subscribe", req.response(), err);
                    } else {
                        subscribe(req, msg);
                    }
                }));
                return;
            }
            if (cluster.isEmpty()) {
                redirect(req.response(), e);
                return;
            }
            ForwardTrail trail;
            try {
                trail = ForwardTrail.parse(req.headers()::get);
            } catch (BrokerException invalid) {
                fail("Subscribe", req.response(), invalid);
                return;
            }
            proxySubscription(req, msg, e, trail);
            return;
        } catch (RuntimeException e) {
            fail("Subscribe", req.response(), e);
            return;
        }
        startOffset(p, msg.hasStart() ? msg.getStart() : StartPosition.newBuilder().setLatest(true).build())
                .whenComplete((start, err) -> onContext(ctx, () -> {
                    if (err != null) {
                        fail("Subscribe", req.response(), err);
                        return;
                    }
                    Subscription s = new Subscription(ctx, req, p, start, maxBytes);
                    req.errorHandler(error -> s.stop());
                    s.pump();
                }));
    }

    /**
     * Relays a subscription one hop towards the partition's owner (the hop chosen as for unary
     * requests): each message from upstream is written to the client, and the next one asked for
     * only when the client's stream can take it, so the relay buffers at most one message. The
     * upstream's final status is passed on; a subscription that cannot go further is redirected.
     */
    private void proxySubscription(GrpcServerRequest<SubscribeRequest, SubscribeResponse> req, SubscribeRequest msg,
                                   NotOwnerException e, ForwardTrail trail) {
        Context ctx = Vertx.currentContext();
        Cluster c = cluster.get();
        GrpcServerResponse<SubscribeRequest, SubscribeResponse> response = req.response();
        io.grpc.ClientCall<SubscribeRequest, SubscribeResponse>[] call = new io.grpc.ClientCall[1];
        boolean[] gone = {false};
        req.errorHandler(error -> {
            gone[0] = true;
            if (call[0] != null) {
                call[0].cancel("the subscriber went away", null);
            }
        });
        nextHop(c, trail, e.topic().name(), e.partition()).whenComplete((hop, err) -> onContext(ctx, () -> {
            if (gone[0]) {
                return;
            }
            if (err != null) {
                fail("Subscribe", response, err);
                return;
            }
            if (!(hop instanceof NextHop.Forward f)) {
                redirect(response, e);
                return;
            }
            metrics.forwarded("Subscribe", trail.hops() + 1, f.via().label());
            call[0] = c.peers().stream(f.to().grpcAddress(), BrokerGrpc.getSubscribeMethod(), msg,
                    trail.next(self.id(), f.closerOnly()), new io.grpc.ClientCall.Listener<>() {
                        @Override
                        public void onMessage(SubscribeResponse m) {
                            onContext(ctx, () -> {
                                response.write(m);
                                if (response.writeQueueFull()) {
                                    response.drainHandler(v -> call[0].request(1));
                                } else {
                                    call[0].request(1);
                                }
                            });
                        }

                        @Override
                        public void onClose(io.grpc.Status status, io.grpc.Metadata trailers) {
                            onContext(ctx, () -> {
                                if (status.isOk()) {
                                    response.end();
                                } else {
                                    fail("Subscribe", response, status.asRuntimeException(trailers));
                                }
                            });
                        }
                    });
            call[0].request(1);
        }));
    }

    /**
     * A subscription that cannot be relayed further (see {@link NextHop#choose}) is answered with
     * FAILED_PRECONDITION and the owner's address in the {@value #OWNER_TRAILER} trailer (a client
     * may subscribe there directly); UNAVAILABLE when no owner is known yet.
     */
    private void redirect(GrpcServerResponse<?, ?> response, NotOwnerException e) {
        String where = e.topic().name() + "/" + e.partition();
        Optional<Ring.Member> owner = cluster.flatMap(c -> c.ownership().owner(e.topic().name(), e.partition()))
                .filter(m -> !m.nodeId().equals(self.id()));
        if (owner.isEmpty()) {
            fail("Subscribe", response, new BrokerException(BrokerException.Reason.UNAVAILABLE, "partition " + where
                    + " has no owner yet; retry"));
            return;
        }
        response.trailers().set(OWNER_TRAILER, owner.get().grpcAddress());
        fail("Subscribe", response, new BrokerException(BrokerException.Reason.FAILED_PRECONDITION, "partition " + where
                + " is served by node " + owner.get().nodeId() + " at " + owner.get().grpcAddress() + "; subscribe there"));
    }

    private CompletionStage<Long> startOffset(Partition p, StartPosition start) {
        return switch (start.getPositionCase()) {
            case EARLIEST -> CompletableFuture.completedFuture(p.log().logStartOffset());
            case LATEST, POSITION_NOT_SET -> CompletableFuture.completedFuture(p.log().logEndOffset());
            case OFFSET -> {
                Broker.checkOffset(p, start.getOffset());
                yield CompletableFuture.completedFuture(start.getOffset());
            }
            case TIMESTAMP -> broker.offsetForTimestamp(p, start.getTimestamp())
                    .thenApply(found -> found.map(TimestampOffset::offset).orElse(p.log().logEndOffset()));
        };
    }

    /**
     * One server stream. Reads only while the HTTP/2 stream can take more (write queue not full),
     * so a slow consumer throttles its own stream and nothing buffers without bound.
     * Confined to its event-loop context.
     */
    private final class Subscription {
        private final Context ctx;
        private final GrpcServerResponse<SubscribeRequest, SubscribeResponse> response;
        private final Partition partition;
        private final int maxBytes;
        private long offset;
        private boolean reading;
        private boolean stopped;
        private Partition.Waiter waiter;

        Subscription(Context ctx, GrpcServerRequest<SubscribeRequest, SubscribeResponse> req, Partition partition,
                     long offset, int maxBytes) {
            this.ctx = ctx;
            this.response = req.response();
            this.partition = partition;
            this.offset = offset;
            this.maxBytes = maxBytes;
            response.drainHandler(v -> pump());
        }

        void stop() {
            stopped = true;
            if (waiter != null) {
                waiter.cancel();
            }
        }

        void pump() {
            if (stopped || reading || response.writeQueueFull()) {
                return;
            }
            reading = true;
            broker.read(partition, offset, maxBytes).whenComplete((slice, err) -> onContext(ctx, () -> {
                reading = false;
                if (stopped) {
                    return;
                }
                if (err != null) {
                    stopped = true;
                    fail("Subscribe", response, err);
                    return;
                }
                if (slice.isEmpty()) {
                    waiter = partition.awaitData(offset, () -> onContext(ctx, this::pump));
                    return;
                }
                long next = nextOffset(slice, offset);
                metrics.fetched(slice.batches().remaining());
                response.write(SubscribeResponse.newBuilder()
                        .setBatches(wrap(slice.batches()))
                        .setHighWatermark(slice.logEndOffset())
                        .setNextOffset(next)
                        .build());
                offset = next;
                pump();
            }));
        }
    }

    private CompletionStage<ListOffsetsResponse> listOffsets(ListOffsetsRequest req) {
        Partition p = broker.partition(req.getTopic(), req.getPartition());
        ListOffsetsResponse.Builder out = ListOffsetsResponse.newBuilder().setTimestamp(-1);
        return switch (req.getSpecCase()) {
            case EARLIEST -> CompletableFuture.completedFuture(bounds(out, p).setOffset(p.log().logStartOffset()).build());
            case LATEST -> CompletableFuture.completedFuture(bounds(out, p).setOffset(p.log().logEndOffset()).build());
            case TIMESTAMP -> broker.offsetForTimestamp(p, req.getTimestamp()).thenApply(found -> {
                bounds(out, p);
                found.ifPresentOrElse(f -> out.setOffset(f.offset()).setTimestamp(f.timestamp()),
                        () -> out.setOffset(p.log().logEndOffset()));
                return out.build();
            });
            case SPEC_NOT_SET -> throw BrokerException.invalid("list offsets needs one of earliest, latest or timestamp");
        };
    }

    private static ListOffsetsResponse.Builder bounds(ListOffsetsResponse.Builder b, Partition p) {
        return b.setLogStartOffset(p.log().logStartOffset()).setHighWatermark(p.log().logEndOffset());
    }

    private CompletionStage<InitProducerResponse> initProducer(InitProducerRequest req) {
        if (!req.getTransactionalId().isEmpty()) {
            throw BrokerException.invalid("transactional ids are not supported; leave transactional_id empty");
        }
        return broker.initProducer().thenApply(id -> InitProducerResponse.newBuilder()
                .setProducerId(id).setProducerEpoch(0).build());
    }

    // ---- Offsets service ----

    private CompletionStage<CommitOffsetsResponse> commitOffsets(CommitOffsetsRequest req) {
        String group = Names.checkGroup(req.getGroup());
        checkCommitter(req);
        if (req.getOffsetsCount() == 0) {
            throw BrokerException.invalid("commit carries no offsets");
        }
        long now = System.currentTimeMillis();
        List<LocalMetadata.CommittedOffset> commits = new ArrayList<>();
        for (OffsetCommit c : req.getOffsetsList()) {
            Topic topic = broker.topic(c.getTopic());
            topic.checkPartition(c.getPartition());
            if (c.getOffset() < 0) {
                throw BrokerException.invalid("committed offset must be >= 0, was " + c.getOffset());
            }
            if (c.getMetadata().length() > 4096) {
                throw BrokerException.invalid("commit metadata is " + c.getMetadata().length()
                        + " characters, the limit is 4096");
            }
            commits.add(new LocalMetadata.CommittedOffset(c.getTopic(), c.getPartition(), c.getOffset(), c.getMetadata(), now));
        }
        if (req.getGeneration() >= 0) {
            return broker.onWorker(() -> {
                groups.commit(group, req.getMemberId(), req.getGeneration(), commits, req.getAllowRewind());
                return CommitOffsetsResponse.getDefaultInstance();
            });
        }
        return broker.commit(group, commits, req.getAllowRewind()).thenApply(v -> CommitOffsetsResponse.getDefaultInstance());
    }

    private CompletionStage<FetchCommittedOffsetsResponse> fetchCommitted(FetchCommittedOffsetsRequest req) {
        String group = Names.checkGroup(req.getGroup());
        for (TopicPartition tp : req.getPartitionsList()) {
            broker.topic(tp.getTopic()).checkPartition(tp.getPartition());
        }
        return broker.onWorker(() -> {
            FetchCommittedOffsetsResponse.Builder out = FetchCommittedOffsetsResponse.newBuilder();
            if (req.getPartitionsCount() == 0) {
                broker.committed(group).forEach(c -> out.addOffsets(toProto(c)));
            } else {
                for (TopicPartition tp : req.getPartitionsList()) {
                    Optional<LocalMetadata.CommittedOffset> c = broker.committed(group, tp.getTopic(), tp.getPartition());
                    out.addOffsets(c.map(GrpcApi::toProto).orElse(CommittedOffset.newBuilder()
                            .setTopic(tp.getTopic()).setPartition(tp.getPartition()).setOffset(-1).build()));
                }
            }
            return out.build();
        });
    }

    private static CommittedOffset toProto(LocalMetadata.CommittedOffset c) {
        return CommittedOffset.newBuilder().setTopic(c.topic()).setPartition(c.partition()).setOffset(c.offset())
                .setMetadata(c.metadata()).setCommitTime(c.commitTime()).build();
    }

    /** A member's commit names its generation and member id; a simple commit (generation -1) neither. */
    private static void checkCommitter(CommitOffsetsRequest req) {
        if (req.getGeneration() < -1) {
            throw BrokerException.invalid("generation must be -1 (a simple commit) or a group generation >= 0, was "
                    + req.getGeneration());
        }
        if (req.getGeneration() >= 0 && req.getMemberId().isEmpty()) {
            throw BrokerException.invalid("a commit with generation " + req.getGeneration()
                    + " needs the member_id JoinGroup returned; commit with generation -1 without a membership");
        }
        if (req.getGeneration() == -1 && !req.getMemberId().isEmpty()) {
            throw BrokerException.invalid("member_id '" + req.getMemberId() + "' needs the member's generation; "
                    + "a simple commit (generation -1) carries no member_id");
        }
    }

    // ---- Groups service ----

    private CompletionStage<JoinGroupResponse> joinGroup(JoinGroupRequest req) {
        return broker.onWorker(() -> {
            Membership m = groups.join(req.getGroup(), req.getMemberId(), req.getTopicsList(), req.getSessionTimeoutMs(),
                    req.getClientId());
            return JoinGroupResponse.newBuilder().setMemberId(m.memberId()).setGeneration(m.generation())
                    .addAllAssignment(toProto(m.partitions())).addAllRevoke(toProto(m.revoke()))
                    .setHeartbeatIntervalMs(m.heartbeatIntervalMs()).build();
        });
    }

    private CompletionStage<GroupHeartbeatResponse> groupHeartbeat(GroupHeartbeatRequest req) {
        List<GroupPartition> revoked = fromProto(req.getRevokedList());
        return broker.onWorker(() -> {
            Membership m = groups.heartbeat(req.getGroup(), req.getMemberId(), req.getGeneration(), revoked);
            return GroupHeartbeatResponse.newBuilder().setGeneration(m.generation())
                    .addAllAssignment(toProto(m.partitions())).addAllRevoke(toProto(m.revoke()))
                    .setHeartbeatIntervalMs(m.heartbeatIntervalMs()).build();
        });
    }

    private CompletionStage<LeaveGroupResponse> leaveGroup(LeaveGroupRequest req) {
        return broker.onWorker(() -> {
            groups.leave(req.getGroup(), req.getMemberId());
            return LeaveGroupResponse.getDefaultInstance();
        });
    }

    private CompletionStage<DescribeGroupResponse> describeGroup(DescribeGroupRequest req) {
        return broker.onWorker(() -> {
            GroupDescription d = groups.describe(req.getGroup());
            DescribeGroupResponse.Builder b = DescribeGroupResponse.newBuilder().setGroup(d.group())
                    .setGeneration(d.generation()).setState(d.state().name().toLowerCase(java.util.Locale.ROOT));
            for (GroupDescription.Member m : d.members()) {
                b.addMembers(GroupMember.newBuilder().setMemberId(m.memberId()).setClientId(m.clientId())
                        .addAllAssignment(toProto(m.assignment())).addAllRevoking(toProto(m.revoking()))
                        .addAllPending(toProto(m.pending())).addAllTopics(m.topics())
                        .setSessionTimeoutMs(m.sessionTimeoutMs()));
            }
            return b.build();
        });
    }

    private static List<TopicPartition> toProto(List<GroupPartition> partitions) {
        return partitions.stream().map(p -> TopicPartition.newBuilder().setTopic(p.topic()).setPartition(p.partition())
                .build()).toList();
    }

    private static List<GroupPartition> fromProto(List<TopicPartition> partitions) {
        List<GroupPartition> out = new ArrayList<>(partitions.size());
        for (TopicPartition tp : partitions) {
            Names.checkTopic(tp.getTopic());
            if (tp.getPartition() < 0) {
                throw BrokerException.invalid("partition of topic '" + tp.getTopic() + "' must be >= 0, was " + tp.getPartition());
            }
            out.add(new GroupPartition(tp.getTopic(), tp.getPartition()));
        }
        return out;
    }

    // ---- Admin service ----

    private CompletionStage<CreateTopicResponse> createTopic(CreateTopicRequest req) {
        int partitions = req.getPartitions() == 0 ? broker.config().defaultPartitions() : req.getPartitions();
        CompletionStage<Topic> created = broker.createTopic(req.getName(), partitions, req.getConfigMap());
        if (cluster.isPresent()) {
            // answer once every partition has an owner, so the topic is usable at once
            created = created.thenCompose(t -> cluster.get().ownership().awaitOwners(t, OWNERS_WAIT).thenApply(v -> t));
        }
        return created.thenCompose(this::describe).thenApply(d -> CreateTopicResponse.newBuilder().setTopic(d).build());
    }

    private CompletionStage<DeleteTopicResponse> deleteTopic(DeleteTopicRequest req) {
        return broker.deleteTopic(req.getName()).thenApply(v -> DeleteTopicResponse.getDefaultInstance());
    }

    private CompletionStage<ListTopicsResponse> listTopics(ListTopicsRequest req) {
        return CompletableFuture.completedFuture(ListTopicsResponse.newBuilder()
                .addAllNames(broker.topics().stream().map(Topic::name).toList()).build());
    }

    private CompletionStage<DescribeTopicResponse> describeTopic(DescribeTopicRequest req) {
        Names.checkTopic(req.getName());
        CompletionStage<Boolean> known = cluster.isPresent() && broker.metadata().topic(req.getName()).isEmpty()
                ? lookUp(req.getName()) : CompletableFuture.completedFuture(true);
        return known.thenCompose(k -> describe(broker.topic(req.getName())))
                .thenApply(d -> DescribeTopicResponse.newBuilder().setTopic(d).build());
    }

    /**
     * A topic's partitions with owners and offsets. In cluster mode the offsets of partitions served
     * elsewhere come from their owners (a forwarded ListOffsets each); -1 when an owner does not answer.
     */
    private CompletionStage<TopicDescription> describe(Topic t) {
        TopicDescription local = describeLocally(t);
        if (cluster.isEmpty()) {
            return CompletableFuture.completedFuture(local);
        }
        TopicDescription.Builder b = local.toBuilder();
        List<CompletableFuture<Void>> asks = new ArrayList<>();
        for (int i = 0; i < b.getPartitionsCount(); i++) {
            PartitionDescription pd = b.getPartitions(i);
            if (pd.getHighWatermark() >= 0 || pd.getOwnerAddress().isEmpty() || pd.getOwnerId().equals(self.id())) {
                continue;
            }
            int index = i;
            asks.add(cluster.get().peers().call(pd.getOwnerAddress(), BrokerGrpc.getListOffsetsMethod(),
                            ListOffsetsRequest.newBuilder().setTopic(t.name()).setPartition(pd.getPartition()).setLatest(true).build())
                    .handle((r, err) -> {
                        if (r != null) {
                            synchronized (b) {
                                b.setPartitions(index, pd.toBuilder().setLogStartOffset(r.getLogStartOffset())
                                        .setHighWatermark(r.getHighWatermark()));
                            }
                        }
                        return (Void) null;
                    }).toCompletableFuture());
        }
        return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(v -> {
            synchronized (b) {
                return b.build();
            }
        });
    }

    private TopicDescription describeLocally(Topic t) {
        TopicDescription.Builder b = TopicDescription.newBuilder().setName(t.name()).setPartitionCount(t.partitions())
                .putAllConfig(t.config()).setCreatedAt(t.createdAt());
        for (int i = 0; i < t.partitions(); i++) {
            PartitionDescription.Builder pd = PartitionDescription.newBuilder().setPartition(i)
                    .setOwnerId(self.id()).setOwnerAddress(self.address());
            if (cluster.isPresent()) {
                Optional<Ring.Member> owner = cluster.get().ownership().owner(t.name(), i);
                pd.setOwnerId(owner.map(Ring.Member::nodeId).orElse("")).setOwnerAddress(owner.map(Ring.Member::grpcAddress).orElse(""));
                Lease lease = cluster.get().ownership().leases().get(new PartitionId(t.name(), i));
                if (lease != null) {
                    pd.setEpoch(lease.epoch());
                }
            }
            try {
                Partition p = broker.partition(t.name(), i);
                pd.setLogStartOffset(p.log().logStartOffset()).setHighWatermark(p.log().logEndOffset());
            } catch (BrokerException | NotOwnerException elsewhere) {
                pd.setLogStartOffset(-1).setHighWatermark(-1);
            }
            b.addPartitions(pd);
        }
        return b.build();
    }

    private CompletionStage<DescribeClusterResponse> describeCluster(DescribeClusterRequest req) {
        if (cluster.isPresent()) {
            return CompletableFuture.completedFuture(describeMesh(cluster.get()));
        }
        DescribeClusterResponse.Builder b = DescribeClusterResponse.newBuilder().setClusterName(clusterName)
                .setThisNodeId(self.id())
                .addNodes(NodeDescription.newBuilder().setId(self.id()).setAddress(self.address())
                        .setName(self.name()).setSupernode(true));
        for (Topic t : broker.topics()) {
            for (int i = 0; i < t.partitions(); i++) {
                b.addOwners(PartitionOwner.newBuilder().setTopic(t.name()).setPartition(i).setOwnerId(self.id()));
            }
        }
        return CompletableFuture.completedFuture(b.build());
    }

    private DescribeClusterResponse describeMesh(Cluster c) {
        DescribeClusterResponse.Builder b = DescribeClusterResponse.newBuilder().setClusterName(clusterName)
                .setThisNodeId(self.id());
        for (Ring.Member m : c.ownership().ring().members()) {
            b.addNodes(NodeDescription.newBuilder().setId(m.nodeId()).setAddress(m.grpcAddress())
                    .setName(m.session().name()).setSupernode(m.session().supernode()));
        }
        for (Topic t : broker.topics()) {
            for (int i = 0; i < t.partitions(); i++) {
                PartitionOwner.Builder o = PartitionOwner.newBuilder().setTopic(t.name()).setPartition(i);
                c.ownership().owner(t.name(), i).ifPresent(m -> o.setOwnerId(m.nodeId()));
                Lease lease = c.ownership().leases().get(new PartitionId(t.name(), i));
                if (lease != null) {
                    o.setEpoch(lease.epoch());
                }
                b.addOwners(o);
            }
        }
        return b.build();
    }
}
