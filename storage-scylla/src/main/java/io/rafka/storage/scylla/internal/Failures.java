package io.rafka.storage.scylla.internal;

import io.rafka.storage.FencedException;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.StorageUnavailableException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns driver failures into the storage API's exceptions. */
public final class Failures {
    private Failures() {
    }

    static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /**
     * Every failure of a CQL request (no node available, timeouts, unavailable replicas, a closed
     * session) is {@link StorageUnavailableException}: retryable, nothing acknowledged. Failures
     * the storage API defines pass through, and so do invalid arguments.
     */
    public static RuntimeException toStorage(String what, Throwable t) {
        Throwable cause = unwrap(t);
        if (cause instanceof StorageUnavailableException s) {
            return s;
        }
        if (cause instanceof OffsetOutOfRangeException o) {
            return o;
        }
        if (cause instanceof FencedException f) {
            return f;
        }
        if (cause instanceof IllegalArgumentException i) {
            return i;
        }
        return new StorageUnavailableException(what + ": " + cause, cause);
    }
}
