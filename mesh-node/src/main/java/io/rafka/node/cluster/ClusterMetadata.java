package io.rafka.node.cluster;

import io.rafka.node.partition.BrokerException;
import io.rafka.node.partition.LocalMetadata;
import io.rafka.node.partition.Metadata;
import io.rafka.node.partition.Topic;
import io.rafka.supernode.OffsetRewindException;
import io.rafka.supernode.SupernodeStore;
import io.rafka.supernode.TopicExistsException;
import io.rafka.supernode.TopicNotFoundException;
import io.rafka.supernode.TopicRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Metadata of a cluster node: the supernodes' maps, with a local copy of the topics so that the
 * data path looks topics up without a network call. The copy is refreshed by ownership's tick
 * and on a miss ({@link #lookup}); changes made through this node are applied to it at once.
 */
public final class ClusterMetadata implements Metadata {
    private final SupernodeStore store;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();

    public ClusterMetadata(SupernodeStore store) {
        this.store = store;
    }

    /** Reloads every topic from the supernodes (blocking). */
    public void refresh() {
        Map<String, Topic> fresh = new ConcurrentHashMap<>();
        for (TopicRecord r : store.topics()) {
            fresh.put(r.name(), toTopic(r));
        }
        topics.keySet().retainAll(fresh.keySet());
        topics.putAll(fresh);
    }

    /** The topic as the supernodes know it now (blocking): for a name this node has not seen yet. */
    public Optional<Topic> lookup(String name) {
        Optional<Topic> t = store.topic(name).map(ClusterMetadata::toTopic);
        t.ifPresentOrElse(topic -> topics.put(name, topic), () -> topics.remove(name));
        return t;
    }

    @Override
    public List<Topic> topics() {
        return topics.values().stream().sorted(Comparator.comparing(Topic::name)).toList();
    }

    @Override
    public Optional<Topic> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    @Override
    public Topic createTopic(Topic topic) {
        try {
            Topic created = toTopic(store.createTopic(topic.name(), topic.partitions(), topic.config()));
            topics.put(created.name(), created);
            return created;
        } catch (TopicExistsException e) {
            throw new BrokerException(BrokerException.Reason.ALREADY_EXISTS, "topic '" + topic.name() + "' already exists");
        }
    }

    @Override
    public Topic deleteTopic(String name) {
        try {
            Topic removed = toTopic(store.deleteTopic(name));
            topics.remove(name);
            return removed;
        } catch (TopicNotFoundException e) {
            topics.remove(name);
            throw BrokerException.notFound("topic '" + name + "' does not exist");
        }
    }

    @Override
    public void commit(String group, List<LocalMetadata.CommittedOffset> commits, boolean allowRewind) {
        try {
            store.commit(group, commits.stream().map(c -> new io.rafka.supernode.CommittedOffset(c.topic(),
                    c.partition(), c.offset(), c.metadata(), c.commitTime())).toList(), allowRewind);
        } catch (OffsetRewindException e) {
            throw new BrokerException(BrokerException.Reason.FAILED_PRECONDITION, e.getMessage());
        }
    }

    @Override
    public Optional<LocalMetadata.CommittedOffset> committed(String group, String topic, int partition) {
        return store.committed(group, topic, partition).map(ClusterMetadata::toLocal);
    }

    @Override
    public List<LocalMetadata.CommittedOffset> committed(String group) {
        return store.committed(group).stream().map(ClusterMetadata::toLocal).toList();
    }

    @Override
    public long nextProducerId() {
        return store.nextProducerId();
    }

    @Override
    public void producerIdsAbove(long seen) {
        store.producerIdsAbove(seen);
    }

    private static LocalMetadata.CommittedOffset toLocal(io.rafka.supernode.CommittedOffset c) {
        return new LocalMetadata.CommittedOffset(c.topic(), c.partition(), c.offset(), c.metadata(), c.commitTime());
    }

    static Topic toTopic(TopicRecord r) {
        return new Topic(r.name(), r.partitions(), r.config(), r.createdAt(), r.incarnation());
    }
}
