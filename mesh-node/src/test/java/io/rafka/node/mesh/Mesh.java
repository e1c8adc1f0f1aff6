package io.rafka.node.mesh;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.rafka.cql.FreePorts;
import io.rafka.node.NodeProcess;
import io.rafka.proto.v1.AdminGrpc;
import io.rafka.proto.v1.BrokerGrpc;
import io.rafka.proto.v1.DescribeClusterRequest;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.testkit.cql.CqlEndpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several node JVMs on 127.0.0.1 forming one mesh on a real CQL server: each node is a separate
 * process started through the CLI, with its own Hazelcast port; the first {@code supernodes}
 * are supernodes and every node lists the supernodes as seeds.
 */
final class Mesh implements AutoCloseable {
    private static final AtomicInteger CLUSTERS = new AtomicInteger();

    final String clusterName;
    final String keyspace;
    private final CqlEndpoint cql;
    private final Path dir;
    private final List<Integer> clusterPorts = new ArrayList<>();
    private final List<String> seeds = new ArrayList<>();
    private final NodeProcess[] nodes;
    private final ManagedChannel[] channels;
    private final Map<String, String> extra;

    Mesh(CqlEndpoint cql, Path dir, int size, int supernodes, Map<String, String> extra) throws Exception {
        this.cql = cql;
        this.dir = dir;
        this.extra = extra;
        this.clusterName = "mesh-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
        this.keyspace = "mesh_" + ProcessHandle.current().pid() + "_" + CLUSTERS.get();
        this.nodes = new NodeProcess[size + 2];
        this.channels = new ManagedChannel[size + 2];
        for (int i = 0; i < size + 2; i++) {
            clusterPorts.add(freePort());
        }
        for (int i = 0; i < supernodes; i++) {
            seeds.add("127.0.0.1:" + clusterPorts.get(i));
        }
        // the first node founds the cluster; the others join it, several at once
        start(0, true);
        List<Thread> starting = new ArrayList<>();
        List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 1; i < size; i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    start(n, n < supernodes);
                } catch (Exception e) {
                    failures.add(e);
                }
            });
            t.start();
            starting.add(t);
        }
        for (Thread t : starting) {
            t.join();
        }
        if (!failures.isEmpty()) {
            close();
            throw failures.get(0);
        }
    }

    /** Settings of node {@code i}. */
    Map<String, String> settings(int i, boolean supernode) {
        Map<String, String> s = new HashMap<>();
        s.put("node.name", "node-" + i);
        s.put("cluster.name", clusterName);
        s.put("cluster.enabled", "true");
        s.put("cluster.host", "127.0.0.1");
        s.put("cluster.port", String.valueOf(clusterPorts.get(i)));
        s.put("cluster.seeds", String.join(",", seeds));
        s.put("cluster.supernode", String.valueOf(supernode));
        s.put("storage.engine", "scylla");
        s.put("storage.scylla.contact-points", String.join(",", cql.contactPointStrings()));
        s.put("storage.scylla.local-datacenter", cql.localDatacenter());
        s.put("storage.scylla.keyspace", keyspace);
        s.put("storage.scylla.replication-strategy", "SimpleStrategy");
        s.put("storage.scylla.replication-factor", "1");
        s.put("storage.scylla.request-timeout-ms", "3000");
        s.put("storage.threads", "2");
        s.putAll(extra);
        return s;
    }

    /** Starts (or restarts, with the same identity) node {@code i}. */
    NodeProcess start(int i, boolean supernode) throws Exception {
        NodeProcess p = NodeProcess.start(dir.resolve("node-" + i), settings(i, supernode));
        nodes[i] = p;
        if (channels[i] != null) {
            channels[i].shutdownNow();
        }
        channels[i] = NettyChannelBuilder.forAddress("127.0.0.1", p.grpcPort()).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        return p;
    }

    NodeProcess node(int i) {
        return nodes[i];
    }

    String address(int i) {
        return "127.0.0.1:" + nodes[i].grpcPort();
    }

    ManagedChannel channel(int i) {
        return channels[i];
    }

    BrokerGrpc.BrokerBlockingStub broker(int i) {
        return BrokerGrpc.newBlockingStub(channels[i]).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    AdminGrpc.AdminBlockingStub admin(int i) {
        return AdminGrpc.newBlockingStub(channels[i]).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    DescribeClusterResponse describe(int i) {
        return admin(i).describeCluster(DescribeClusterRequest.getDefaultInstance());
    }

    /** The node index serving at a gRPC address, or -1. */
    int indexOf(String grpcAddress) {
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null && address(i).equals(grpcAddress)) {
                return i;
            }
        }
        return -1;
    }

    /** A port for a node process to bind a moment later (see {@link FreePorts}). */
    static int freePort() {
        return FreePorts.pick();
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = 0; i < nodes.length; i++) {
            if (channels[i] != null) {
                channels[i].shutdownNow();
            }
        }
        List<Thread> stopping = new ArrayList<>();
        for (NodeProcess p : nodes) {
            if (p != null) {
                Thread t = new Thread(() -> {
                    try {
                        p.close();
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                });
                t.start();
                stopping.add(t);
            }
        }
        for (Thread t : stopping) {
            t.join();
        }
    }
}
