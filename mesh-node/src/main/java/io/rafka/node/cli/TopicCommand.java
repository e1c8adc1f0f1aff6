package io.rafka.node.cli;

import io.rafka.client.RafkaAdmin;
import io.rafka.proto.v1.PartitionDescription;
import io.rafka.proto.v1.TopicDescription;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Topic administration. */
@Command(name = "topic", mixinStandardHelpOptions = true, description = "Create, list, describe or delete topics.",
        subcommands = {TopicCommand.Create.class, TopicCommand.ListTopics.class, TopicCommand.Describe.class,
                TopicCommand.Delete.class})
final class TopicCommand {

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
    static final class Create implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "Topic name: 1-249 characters of [a-zA-Z0-9._-].")
        String name;
        @Option(names = {"-p", "--partitions"}, defaultValue = "6", description = "Partition count (default ${DEFAULT-VALUE}).")
        int partitions;
        @Option(names = "--config", description = "Topic setting key=value: retention.ms, retention.bytes, segment.bytes, max.batch.bytes.")
        Map<String, String> config = new LinkedHashMap<>();

        @Override
        public Integer call() {
            try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
                TopicDescription t = admin.createTopic(name, partitions, config);
                System.out.println("created topic " + t.getName() + " with " + t.getPartitionCount() + " partitions");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List topic names.")
    static final class ListTopics implements Callable<Integer> {
        @Mixin
        ClientOptions client;

        @Override
        public Integer call() {
            try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
                admin.listTopics().forEach(System.out::println);
            }
            return 0;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a topic's partitions, owners and offsets.")
    static final class Describe implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "Topic name.")
        String name;

        @Override
        public Integer call() {
            try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
                TopicDescription t = admin.describeTopic(name);
                System.out.println("topic " + t.getName() + " partitions=" + t.getPartitionCount() + " config=" + t.getConfigMap());
                System.out.printf("%-9s %-34s %-21s %12s %12s%n", "partition", "owner", "address", "earliest", "latest");
                for (PartitionDescription p : t.getPartitionsList()) {
                    System.out.printf("%-9d %-34s %-21s %12d %12d%n", p.getPartition(), p.getOwnerId(), p.getOwnerAddress(),
                            p.getLogStartOffset(), p.getHighWatermark());
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and its data.")
    static final class Delete implements Callable<Integer> {
        @Mixin
        ClientOptions client;
        @Parameters(index = "0", description = "Topic name.")
        String name;

        @Override
        public Integer call() {
            try (RafkaAdmin admin = new RafkaAdmin(client.bootstrap)) {
                admin.deleteTopic(name);
                System.out.println("deleted topic " + name);
            }
            return 0;
        }
    }
}
