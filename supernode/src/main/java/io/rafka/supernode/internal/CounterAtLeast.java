package io.rafka.supernode.internal;

/**
 * Raises a counter to at least {@code floor} (never lowers it); answers the counter's value
 * afterwards. Keeps the entry untouched when it is already there.
 */
public final class CounterAtLeast extends Mutation<Long, Long> {
    private static final long serialVersionUID = 1L;
    private final long floor;

    public CounterAtLeast(long floor) {
        if (floor < 1) {
            throw new IllegalArgumentException("a counter floor must be at least 1, got " + floor);
        }
        this.floor = floor;
    }

    @Override
    protected Step<Long, Long> apply(Long current, long nowMs) {
        long value = current == null ? 1 : current;
        return value >= floor ? keep(value) : write(floor, floor);
    }
}
