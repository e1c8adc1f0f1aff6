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

    /** Stores (or replaces) one value. */
    void store(String map, String key, byte[] value);

    /** Deletes one value; deleting a missing key does nothing. */
    void delete(String map, String key);
}
