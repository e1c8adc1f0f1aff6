package io.rafka.supernode;

/** A topic of that name exists already. */
public final class TopicExistsException extends RuntimeException {
    private final TopicRecord existing;

    public TopicExistsException(TopicRecord existing) {
        super("topic '" + existing.name() + "' already exists (incarnation " + existing.incarnation() + ", "
                + existing.partitions() + " partitions)");
        this.existing = existing;
    }

    /** The topic that holds the name. */
    public TopicRecord existing() {
        return existing;
    }
}
