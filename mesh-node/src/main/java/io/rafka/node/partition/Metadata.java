package io.rafka.node.partition;

import java.util.List;
import java.util.Optional;

/**
 * What the broker keeps besides logs: topics, committed offsets and producer ids. A standalone
 * node keeps them in files ({@link LocalMetadata}); a cluster node in the supernodes' maps.
 *
 * <p>Methods that change state, and {@link #nextProducerId()}, may block on I/O or the network:
 * call them on a worker, never on an event loop. The read methods ({@link #topics()},
 * {@link #topic(String)}) answer from memory and may be called anywhere.
 */
public interface Metadata {

    List<Topic> topics();

    Optional<Topic> topic(String name);

    /** Adds a topic; ALREADY_EXISTS when the name is taken. Returns the topic as stored. */
    Topic createTopic(Topic topic);

    /** Removes a topic and its committed offsets; NOT_FOUND when it does not exist. */
    Topic deleteTopic(String name);

    /**
     * Commits offsets of one group atomically: all or none. Unless {@code allowRewind}, an offset
     * below the committed one is refused with FAILED_PRECONDITION.
     */
    void commit(String group, List<LocalMetadata.CommittedOffset> commits, boolean allowRewind);

    Optional<LocalMetadata.CommittedOffset> committed(String group, String topic, int partition);

    List<LocalMetadata.CommittedOffset> committed(String group);

    /** A producer id never handed out before, across restarts (and nodes, in cluster mode). */
    long nextProducerId();

    /**
     * Makes sure {@link #nextProducerId()} never answers {@code seen} or less: a partition found
     * that id in its log. Guards against ids handed out again after the metadata was lost while
     * the logs were kept (a wiped data directory on ScyllaDB storage, a cluster restarted whole),
     * which would make a new producer look like an old one out of sequence.
     */
    void producerIdsAbove(long seen);
}
