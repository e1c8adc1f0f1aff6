package io.rafka.node.cli;

import io.rafka.client.RafkaAdmin;
import io.rafka.cql.LocalCqlServer;
import io.rafka.proto.v1.DescribeClusterResponse;
import io.rafka.proto.v1.NodeDescription;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A whole local mesh in one command: the local CQL server (started unless one already runs in the
 * work directory), then N node JVMs on 127.0.0.1 (the first {@code --supernodes} of them
 * supernodes, every node seeded with the supernodes' cluster ports), the ring once every node
 * agrees on it, and on Ctrl-C (or with {@code --stop-after-ready} at once) everything stopped in
 * reverse order. Each node logs to {@code <dir>/node-<i>.log}.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Run an N-node mesh on 127.0.0.1 with its local CQL server; Ctrl-C stops it all.")
final class ClusterCommand implements Callable<Integer> {
    private static final Pattern READY = Pattern.compile("ready: gRPC (\\S+), health");
    /** Hazelcast's module warnings on JDK 17, silenced as its documentation advises. */
    private static final List<String> JVM_FLAGS = List.of("-Xms64m", "-Xmx256m", "-XX:MaxDirectMemorySize=192m",
            "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError", "--add-modules", "java.se",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

    @Spec
    CommandLine.Model.CommandSpec spec;
    @Option(names = "--nodes", defaultValue = "3", description = "Nodes to start, 1-16 (default ${DEFAULT-VALUE}).")
    int nodes;
    @Option(names = "--supernodes", defaultValue = "3", description = "How many of them are supernodes (default ${DEFAULT-VALUE}, at most --nodes).")
    int supernodes;
    @Option(names = "--dir", defaultValue = ".rafka/cluster", description = "Work directory: node data and logs, and the CQL server's under cql/ (default ${DEFAULT-VALUE}).")
    Path dir;
    @Option(names = "--grpc-port", defaultValue = "9190", description = "gRPC port of node 0; node i uses this + i (default ${DEFAULT-VALUE}).")
    int grpcPort;
    @Option(names = "--cluster-port", defaultValue = "5701", description = "Cluster transport port of node 0; node i uses this + i (default ${DEFAULT-VALUE}).")
    int clusterPort;
    @Option(names = "--cql-port", defaultValue = "9042", description = "Port of the local CQL server (default ${DEFAULT-VALUE}; 0 = any free port).")
    int cqlPort;
    @Option(names = "--set", description = "A setting for every node: key=value (repeatable).")
    List<String> settings = new ArrayList<>();
    @Option(names = "--stop-after-ready", description = "Stop everything once the ring is printed (a smoke test).")
    boolean stopAfterReady;

    @Override
    public Integer call() throws Exception {
        if (nodes < 1 || nodes > 16) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be between 1 and 16, was " + nodes);
        }
        if (supernodes < 1 || supernodes > nodes) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--supernodes must be between 1 and --nodes ("
                    + nodes + "), was " + supernodes);
        }
        if (cqlPort < 0 || cqlPort > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cql-port must be between 0 and 65535, was " + cqlPort);
        }
        for (int port : new int[] {grpcPort, clusterPort}) {
            if (port < 1 || port + 100 + nodes > 65535) {
                throw new CommandLine.ParameterException(spec.commandLine(), "ports must leave room for " + nodes
                        + " nodes below 65536, was " + port);
            }
        }
        PrintStream out = System.out;
        Path cqlDir = dir.resolve("cql");
        boolean ownCql = false;
        Optional<LocalCqlServer.Status> running = LocalCqlServer.status(cqlDir);
        if (running.isEmpty() || !running.get().alive()) {
            out.println("starting the local CQL server in " + cqlDir + " (about 30 s)...");
            LocalCqlServer.builder(cqlDir).detached(true).nativePort(cqlPort).build().start();
            ownCql = true;
        }
        int cql = LocalCqlServer.status(cqlDir).orElseThrow().nativePort();
        List<Process> started = new ArrayList<>();
        CountDownLatch stop = new CountDownLatch(1);
        boolean stopCql = ownCql;
        Thread cleanup = new Thread(() -> stopAll(started, stopCql, cqlDir, out), "rafka-cluster-stop");
        Runtime.getRuntime().addShutdownHook(cleanup);
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < supernodes; i++) {
            seeds.add("127.0.0.1:" + (clusterPort + i));
        }
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(JVM_FLAGS);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RafkaCli.class.getName(), "start"));
            for (String s : List.of("node.name=node-" + i, "cluster.enabled=true", "cluster.host=127.0.0.1",
                    "cluster.port=" + (clusterPort + i), "cluster.seeds=" + String.join(",", seeds),
                    "cluster.supernode=" + (i < supernodes), "grpc.host=127.0.0.1", "grpc.port=" + (grpcPort + i),
                    "http.host=127.0.0.1", "http.port=" + (grpcPort + 100 + i), "data.dir=" + dir.resolve("node-" + i),
                    "storage.engine=scylla", "storage.scylla.contact-points=127.0.0.1:" + cql,
                    "storage.scylla.replication-strategy=SimpleStrategy", "storage.scylla.replication-factor=1")) {
                cmd.add("--set");
                cmd.add(s);
            }
            for (String s : settings) {
                cmd.add("--set");
                cmd.add(s);
            }
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            synchronized (started) {
                started.add(p);
            }
            ready.add(follow(p, dir.resolve("node-" + i + ".log")));
            if (i == 0) {
                ready.get(0).get(120, TimeUnit.SECONDS); // the first supernode founds the cluster
            }
        }
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            try {
                addresses.add(ready.get(i).get(120, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("node-" + i + " did not start; see " + dir.resolve("node-" + i + ".log")
                        + ": " + e.getCause().getMessage());
            }
        }
        printRing(addresses.get(0), out);
        if (stopAfterReady) {
            Runtime.getRuntime().removeShutdownHook(cleanup);
            stopAll(started, stopCql, cqlDir, out);
            return 0;
        }
        out.println("mesh running; bootstrap with -b " + addresses.get(0) + "; Ctrl-C stops every node"
                + (ownCql ? " and the CQL server" : ""));
        stop.await();
        return 0;
    }

    /** Copies the node's output to its log file and completes with its gRPC address once it is ready. */
    private static CompletableFuture<String> follow(Process p, Path log) {
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8), true)) {
                String line;
                String last = "";
                while ((line = r.readLine()) != null) {
                    w.println(line);
                    last = line;
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ready.complete(m.group(1));
                    }
                }
                ready.completeExceptionally(new IllegalStateException("exited: " + last));
            } catch (IOException e) {
                ready.completeExceptionally(e);
            }
        }, "rafka-cluster-log");
        t.setDaemon(true);
        t.start();
        return ready;
    }

    private static void printRing(String bootstrap, PrintStream out) {
        try (RafkaAdmin admin = new RafkaAdmin(bootstrap)) {
            DescribeClusterResponse d = admin.describeCluster();
            out.println("ring of cluster '" + d.getClusterName() + "' (" + d.getNodesCount() + " nodes, ascending id):");
            for (NodeDescription n : d.getNodesList()) {
                out.printf("  %s  %-8s %-21s %s%n", n.getId(), n.getName(), n.getAddress(), n.getSupernode() ? "supernode" : "lite");
            }
        }
    }

    private static void stopAll(List<Process> started, boolean stopCql, Path cqlDir, PrintStream out) {
        List<Process> nodes;
        synchronized (started) {
            nodes = new ArrayList<>(started);
        }
        nodes.forEach(Process::destroy);
        for (Process p : nodes) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        out.println("stopped " + nodes.size() + " nodes");
        if (stopCql) {
            try {
                LocalCqlServer.stop(cqlDir, Duration.ofSeconds(30));
                out.println("stopped the CQL server");
            } catch (RuntimeException | IOException e) {
                out.println("stopping the CQL server failed: " + e.getMessage());
            }
        }
    }
}
