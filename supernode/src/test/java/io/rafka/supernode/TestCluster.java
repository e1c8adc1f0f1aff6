package io.rafka.supernode;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.rafka.cql.FreePorts;
import io.rafka.testkit.Poll;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Real Hazelcast members in the test JVM on 127.0.0.1: full members holding the supernode maps,
 * lite members calling the same API, all joined over TCP-IP on free ports, fast failure detection.
 */
final class TestCluster implements AutoCloseable {
    private final List<HazelcastInstance> full;
    private final List<HazelcastInstance> lite;

    private final String clusterName;
    private final List<Integer> ports;
    private final int backupCount;
    private final Optional<MetadataPersistence> persistence;

    private TestCluster(List<HazelcastInstance> full, List<HazelcastInstance> lite, String clusterName, List<Integer> ports,
                        int backupCount, Optional<MetadataPersistence> persistence) {
        this.full = full;
        this.lite = lite;
        this.clusterName = clusterName;
        this.ports = ports;
        this.backupCount = backupCount;
        this.persistence = persistence;
    }

    static TestCluster start(int fullMembers, int liteMembers, int backupCount) {
        return start(fullMembers, liteMembers, backupCount, Optional.empty());
    }

    static TestCluster start(int fullMembers, int liteMembers, int backupCount, Optional<MetadataPersistence> persistence) {
        String clusterName = "rafka-supernode-test-" + UUID.randomUUID();
        List<Integer> ports = IntStream.range(0, fullMembers + liteMembers).mapToObj(i -> FreePorts.pick()).toList();
        List<HazelcastInstance> full = new ArrayList<>();
        List<HazelcastInstance> lite = new ArrayList<>();
        TestCluster cluster = new TestCluster(full, lite, clusterName, ports, backupCount, persistence);
        try {
            // One by one: members started in parallel could each elect themselves master and split.
            for (int i = 0; i < fullMembers + liteMembers; i++) {
                boolean isLite = i >= fullMembers;
                HazelcastInstance hz = Hazelcast.newHazelcastInstance(config(clusterName, ports, i, isLite, backupCount,
                        persistence));
                (isLite ? lite : full).add(hz);
            }
            int size = fullMembers + liteMembers;
            Poll.until(Duration.ofSeconds(30), "all " + size + " members see each other",
                    () -> cluster.members().stream().allMatch(hz -> hz.getCluster().getMembers().size() == size));
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static Config config(String clusterName, List<Integer> ports, int index, boolean lite, int backupCount,
                                 Optional<MetadataPersistence> persistence) {
        Config config = new Config();
        config.setClusterName(clusterName);
        config.setInstanceName(clusterName + "-" + (lite ? "lite-" : "full-") + index);
        config.setLiteMember(lite);
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.wait.seconds.before.join", "0");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
        config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.socket.bind.any", "false");
        config.setProperty("hazelcast.partition.count", "31"); // fewer partitions, faster migrations in tests
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(ports.get(index)).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int port : ports) {
            join.getTcpIpConfig().addMember("127.0.0.1:" + port); // one by one: ranges break AddressUtil
        }
        SupernodeStore.configure(config, backupCount, persistence);
        return config;
    }

    HazelcastInstance full(int index) {
        return full.get(index);
    }

    HazelcastInstance lite(int index) {
        return lite.get(index);
    }

    /** Kills every full member (as a crash would), then starts them again on the same ports; lite members stay. */
    void restartAllFull() {
        full.forEach(hz -> hz.getLifecycleService().terminate());
        int size = full.size() + lite.size();
        for (int i = 0; i < full.size(); i++) {
            full.set(i, Hazelcast.newHazelcastInstance(config(clusterName, ports, i, false, backupCount, persistence)));
        }
        Poll.until(Duration.ofSeconds(30), "all " + size + " members see each other again",
                () -> members().stream().allMatch(hz -> hz.getCluster().getMembers().size() == size));
    }

    List<HazelcastInstance> members() {
        List<HazelcastInstance> all = new ArrayList<>(full);
        all.addAll(lite);
        return all;
    }

    /** Waits until every partition's backups are in sync, so losing one member loses nothing. */
    void awaitSafe() {
        Poll.until(Duration.ofSeconds(30), "the cluster is safe (backups in sync)",
                () -> full.stream().filter(hz -> hz.getLifecycleService().isRunning())
                        .allMatch(hz -> hz.getPartitionService().isLocalMemberSafe())
                        && full.stream().filter(hz -> hz.getLifecycleService().isRunning()).findFirst()
                        .map(hz -> hz.getPartitionService().isClusterSafe()).orElse(false));
    }

    @Override
    public void close() {
        List<HazelcastInstance> all = members();
        Collections.reverse(all);
        for (HazelcastInstance hz : all) {
            hz.getLifecycleService().terminate();
        }
    }
}
