package io.rafka.node.partition;

/**
 * A request the broker refuses, with the reason a client can act on. {@link Reason} maps one to
 * one onto gRPC status codes in {@code io.rafka.node.grpc.Statuses}.
 */
public final class BrokerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, OUT_OF_RANGE, FAILED_PRECONDITION, ABORTED,
        RESOURCE_EXHAUSTED, UNAVAILABLE
    }

    private final Reason reason;

    public BrokerException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public static BrokerException invalid(String message) {
        return new BrokerException(Reason.INVALID_ARGUMENT, message);
    }

    public static BrokerException notFound(String message) {
        return new BrokerException(Reason.NOT_FOUND, message);
    }
}
