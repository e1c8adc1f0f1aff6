package io.rafka.node.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.rafka.node.config.ClusterConfig;
import io.rafka.node.config.ConfigException;
import io.rafka.storage.scylla.MetadataTable;
import io.rafka.supernode.MetadataPersistence;
import io.rafka.supernode.SupernodeStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Starts the clustered Vert.x instance of a cluster node on the Hazelcast cluster manager:
 * a full member (supernode, holds the metadata maps with backups) or a lite member, joining
 * through the configured seeds over TCP (no multicast).
 */
public final class ClusterBootstrap {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** The running clustered Vert.x and its Hazelcast member. */
    public record Joined(Vertx vertx, HazelcastInstance hazelcast) {
    }

    private ClusterBootstrap() {
    }

    /**
     * Joins once the seeds resolve (see {@link SeedResolution}: pods of a StatefulSet start
     * together). The metadata maps are written through to {@code metadata} (see
     * {@link SupernodeStore#configure(Config, int, Optional)}).
     */
    public static Future<Joined> join(String clusterName, String nodeName, ClusterConfig cc, MetadataTable metadata,
                                      VertxOptions options) {
        return Future.fromCompletionStage(SeedResolution.await(cc, SeedResolution.Dns.SYSTEM))
                .compose(seeds -> join(clusterName, nodeName, cc, seeds, metadata, options));
    }

    private static Future<Joined> join(String clusterName, String nodeName, ClusterConfig cc, SeedResolution seeds,
                                       MetadataTable metadata, VertxOptions options) {
        Config hz = hazelcastConfig(clusterName, nodeName, cc, seeds.members(), Optional.of(new TablePersistence(metadata)));
        HazelcastClusterManager manager = new HazelcastClusterManager(hz);
        options.getEventBusOptions().setHost(cc.host()).setPort(0);
        return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                .recover(err -> Future.failedFuture(diagnose(clusterName, cc, seeds, err)))
                .compose(vertx -> {
                    HazelcastInstance instance = manager.getHazelcastInstance();
                    if (!seeds.mayStartAlone() && instance.getCluster().getMembers().size() < 2) {
                        return vertx.close().transform(v -> Future.failedFuture(diagnose(clusterName, cc, seeds, null)));
                    }
                    return Future.succeededFuture(new Joined(vertx, instance));
                });
    }

    /** The metadata maps' persistence: the metadata table of the node's CQL storage. */
    private record TablePersistence(MetadataTable table) implements MetadataPersistence {
        @Override
        public Collection<String> keys(String map) {
            return table.keys(map);
        }

        @Override
        public Map<String, byte[]> load(String map, Collection<String> keys) {
            return table.load(map, keys);
        }

        @Override
        public void store(String map, String key, byte[] value, long version) {
            if (version == NO_VERSION) {
                table.store(map, key, value);
            } else {
                table.store(map, key, value, version);
            }
        }

        @Override
        public void delete(String map, String key) {
            table.delete(map, key);
        }
    }

    /**
     * The Hazelcast configuration; {@code members} are the seeds as resolved addresses
     * ({@link SeedResolution#members}), {@code persistence} the metadata maps' write-through store.
     */
    static Config hazelcastConfig(String clusterName, String nodeName, ClusterConfig cc, List<String> members,
                                  Optional<MetadataPersistence> persistence) {
        Config hz = ConfigUtil.loadConfig();
        hz.setClusterName(clusterName);
        hz.setInstanceName("rafka-" + nodeName + "-" + ProcessHandle.current().pid());
        hz.setLiteMember(!cc.supernode());
        hz.setProperty("hazelcast.wait.seconds.before.join", "0");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        hz.setProperty("hazelcast.max.no.heartbeat.seconds",
                String.valueOf(Math.max(2, cc.failureDetection().toSeconds())));
        NetworkConfig net = hz.getNetworkConfig();
        net.setPort(cc.port()).setPortAutoIncrement(false);
        if (IPV4.matcher(cc.host()).matches()) {
            net.getInterfaces().setEnabled(true).addInterface(cc.host());
        } else {
            net.setPublicAddress(cc.host() + ":" + cc.port());
        }
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2);
        members.forEach(seed -> join.getTcpIpConfig().addMember(seed)); // one by one: ranges are not parsed
        SupernodeStore.configure(hz, cc.metadataBackups(), persistence);
        return hz;
    }

    /** Why the node could not join: the seeds do not answer, or they answer as another cluster. */
    private static ConfigException diagnose(String clusterName, ClusterConfig cc, SeedResolution seeds, Throwable err) {
        List<String> answering = new ArrayList<>();
        for (String seed : cc.seeds()) {
            if (seeds.isSelf(seed)) {
                continue;
            }
            int colon = seed.lastIndexOf(':');
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(seed.substring(0, colon), Integer.parseInt(seed.substring(colon + 1))), 1000);
                answering.add(seed);
            } catch (IOException | RuntimeException e) {
                // not reachable
            }
        }
        String detail = err == null ? "" : " (" + err.getMessage() + ")";
        if (cc.seeds().isEmpty() || cc.seeds().stream().allMatch(seeds::isSelf)) {
            return new ConfigException("cluster start failed" + detail + "; a lite member (cluster.supernode=false) "
                    + "needs a supernode to join: list one in cluster.seeds");
        }
        if (answering.isEmpty()) {
            String unresolved = seeds.unresolved().isEmpty() ? ""
                    : "; " + seeds.unresolved() + " did not resolve within cluster.seed-wait-ms=" + cc.seedWait().toMillis();
            return new ConfigException("cannot join the cluster: none of cluster.seeds " + cc.seeds()
                    + " could be reached" + unresolved + detail);
        }
        return new ConfigException("cannot join the cluster: cluster.seeds " + answering + " answered but did not "
                + "let this node in; they run a different cluster.name than '" + clusterName + "'" + detail);
    }
}
