package io.rafka.client.internal;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.rafka.client.RafkaException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Maps gRPC and future failures to {@link RafkaException} and classifies them. */
public final class Errors {
    private Errors() {
    }

    /** The failure as a RafkaException, unwrapping future wrappers; keeps an existing one as is. */
    public static RafkaException toRafka(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RafkaException r) {
            return r;
        }
        Status status = null;
        if (t instanceof StatusRuntimeException s) {
            status = s.getStatus();
        } else if (t instanceof StatusException s) {
            status = s.getStatus();
        }
        if (status != null) {
            String description = status.getDescription();
            return new RafkaException(status.getCode(),
                    description == null ? status.getCode().name() : description, t);
        }
        return new RafkaException(Status.Code.UNKNOWN, String.valueOf(t), t);
    }

    /** True for transient failures worth retrying the same request for. */
    public static boolean isRetryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.RESOURCE_EXHAUSTED;
    }

    /** Exponential backoff: {@code base * 2^attempt}, capped at {@code max}. */
    public static long backoffMs(long base, long max, int attempt) {
        int shift = Math.min(Math.max(attempt, 0), 30);
        long v = base << shift;
        return v <= 0 || v > max ? max : v;
    }
}
