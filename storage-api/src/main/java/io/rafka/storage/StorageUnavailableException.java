package io.rafka.storage;

/**
 * The storage cannot serve the request now (disk error, CQL server down, timeouts). Retryable: an
 * append that failed this way was not acknowledged and left nothing visible.
 */
public final class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
