package io.rafka.node.cluster;

/** What the gRPC layer needs of cluster mode: who owns what, and channels to forward requests on. */
public record Cluster(Ownership ownership, Peers peers) {
}
