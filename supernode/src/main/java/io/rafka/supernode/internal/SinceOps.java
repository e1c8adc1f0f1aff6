package io.rafka.supernode.internal;

/**
 * Entry processors of the {@code rafka.since} map: when the cluster's session map started, by
 * the clock of the member holding the entry. The map is not persisted, so it starts again (empty)
 * exactly when the sessions are lost with every supernode.
 */
public final class SinceOps {
    private SinceOps() {
    }

    /**
     * Whether at least {@code graceMs} have passed since the entry was first asked about; the
     * first call stores the current time and answers false (unless the grace is 0).
     */
    public static final class Passed extends Mutation<Long, Boolean> {
        private static final long serialVersionUID = 1L;
        private final long graceMs;

        public Passed(long graceMs) {
            if (graceMs < 0) {
                throw new IllegalArgumentException("grace must not be negative, got " + graceMs + " ms");
            }
            this.graceMs = graceMs;
        }

        @Override
        protected Step<Long, Boolean> apply(Long since, long nowMs) {
            if (since == null) {
                return write(nowMs, graceMs == 0);
            }
            return keep(nowMs - since >= graceMs);
        }
    }
}
