package io.rafka.supernode.internal;

/**
 * Reserves {@code count} consecutive values of a counter entry that holds the next unreserved
 * value (1 when absent) and returns the first of them. Values are never handed out twice, also
 * when a retried call reserves a second block (the first one is then simply unused).
 */
public final class Counter extends Mutation<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long count;

    public Counter(long count) {
        if (count < 1) {
            throw new IllegalArgumentException("a counter reservation needs at least 1 value, got " + count);
        }
        this.count = count;
    }

    @Override
    protected Step<Long, Long> apply(Long current, long nowMs) {
        long first = current == null ? 1 : current;
        return write(Math.addExact(first, count), first);
    }
}
