package io.rafka.pastry;

/** Test helpers: readable ids and handles. */
final class Ids {

    private Ids() {
    }

    /** An id from up to 32 hex digits, padded on the right with zeros: {@code id("a1")} is a1000...0. */
    static NodeId id(String prefix) {
        StringBuilder hex = new StringBuilder(prefix);
        while (hex.length() < 32) {
            hex.append('0');
        }
        return NodeId.fromHex(hex.toString());
    }

    static NodeHandle handle(String prefix) {
        return new NodeHandle(id(prefix), "node-" + prefix);
    }

    static NodeHandle handle(NodeId id) {
        return new NodeHandle(id, "node-" + id.toHex());
    }
}
