package io.rafka.supernode;

import java.util.Collection;
import java.util.Map;

/**
 * Durable storage under the metadata maps, so that metadata outlives every supernode: topics,
 * partition leases (their epochs), committed offsets and the cluster counters are written through
 * to it before a change is acknowledged, and read back when the maps start empty (a whole cluster
 * restarted) or lose an entry (every replica of a Hazelcast partition lost at once). Node sessions
 * and consumer-group membership are not persisted: they are rebuilt by the nodes and members that
 * come back.
 *
 * <p>Values are opaque bytes ({@code SupernodeStore} encodes them); {@code map} is a map's name,
 * {@code key} the entry's key. Every method blocks on I/O and is called by Hazelcast on its
 * partition threads; a failure is thrown as an unchecked exception and fails the map operation
 * that needed it, whose change then does not happen.
 */
public interface MetadataPersistence {

    /** Every key stored for {@code map}. */
    Collection<String> keys(String map);

    /** The stored values of those of {@code keys} that have one. */
    Map<String, byte[]> load(String map, Collection<String> keys);

    /** {@link #store}'s version when the value has none: the storage's clock orders the writes. */
    long NO_VERSION = -1;

    /**
     * Stores (or replaces) one value. A {@code version} of at least 0 grows with every change of
     * the entry (a lease's epoch, a counter's value): of two writes of one entry the higher version
     * must win, whatever order they land in (after a Hazelcast partition moved, the old owner's
     * last write may land after the new owner's first). {@link #NO_VERSION}: the later write wins,
     * by the storage's clock.
     */
    void store(String map, String key, byte[] value, long version);

    /** Deletes one value; deleting a missing key does nothing. */
    void delete(String map, String key);
}
