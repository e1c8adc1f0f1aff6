package io.rafka.node.cluster;

/**
 * What the gRPC layer needs of cluster mode: who owns what, this node's Pastry peer to route
 * with, and channels to forward requests on.
 */
public record Cluster(Ownership ownership, Peers peers, PastryPeer pastry) {
}
