package io.rafka.storage;

/**
 * The outcome of an append: the base offset given to the batch and the log's end offset after it.
 */
public record Appended(long baseOffset, int recordCount, long logEndOffset, long appendTimeMs) {
    public Appended {
        if (baseOffset < 0 || recordCount <= 0 || logEndOffset < baseOffset + recordCount) {
            throw new IllegalArgumentException("inconsistent append result: base " + baseOffset
                    + ", count " + recordCount + ", end " + logEndOffset);
        }
    }
}
