package io.rafka.node.grpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The node's place on the ring: a 128-bit id, the first 16 bytes of SHA-256 of the node's stable
 * name, written as 32 lowercase hex digits; and the address clients reach it at.
 */
public record NodeIdentity(String name, String id, String address) {

    public static NodeIdentity of(String name, String address) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return new NodeIdentity(name, HexFormat.of().formatHex(digest, 0, 16), address);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
