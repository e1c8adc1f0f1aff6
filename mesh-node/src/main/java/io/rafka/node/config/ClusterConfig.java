package io.rafka.node.config;

import java.time.Duration;
import java.util.List;

/**
 * Cluster mode: how the node joins the mesh.
 *
 * @param host             interface the cluster transport (Hazelcast) binds to and advertises
 * @param port             port of the cluster transport
 * @param seeds            {@code host:port} of cluster members to join through; a node listed in
 *                         its own seeds may start a new cluster alone, any other must reach one
 * @param supernode        whether this node holds metadata (a Hazelcast full member) or not (lite)
 * @param metadataBackups  synchronous backups of every metadata entry on other supernodes
 * @param sessionTtl       how long the node's session (and so its partition leases) lives
 *                         without a renewal: the longest a dead owner blocks its partitions
 * @param failureDetection how long the cluster transport waits for a silent member's heartbeat
 * @param seedWait         how long start-up waits for seed host names that do not resolve yet
 *                         (the DNS records of pods starting at the same time appear late)
 */
public record ClusterConfig(String host, int port, List<String> seeds, boolean supernode, int metadataBackups,
                            Duration sessionTtl, Duration failureDetection, Duration seedWait) {

    public ClusterConfig {
        seeds = List.copyOf(seeds);
    }

    /** This node's own cluster address, {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    /** Whether this node may found a new cluster: it is one of its own seeds, or has none. */
    public boolean mayStartAlone() {
        return seeds.isEmpty() || seeds.contains(address());
    }
}
