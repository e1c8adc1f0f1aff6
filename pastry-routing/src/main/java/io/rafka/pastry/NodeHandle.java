package io.rafka.pastry;

/**
 * A node as other nodes know it: its ring id and the transport address to reach it (for example
 * {@code host:port}; the library never interprets it). Two handles name the same node when their ids are
 * equal; a handle with the same id and another address describes the same position re-bound elsewhere.
 */
public record NodeHandle(NodeId id, String address) {

    public NodeHandle {
        if (id == null) {
            throw new IllegalArgumentException("node handle id must not be null");
        }
        if (address == null || address.isBlank()) {
            throw new IllegalArgumentException("node handle address must be a non-blank string, was '" + address + "'");
        }
    }

    @Override
    public String toString() {
        return id.toHex().substring(0, 8) + "@" + address;
    }
}
