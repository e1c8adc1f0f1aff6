package io.rafka.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/rafka}: one launcher, one subcommand per task. Exit codes: 0 success, 1 runtime
 * failure (server unreachable, request refused), 2 bad command-line usage.
 */
@Command(name = "rafka", mixinStandardHelpOptions = true, version = "rafka 0.1.0",
        description = "Rafka: a peer-to-peer mesh message broker.",
        subcommands = {StartCommand.class, TopicCommand.class, ProduceCommand.class, ConsumeCommand.class,
                BenchCommand.class, CqlCommand.class, ClusterCommand.class, SimulateCommand.class, CommandLine.HelpCommand.class})
public final class RafkaCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (for tests and {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new RafkaCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("rafka " + cmd.getCommandName() + ": " + message(e));
            return 1;
        });
        return cli.execute(args);
    }

    static String message(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
