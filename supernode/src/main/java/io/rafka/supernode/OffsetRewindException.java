package io.rafka.supernode;

/** A commit would move a group's offset backwards and did not allow it; nothing of it was stored. */
public final class OffsetRewindException extends RuntimeException {
    private final String group;
    private final String topic;
    private final int partition;
    private final long offset;
    private final long committedOffset;

    public OffsetRewindException(String group, String topic, int partition, long offset, long committedOffset) {
        super("offset " + offset + " for " + topic + "/" + partition + " is below the committed offset " + committedOffset
                + " of group '" + group + "'; set allow_rewind to reset it");
        this.group = group;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.committedOffset = committedOffset;
    }

    public String group() {
        return group;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    /** The offset the commit asked for. */
    public long offset() {
        return offset;
    }

    /** The offset that stays committed. */
    public long committedOffset() {
        return committedOffset;
    }
}
