package io.rafka.supernode;

/** No topic of that name exists. */
public final class TopicNotFoundException extends RuntimeException {
    private final String topic;

    public TopicNotFoundException(String topic) {
        super("topic '" + topic + "' does not exist");
        this.topic = topic;
    }

    public String topic() {
        return topic;
    }
}
