package io.rafka.node.cli;

import picocli.CommandLine.Option;

/** Options shared by every command that talks to a running node. */
final class ClientOptions {
    @Option(names = {"-b", "--bootstrap"}, defaultValue = "${RAFKA_BOOTSTRAP:-127.0.0.1:9090}",
            description = "Node address host:port (default ${DEFAULT-VALUE}; env RAFKA_BOOTSTRAP).")
    String bootstrap;
}
