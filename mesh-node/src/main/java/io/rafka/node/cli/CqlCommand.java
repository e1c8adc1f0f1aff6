package io.rafka.node.cli;

import io.rafka.cql.LocalCqlServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A local CQL server (Apache Cassandra 5.0 from the cql-server module's jars) for trying the
 * node on real CQL storage without ScyllaDB: {@code rafka cql start}, then
 * {@code rafka start --set storage.engine=scylla --set storage.scylla.replication-strategy=SimpleStrategy
 * --set storage.scylla.replication-factor=1}.
 */
@Command(name = "cql", mixinStandardHelpOptions = true,
        description = "Start, stop or show a local CQL server (Apache Cassandra 5.0) for storage.engine=scylla.")
final class CqlCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", description = "start, stop or status.")
    String action;
    @Option(names = "--dir", defaultValue = ".rafka/cql", description = "Work directory: configuration, data, logs (default ${DEFAULT-VALUE}).")
    Path dir;
    @Option(names = "--port", defaultValue = "9042", description = "CQL native port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;
    @Option(names = "--heap", defaultValue = "1g", description = "Cassandra heap (default ${DEFAULT-VALUE}).")
    String heap;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 0 and 65535, was " + port);
        }
        switch (action) {
            case "start" -> {
                Optional<LocalCqlServer.Status> running = LocalCqlServer.status(dir);
                if (running.isPresent() && running.get().alive()) {
                    System.out.println("CQL server already running: contact point " + running.get().contactPoint()
                            + ", pid " + running.get().pid());
                    return 0;
                }
                LocalCqlServer.builder(dir).detached(true).nativePort(port).heap(heap).build().start();
                LocalCqlServer.Status s = LocalCqlServer.status(dir).orElseThrow();
                System.out.println("CQL server running: contact point " + s.contactPoint().getHostString() + ":" + s.nativePort()
                        + ", datacenter " + LocalCqlServer.LOCAL_DATACENTER + ", pid " + s.pid() + ", work dir " + dir.toAbsolutePath());
                System.out.println("run a node on it: bin/rafka start --set storage.engine=scylla --set storage.scylla.contact-points=127.0.0.1:"
                        + s.nativePort() + " --set storage.scylla.replication-strategy=SimpleStrategy --set storage.scylla.replication-factor=1");
                return 0;
            }
            case "stop" -> {
                boolean wasRunning = LocalCqlServer.stop(dir, Duration.ofSeconds(30));
                System.out.println(wasRunning ? "CQL server in " + dir + " stopped" : "no CQL server running in " + dir);
                return 0;
            }
            case "status" -> {
                Optional<LocalCqlServer.Status> s = LocalCqlServer.status(dir);
                if (s.isEmpty() || !s.get().alive()) {
                    System.out.println("no CQL server running in " + dir);
                    return 3;
                }
                System.out.println("CQL server running: contact point 127.0.0.1:" + s.get().nativePort() + ", pid " + s.get().pid()
                        + (s.get().listening() ? ", serving CQL" : ", not serving CQL yet"));
                return 0;
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "action must be start, stop or status, was '" + action + "'");
        }
    }
}
