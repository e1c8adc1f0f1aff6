package io.rafka.storage.local;

/**
 * When the embedded log forces written data to the disk. Every policy writes each append to the
 * file (the OS page cache) before acknowledging it, so a crash of the broker process alone loses
 * no acknowledged record; the policies differ only in what survives a crash of the machine.
 */
public enum FsyncPolicy {
    /** Force only on an explicit {@code flush()} and on close: the OS decides when data reaches the disk. */
    NEVER,
    /**
     * A background task forces every log each {@code fsyncIntervalMs}. {@code DURABLE} appends
     * complete after the write, like {@code APPENDED}: a machine crash may lose up to one
     * interval of acknowledged data.
     */
    INTERVAL,
    /**
     * A {@code DURABLE} append completes only after {@code force()} covered it; appends queued
     * together share one force (group commit). {@code APPENDED} appends still complete after the
     * write.
     */
    ALWAYS
}
