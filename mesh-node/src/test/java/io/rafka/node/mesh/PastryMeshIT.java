package io.rafka.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.pastry.NodeId;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.NodeDescription;
import io.rafka.proto.v1.PartitionOwner;
import io.rafka.proto.v1.ProduceResponse;
import io.rafka.testkit.Poll;
import io.rafka.testkit.cql.CqlEndpoint;
import io.rafka.testkit.cql.CqlServerExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pastry in a real mesh: node JVMs on a real CQL server run the Pastry state machine over the
 * clustered event bus. A fourth node joining three moves only the partitions whose closest node
 * changed; every node's Pastry joins and its leaf set holds the others; requests through any node
 * reach the owners along the Pastry route; a node killed with kill -9 is dropped from the others'
 * leaf sets and requests keep flowing.
 */
@ExtendWith(CqlServerExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PastryMeshIT {
    private static final Pattern LEAF_SET_LINE = Pattern.compile("pastry: leaf set of node ([0-9a-f]{32}) is now \\[([0-9a-f,]*)]");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;
    static Mesh mesh;
    /** Indexes of the nodes running, in start order. */
    static List<Integer> running = List.of(0, 1, 2);

    @BeforeAll
    static void startMesh(CqlEndpoint cql) throws Exception {
        mesh = new Mesh(cql, dir, 3, 3, Map.of());
    }

    @AfterAll
    static void stopMesh() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    @Order(1)
    void aFourthNodeTakesOverExactlyThePartitionsWhoseClosestNodeChanged() throws Exception {
        int partitions = 64;
        mesh.admin(0).createTopic(CreateTopicRequest.newBuilder().setName("moves").setPartitions(partitions).build());
        Map<Integer, PartitionOwner> before = settled("moves", 3, running, Map.of());
        Set<String> threeIds = new HashSet<>(ids(mesh.describe(0)));

        long started = System.nanoTime();
        mesh.start(3, false);
        running = List.of(0, 1, 2, 3);
        String fourth = NodeId.ofIdentity("node-3").toHex();
        Map<Integer, PartitionOwner> after = settled("moves", 4, running, before);
        long settledMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        Set<String> fourIds = new HashSet<>(threeIds);
        fourIds.add(fourth);
        assertThat(ids(mesh.describe(3))).containsExactlyInAnyOrderElementsOf(fourIds);
        Set<Integer> closestChanged = new TreeSet<>();
        Set<Integer> moved = new TreeSet<>();
        for (int p = 0; p < partitions; p++) {
            NodeId key = NodeId.ofKey("moves/" + p);
            if (!closest(key, fourIds).equals(closest(key, threeIds))) {
                closestChanged.add(p);
            }
            if (!after.get(p).getOwnerId().equals(before.get(p).getOwnerId())) {
                moved.add(p);
            }
        }
        assertThat(moved).as("partitions that changed owner").isEqualTo(closestChanged);
        for (int p = 0; p < partitions; p++) {
            if (moved.contains(p)) {
                assertThat(after.get(p).getOwnerId()).as("new owner of moves/%d", p).isEqualTo(fourth);
                assertThat(after.get(p).getEpoch()).as("epoch of moves/%d", p).isGreaterThan(before.get(p).getEpoch());
            } else {
                assertThat(after.get(p)).as("owner and epoch of moves/%d", p).isEqualTo(before.get(p));
            }
        }
        System.out.printf("pastry mesh: a 4th node joining a 3-node mesh moved %d of %d partitions (%.1f %%; 25 %% expected on "
                + "average), ownership settled %d ms after its start began%n", moved.size(), partitions,
                100.0 * moved.size() / partitions, settledMs);
    }

    @Test
    @Order(2)
    void everyNodeJoinsPastryAndItsLeafSetHoldsTheOtherThree() {
        long started = System.nanoTime();
        Set<String> all = new HashSet<>(ids(mesh.describe(0)));
        assertThat(all).hasSize(4);
        for (int n : running) {
            Poll.until(Duration.ofSeconds(30), "node " + n + " joined pastry with a leaf set of 3", () ->
                    metric(n, "rafka_pastry_active", "") == 1 && metric(n, "rafka_pastry_leaf_set_size", "") == 3);
            String self = selfId(n);
            Set<String> others = new HashSet<>(all);
            others.remove(self);
            Poll.until(Duration.ofSeconds(30), "node " + n + " logs a leaf set of the other three", () ->
                    lastLeafSet(n).equals(Optional.of(others)));
            assertThat(mesh.node(n).output()).as("node %d logs its join", n)
                    .anyMatch(l -> l.contains("pastry: node " + self.substring(0, 8)) && (l.contains("joined the ring through")
                            || l.contains("started a new ring")));
            assertThat(metric(n, "rafka_pastry_routing_table_entries", "")).as("table of node %d", n).isGreaterThan(0);
        }
        System.out.printf("pastry mesh: 4 leaf sets complete %d ms after the fourth node settled%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    @Test
    @Order(3)
    void produceThroughEveryNodeToEveryPartitionIsAnsweredByItsOwner() {
        int partitions = 16;
        mesh.admin(1).createTopic(CreateTopicRequest.newBuilder().setName("routes").setPartitions(partitions).build());
        settled("routes", 4, running, Map.of());
        double forwardedBefore = running.stream().mapToDouble(n -> metric(n, "rafka_forwarded_requests_total", "method=\"Produce\"")).sum();
        long started = System.nanoTime();
        for (int p = 0; p < partitions; p++) {
            for (int n : running) {
                ProduceResponse r = mesh.broker(n).produce(MeshIT.request("routes", p, "n" + n, 2));
                assertThat(r.getBaseOffset()).as("routes/%d via node %d", p, n).isEqualTo(2L * running.indexOf(n));
            }
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        double onePastryHop = running.stream()
                .mapToDouble(n -> metric(n, "rafka_forwarded_requests_total", "hop=\"1\",method=\"Produce\",via=\"pastry\"")).sum();
        double allForwards = running.stream().mapToDouble(n -> metric(n, "rafka_forwarded_requests_total", "method=\"Produce\"")).sum()
                - forwardedBefore;
        // each partition is asked through its owner once and through the three others once each
        assertThat(allForwards).as("produce requests forwarded").isEqualTo(3.0 * partitions);
        assertThat(onePastryHop).as("forwarded one hop along the Pastry route").isEqualTo(3.0 * partitions);
        System.out.printf("pastry mesh: %d produce requests through 4 nodes (%d forwarded one Pastry hop) in %d ms%n",
                partitions * running.size(), (long) onePastryHop, tookMs);
    }

    @Test
    @Order(4)
    void aNodeKilledWithKillMinus9IsDroppedFromTheLeafSetsAndRequestsKeepFlowing() throws Exception {
        int victim = 2;
        String victimId = selfId(victim);
        long killed = System.nanoTime();
        mesh.node(victim).kill9();
        running = List.of(0, 1, 3);
        Set<String> survivors = running.stream().map(PastryMeshIT::selfId).collect(Collectors.toSet());
        for (int n : running) {
            Set<String> others = new HashSet<>(survivors);
            others.remove(selfId(n));
            Poll.until(Duration.ofSeconds(30), "node " + n + " dropped node " + victim + " from its leaf set", () ->
                    lastLeafSet(n).equals(Optional.of(others)) && metric(n, "rafka_pastry_leaf_set_size", "") == 2);
        }
        long droppedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);

        int partitions = 16;
        for (int p = 0; p < partitions; p++) {
            for (int n : running) {
                int partition = p;
                ProduceResponse r = Poll.untilPresent(Duration.ofSeconds(60), "routes/" + p + " answered via node " + n,
                        () -> produce(n, partition));
                assertThat(r.getBaseOffset()).as("routes/%d via node %d", p, n).isGreaterThanOrEqualTo(8L);
            }
        }
        long flowingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
        Map<Integer, PartitionOwner> owners = settled("routes", 3, running, Map.of());
        assertThat(owners.values()).as("no partition is left with the killed node")
                .noneMatch(o -> o.getOwnerId().equals(victimId));
        System.out.printf("pastry mesh: kill -9 of node-%d: dropped from every leaf set in %d ms; every partition answered "
                + "through every survivor %d ms after the kill%n", victim, droppedMs, flowingMs);
    }

    /** A produce that succeeded, or empty on UNAVAILABLE (the partition is changing hands). */
    private static Optional<ProduceResponse> produce(int node, int partition) {
        return MeshIT.produceOrUnavailable(mesh.broker(node), MeshIT.request("routes", partition, "after-" + node, 1));
    }

    /**
     * Waits until every node in {@code among} sees {@code nodes} live nodes and the same owners of
     * {@code topic}: for every partition the live node closest to its key, with an epoch, and when
     * that owner differs from {@code previous}, a higher epoch (the new owner has taken the lease).
     */
    static Map<Integer, PartitionOwner> settled(String topic, int nodes, List<Integer> among, Map<Integer, PartitionOwner> previous) {
        return Poll.untilPresent(Duration.ofSeconds(60), "every node agrees on the owners of " + topic, () -> {
            Map<Integer, PartitionOwner> first = null;
            for (int n : among) {
                DescribeClusterResponse d = mesh.describe(n);
                Set<String> live = new HashSet<>(ids(d));
                Map<Integer, PartitionOwner> owners = d.getOwnersList().stream().filter(o -> o.getTopic().equals(topic))
                        .collect(Collectors.toMap(PartitionOwner::getPartition, o -> o));
                boolean complete = live.size() == nodes && !owners.isEmpty() && owners.values().stream().allMatch(o ->
                        o.getEpoch() >= 1 && o.getOwnerId().equals(closest(NodeId.ofKey(topic + "/" + o.getPartition()), live))
                                && (!previous.containsKey(o.getPartition())
                                || previous.get(o.getPartition()).getOwnerId().equals(o.getOwnerId())
                                || previous.get(o.getPartition()).getEpoch() < o.getEpoch()));
                if (!complete || (first != null && !first.equals(owners))) {
                    return Optional.empty();
                }
                first = owners;
            }
            return Optional.ofNullable(first);
        });
    }

    static List<String> ids(DescribeClusterResponse d) {
        return d.getNodesList().stream().map(NodeDescription::getId).toList();
    }

    static String closest(NodeId key, Set<String> ids) {
        return ids.stream().map(NodeId::fromHex).min(NodeId.byClosenessTo(key)).orElseThrow().toHex();
    }

    static String selfId(int node) {
        return NodeId.ofIdentity("node-" + node).toHex();
    }

    /** The leaf set node {@code n} logged last, as ring ids. */
    static Optional<Set<String>> lastLeafSet(int n) {
        Set<String> last = null;
        String self = selfId(n);
        for (String line : mesh.node(n).output()) {
            Matcher m = LEAF_SET_LINE.matcher(line);
            if (m.find() && m.group(1).equals(self)) {
                last = m.group(2).isEmpty() ? Set.of() : Set.of(m.group(2).split(","));
            }
        }
        return Optional.ofNullable(last);
    }

    /** The sum of the samples of {@code name} on node {@code n}'s /metrics whose labels contain {@code labels}. */
    static double metric(int n, String name, String labels) {
        String text;
        try {
            text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.node(n).httpPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new IllegalStateException("scraping node " + n + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || (line.startsWith(name + "{") && line.contains(labels))) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
