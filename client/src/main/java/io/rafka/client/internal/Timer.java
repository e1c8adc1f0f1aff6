package io.rafka.client.internal;

/** Runs delayed tasks (linger expiry, retry backoff); injectable so tests control time. */
interface Timer extends AutoCloseable {
    /** Runs {@code task} once after {@code delayMs}; the result cancels it if not yet run. */
    Cancellable schedule(long delayMs, Runnable task);

    /** Stops the timer; tasks scheduled afterwards never run. */
    @Override
    void close();

    /** Cancels a scheduled task. */
    interface Cancellable {
        void cancel();
    }
}
