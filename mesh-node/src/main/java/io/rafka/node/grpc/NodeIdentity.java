package io.rafka.node.grpc;

import io.rafka.pastry.NodeId;

/**
 * The node's place on the ring and the address clients reach it at. The id is
 * {@link NodeId#ofIdentity} of the node's stable name (the first 16 bytes of SHA-256 of the
 * UTF-8 name), written as 32 lowercase hex digits, so a restarted pod with the same name takes
 * back the same id.
 */
public record NodeIdentity(String name, String id, String address) {

    public static NodeIdentity of(String name, String address) {
        return new NodeIdentity(name, NodeId.ofIdentity(name).toHex(), address);
    }
}
