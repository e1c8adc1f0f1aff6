package io.rafka.supernode.internal;

import com.hazelcast.map.EntryProcessor;

import java.util.Map;

/**
 * A single-key entry processor whose backups receive the primary's resulting value instead of
 * running the logic again. Running it again would be wrong for logic that reads the clock: the
 * backup runs later, so a session the primary found live could be expired on the backup, and the
 * replicas would disagree once the backup is promoted.
 *
 * <p>One instance serves one {@code executeOnKey} call. Hazelcast asks the operation for its backup
 * only after running it, on the same instance (checked against 5.7's {@code OperationRunnerImpl}),
 * which is why {@link #getBackupProcessor()} can hand out what {@link #process} decided.
 *
 * @param <V> the map's value type
 * @param <R> the result type
 */
public abstract class Mutation<V, R> implements EntryProcessor<String, V, R> {
    private static final long serialVersionUID = 1L;

    private transient Overwrite<V, R> backup;

    /** What {@link #apply} decided: the result, and the new value if it writes one ({@code null} removes the entry). */
    protected record Step<V, R>(boolean writes, V value, R result) {
    }

    /**
     * Decides the outcome from the current value and the processing member's wall clock.
     *
     * @param current the stored value, {@code null} if absent
     */
    protected abstract Step<V, R> apply(V current, long nowMs);

    protected static <V, R> Step<V, R> keep(R result) {
        return new Step<>(false, null, result);
    }

    protected static <V, R> Step<V, R> write(V value, R result) {
        return new Step<>(true, value, result);
    }

    @Override
    public final R process(Map.Entry<String, V> entry) {
        Step<V, R> step = apply(entry.getValue(), System.currentTimeMillis());
        if (step.writes()) {
            entry.setValue(step.value());
            backup = new Overwrite<>(step.value());
        } else {
            backup = null;
        }
        return step.result();
    }

    @Override
    public final EntryProcessor<String, V, R> getBackupProcessor() {
        return backup;
    }

    /** Sets the backup replica to the value the primary wrote. */
    static final class Overwrite<V, R> implements EntryProcessor<String, V, R> {
        private static final long serialVersionUID = 1L;
        private final V value;

        Overwrite(V value) {
            this.value = value;
        }

        @Override
        public R process(Map.Entry<String, V> entry) {
            entry.setValue(value);
            return null;
        }
    }
}
