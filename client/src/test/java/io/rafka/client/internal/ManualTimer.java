package io.rafka.client.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A timer driven by the test: tasks run when {@link #advance} moves the clock past them. */
final class ManualTimer implements Timer {
    private record Task(long dueMs, long seq, Runnable run, boolean[] cancelled) {
    }

    final AtomicLong now = new AtomicLong(1_000_000);
    private final List<Task> tasks = new ArrayList<>();
    private long seq;

    @Override
    public synchronized Cancellable schedule(long delayMs, Runnable task) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now.get() + delayMs, seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward, running due tasks in due order. */
    void advance(long ms) {
        long target = now.get() + ms;
        while (true) {
            Task next;
            synchronized (this) {
                next = tasks.stream().filter(t -> t.dueMs() <= target)
                        .min(Comparator.comparingLong(Task::dueMs).thenComparingLong(Task::seq))
                        .orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
                now.set(Math.max(now.get(), next.dueMs()));
            }
            if (!next.cancelled()[0]) {
                next.run().run();
            }
        }
        now.set(target);
    }

    synchronized long pendingTasks() {
        return tasks.stream().filter(t -> !t.cancelled()[0]).count();
    }

    @Override
    public void close() {
    }
}
