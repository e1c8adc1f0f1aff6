package io.rafka.node.grpc;

import io.grpc.StatusRuntimeException;
import io.rafka.node.partition.BrokerException;
import io.rafka.node.partition.NotOwnerException;
import io.rafka.storage.FencedException;
import io.rafka.record.CorruptBatchException;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.StorageUnavailableException;
import io.vertx.grpc.common.GrpcStatus;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping from domain errors to gRPC statuses. Anything not listed here is a bug and
 * answers INTERNAL (and is logged with its stack trace).
 */
public final class Statuses {
    private static final Logger LOG = LoggerFactory.getLogger(Statuses.class);

    /** A status and the message sent with it. */
    public record Failure(GrpcStatus status, String message) {
    }

    private Statuses() {
    }

    public static Failure of(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof BrokerException be) {
            return new Failure(switch (be.reason()) {
                case INVALID_ARGUMENT -> GrpcStatus.INVALID_ARGUMENT;
                case NOT_FOUND -> GrpcStatus.NOT_FOUND;
                case ALREADY_EXISTS -> GrpcStatus.ALREADY_EXISTS;
                case OUT_OF_RANGE -> GrpcStatus.OUT_OF_RANGE;
                case FAILED_PRECONDITION -> GrpcStatus.FAILED_PRECONDITION;
                case ABORTED -> GrpcStatus.ABORTED;
                case RESOURCE_EXHAUSTED -> GrpcStatus.RESOURCE_EXHAUSTED;
                case UNAVAILABLE -> GrpcStatus.UNAVAILABLE;
            }, be.getMessage());
        }
        if (e instanceof OffsetOutOfRangeException oor) {
            return new Failure(GrpcStatus.OUT_OF_RANGE, oor.getMessage());
        }
        if (e instanceof CorruptBatchException cbe) {
            return new Failure(GrpcStatus.INVALID_ARGUMENT, "invalid record batch: " + cbe.getMessage());
        }
        if (e instanceof NotOwnerException noe) {
            return new Failure(GrpcStatus.UNAVAILABLE, noe.getMessage() + " (it is moving between nodes); retry");
        }
        if (e instanceof FencedException fe) {
            return new Failure(GrpcStatus.UNAVAILABLE, "partition " + fe.partition() + " moved to another node while "
                    + "the request was in flight (epoch " + fe.epoch() + " is fenced); not acknowledged, retry");
        }
        if (e instanceof StatusRuntimeException sre) {
            // a forwarded request: the owner's answer, passed on unchanged
            String d = sre.getStatus().getDescription();
            return new Failure(GrpcStatus.valueOf(sre.getStatus().getCode().value()),
                    d == null ? sre.getStatus().getCode().name() : d);
        }
        if (e instanceof StorageUnavailableException sue) {
            return new Failure(GrpcStatus.UNAVAILABLE, "storage unavailable: " + sue.getMessage());
        }
        LOG.error("internal error", e);
        return new Failure(GrpcStatus.INTERNAL, "internal error: " + e);
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
