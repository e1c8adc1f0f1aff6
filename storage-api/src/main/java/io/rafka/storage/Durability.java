package io.rafka.storage;

/** How far an append must get before its future completes. */
public enum Durability {
    /** Appended and visible to readers of this log. */
    APPENDED,
    /** Durable as the engine's configuration defines it (fsync policy, CQL consistency level). */
    DURABLE
}
