package io.rafka.node.partition;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Single-node metadata kept in the data directory: topics, committed offsets and the producer-id
 * counter. Every change is written to a temporary file, forced and atomically renamed before the
 * call returns, so a crash leaves either the old or the new state, never a torn one.
 *
 * <p>Thread-safe (every method synchronises); methods do blocking file I/O, so callers run them on
 * a worker, never on an event loop.
 */
public final class LocalMetadata implements Metadata {
    /** Producer ids are reserved in blocks so the counter file is written once per block. */
    private static final long PRODUCER_ID_BLOCK = 1_000;

    private final Path dir;
    private final Map<String, Topic> topics = new TreeMap<>();
    private final Map<String, Map<String, CommittedOffset>> offsets = new HashMap<>();
    private long nextProducerId;
    private long reservedProducerIds;

    /** An offset committed by a group for one partition. */
    public record CommittedOffset(String topic, int partition, long offset, String metadata, long commitTime) {
        String key() {
            return topic + "/" + partition;
        }
    }

    public LocalMetadata(Path dataDir) {
        this.dir = dataDir.resolve("meta");
        try {
            Files.createDirectories(dir);
            load();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metadata in " + dir, e);
        }
    }

    @Override
    public synchronized List<Topic> topics() {
        return List.copyOf(topics.values());
    }

    @Override
    public synchronized Optional<Topic> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** Adds a topic; ALREADY_EXISTS when the name is taken. */
    @Override
    public synchronized Topic createTopic(Topic topic) {
        if (topics.containsKey(topic.name())) {
            throw new BrokerException(BrokerException.Reason.ALREADY_EXISTS,
                    "topic '" + topic.name() + "' already exists");
        }
        topics.put(topic.name(), topic);
        saveTopics();
        return topic;
    }

    /** Removes a topic and the offsets committed on it; NOT_FOUND when it does not exist. */
    @Override
    public synchronized Topic deleteTopic(String name) {
        Topic removed = topics.remove(name);
        if (removed == null) {
            throw BrokerException.notFound("topic '" + name + "' does not exist");
        }
        saveTopics();
        boolean changed = false;
        for (Map<String, CommittedOffset> group : offsets.values()) {
            changed |= group.values().removeIf(o -> o.topic().equals(name));
        }
        if (changed) {
            saveOffsets();
        }
        return removed;
    }

    /**
     * Commits offsets of one group atomically: all or none. Unless {@code allowRewind}, an offset
     * below the committed one is refused with FAILED_PRECONDITION.
     */
    @Override
    public synchronized void commit(String group, List<CommittedOffset> commits, boolean allowRewind) {
        Map<String, CommittedOffset> current = offsets.getOrDefault(group, Map.of());
        for (CommittedOffset c : commits) {
            CommittedOffset old = current.get(c.key());
            if (!allowRewind && old != null && c.offset() < old.offset()) {
                throw new BrokerException(BrokerException.Reason.FAILED_PRECONDITION,
                        "offset " + c.offset() + " for " + c.key() + " is below the committed offset "
                                + old.offset() + " of group '" + group + "'; set allow_rewind to reset it");
            }
        }
        Map<String, CommittedOffset> g = offsets.computeIfAbsent(group, k -> new HashMap<>());
        commits.forEach(c -> g.put(c.key(), c));
        saveOffsets();
    }

    @Override
    public synchronized Optional<CommittedOffset> committed(String group, String topic, int partition) {
        return Optional.ofNullable(offsets.getOrDefault(group, Map.of()).get(topic + "/" + partition));
    }

    @Override
    public synchronized List<CommittedOffset> committed(String group) {
        return offsets.getOrDefault(group, Map.of()).values().stream()
                .sorted((a, b) -> a.key().compareTo(b.key())).toList();
    }

    @Override
    public synchronized void producerIdsAbove(long seen) {
        if (seen >= nextProducerId) {
            nextProducerId = seen + 1;
            if (reservedProducerIds < nextProducerId) {
                reservedProducerIds = nextProducerId + PRODUCER_ID_BLOCK;
                write("producer-ids.json", new JsonObject().put("reserved", reservedProducerIds));
            }
        }
    }

    /** A producer id never handed out before by this node, across restarts. */
    @Override
    public synchronized long nextProducerId() {
        if (nextProducerId >= reservedProducerIds) {
            reservedProducerIds = nextProducerId + PRODUCER_ID_BLOCK;
            write("producer-ids.json", new JsonObject().put("reserved", reservedProducerIds));
        }
        return nextProducerId++;
    }

    private void load() throws IOException {
        Path t = dir.resolve("topics.json");
        if (Files.exists(t)) {
            JsonArray arr = new JsonObject(Files.readString(t)).getJsonArray("topics");
            for (int i = 0; i < arr.size(); i++) {
                JsonObject o = arr.getJsonObject(i);
                Map<String, String> config = new TreeMap<>();
                o.getJsonObject("config").forEach(e -> config.put(e.getKey(), String.valueOf(e.getValue())));
                Topic topic = new Topic(o.getString("name"), o.getInteger("partitions"), config, o.getLong("createdAt"));
                topics.put(topic.name(), topic);
            }
        }
        Path o = dir.resolve("offsets.json");
        if (Files.exists(o)) {
            JsonObject groups = new JsonObject(Files.readString(o));
            for (String group : groups.fieldNames()) {
                JsonArray arr = groups.getJsonArray(group);
                Map<String, CommittedOffset> g = new HashMap<>();
                for (int i = 0; i < arr.size(); i++) {
                    JsonObject c = arr.getJsonObject(i);
                    CommittedOffset co = new CommittedOffset(c.getString("topic"), c.getInteger("partition"),
                            c.getLong("offset"), c.getString("metadata", ""), c.getLong("commitTime"));
                    g.put(co.key(), co);
                }
                offsets.put(group, g);
            }
        }
        Path p = dir.resolve("producer-ids.json");
        if (Files.exists(p)) {
            // Ids below the last reservation may have been handed out before a crash: skip them all.
            nextProducerId = new JsonObject(Files.readString(p)).getLong("reserved");
            reservedProducerIds = nextProducerId;
        }
    }

    private void saveTopics() {
        JsonArray arr = new JsonArray();
        for (Topic t : topics.values()) {
            arr.add(new JsonObject().put("name", t.name()).put("partitions", t.partitions())
                    .put("config", new JsonObject(new TreeMap<>(t.config()))).put("createdAt", t.createdAt()));
        }
        write("topics.json", new JsonObject().put("topics", arr));
    }

    private void saveOffsets() {
        JsonObject groups = new JsonObject();
        offsets.forEach((group, g) -> {
            JsonArray arr = new JsonArray();
            g.values().forEach(c -> arr.add(new JsonObject().put("topic", c.topic()).put("partition", c.partition())
                    .put("offset", c.offset()).put("metadata", c.metadata()).put("commitTime", c.commitTime())));
            groups.put(group, arr);
        });
        write("offsets.json", groups);
    }

    private void write(String name, JsonObject content) {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve(name + ".tmp");
        try {
            Files.write(tmp, content.encodePrettily().getBytes(StandardCharsets.UTF_8));
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new BrokerException(BrokerException.Reason.UNAVAILABLE,
                    "cannot write metadata file " + target + ": " + e.getMessage());
        }
    }
}
