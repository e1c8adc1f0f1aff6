package io.rafka.node.partition;

/**
 * The partition exists but this node does not serve it (cluster mode): the request belongs to the
 * partition's owner. The gRPC layer forwards it there, or redirects the client.
 */
public final class NotOwnerException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Topic topic;
    private final int partition;

    public NotOwnerException(Topic topic, int partition) {
        super("partition " + topic.name() + "/" + partition + " is not served by this node", null, false, false);
        this.topic = topic;
        this.partition = partition;
    }

    public Topic topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }
}
