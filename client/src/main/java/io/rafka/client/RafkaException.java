package io.rafka.client;

import io.grpc.Status;
import java.util.Objects;

/**
 * A failure reported by the broker or detected by the client, carrying the gRPC status code that
 * classifies it (for example {@code INVALID_ARGUMENT}, {@code NOT_FOUND}, {@code OUT_OF_RANGE},
 * {@code DEADLINE_EXCEEDED}) and a message that names the offending value and the limit.
 */
public class RafkaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final Status.Code code;

    public RafkaException(Status.Code code, String message) {
        this(code, message, null);
    }

    public RafkaException(Status.Code code, String message, Throwable cause) {
        super(Objects.requireNonNull(code, "code") + ": " + message, cause);
        this.code = code;
    }

    /** The gRPC status code classifying the failure. */
    public Status.Code code() {
        return code;
    }
}
