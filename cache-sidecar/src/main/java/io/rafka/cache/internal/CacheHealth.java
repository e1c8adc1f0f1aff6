package io.rafka.cache.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * Up or down, and the two log lines that go with the changes. Each change is logged exactly once,
 * by the thread that made it (compare-and-set), however many calls fail at the same moment, so a
 * dead cache costs one WARN line, not one per request. Starts up. Thread-safe.
 */
final class CacheHealth {
    private final String description;
    private final Logger log;
    private final AtomicBoolean up = new AtomicBoolean(true);
    private final LongAdder downTransitions = new LongAdder();

    CacheHealth(String description, Logger log) {
        this.description = description;
        this.log = log;
    }

    boolean isUp() {
        return up.get();
    }

    long downTransitions() {
        return downTransitions.sum();
    }

    /** @return true when this call took the cache down (the caller then starts probing) */
    boolean markDown(String cause) {
        if (!up.compareAndSet(true, false)) {
            return false;
        }
        downTransitions.increment();
        log.warn("cache {} is down: {}; serving from the log", description, cause);
        return true;
    }

    /** @return true when this call brought the cache back */
    boolean markUp() {
        if (!up.compareAndSet(false, true)) {
            return false;
        }
        log.info("cache {} is back; serving recent batches from the cache again", description);
        return true;
    }
}
