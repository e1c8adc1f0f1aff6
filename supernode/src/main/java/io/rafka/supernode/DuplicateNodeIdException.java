package io.rafka.supernode;

import java.time.Duration;

/**
 * Another node runs with the same node id: its session stayed live (it kept renewing it) for all
 * the time {@link SupernodeStore#register} waited for a crashed predecessor's session to expire.
 */
public final class DuplicateNodeIdException extends RuntimeException {
    private final String nodeId;
    private final String holderGrpcAddress;

    public DuplicateNodeIdException(String nodeId, String holderGrpcAddress, Duration waited) {
        super("node id '" + nodeId + "' is held by a live session of the node at " + holderGrpcAddress
                + ", which kept renewing it for the " + waited.toMillis() + " ms waited; node ids must be unique");
        this.nodeId = nodeId;
        this.holderGrpcAddress = holderGrpcAddress;
    }

    public String nodeId() {
        return nodeId;
    }

    /** The gRPC address of the node that holds the id. */
    public String holderGrpcAddress() {
        return holderGrpcAddress;
    }
}
