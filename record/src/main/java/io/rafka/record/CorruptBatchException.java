package io.rafka.record;

/**
 * A record batch whose bytes do not follow the format: wrong magic, a length that does not fit the
 * buffer, a CRC mismatch, or records that do not decode. The message says which check failed and
 * the values involved.
 */
public final class CorruptBatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptBatchException(String message) {
        super(message);
    }
}
