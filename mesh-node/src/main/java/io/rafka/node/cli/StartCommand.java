package io.rafka.node.cli;

import io.rafka.node.RafkaNode;
import io.rafka.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Starts a node in the foreground; stops cleanly on SIGTERM / Ctrl-C. */
@Command(name = "start", mixinStandardHelpOptions = true,
        description = "Start a node (embedded log by default) and serve until stopped.")
final class StartCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, description = "YAML configuration file.")
    Path config;

    @Option(names = "--set", description = "Override a setting: key=value (repeatable), e.g. --set grpc.port=9190.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--demo", description = "After start-up, create topic 'quickstart', produce and consume a few records, and print how to connect.")
    boolean demo;

    @Override
    public Integer call() throws Exception {
        NodeConfig cfg = NodeConfig.load(Optional.ofNullable(config), System.getenv(), overrides);
        RafkaNode node = RafkaNode.start(cfg).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "rafka-shutdown"));
        String address = node.identity().address();
        System.out.println("rafka node " + cfg.nodeName() + " ready: gRPC " + address
                + ", health http://127.0.0.1:" + node.httpPort() + "/health/ready");
        if (demo) {
            Demo.run(address, System.out);
        }
        stopped.await();
        return 0;
    }
}
