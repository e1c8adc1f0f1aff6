package io.rafka.testkit.cql;

import io.rafka.cql.LocalCqlServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A CQL server that tests can use, as {@link CqlServerExtension} found or started it: where to
 * connect, the local datacenter's name, and, when this JVM runs the server itself, a handle to
 * stop and restart it (to test outages against the real thing).
 */
public final class CqlEndpoint {
    /** Where the endpoint came from. */
    public enum Source {
        /** An existing cluster named by {@code RAFKA_TEST_CQL_CONTACT_POINTS}. */
        EXISTING_CLUSTER,
        /** A ScyllaDB container started through Testcontainers. */
        SCYLLA_CONTAINER,
        /** An Apache Cassandra node started by {@link LocalCqlServer}. */
        LOCAL_CASSANDRA
    }

    private final Source source;
    private final List<InetSocketAddress> contactPoints;
    private final String localDatacenter;
    private final LocalCqlServer server;

    CqlEndpoint(Source source, List<InetSocketAddress> contactPoints, String localDatacenter, LocalCqlServer server) {
        this.source = Objects.requireNonNull(source, "source");
        this.contactPoints = List.copyOf(contactPoints);
        this.localDatacenter = Objects.requireNonNull(localDatacenter, "localDatacenter");
        this.server = server;
        if (this.contactPoints.isEmpty()) {
            throw new IllegalArgumentException("a CQL endpoint needs at least one contact point");
        }
    }

    public Source source() {
        return source;
    }

    public List<InetSocketAddress> contactPoints() {
        return contactPoints;
    }

    /** The contact points as {@code host:port} strings, the form node configuration uses. */
    public List<String> contactPointStrings() {
        return contactPoints.stream().map(a -> a.getHostString() + ":" + a.getPort()).toList();
    }

    public String localDatacenter() {
        return localDatacenter;
    }

    /** The server this JVM runs, when it runs one. */
    public Optional<LocalCqlServer> localServer() {
        return Optional.ofNullable(server);
    }

    /** True when {@link #stopServer()} and {@link #startServer()} work. */
    public boolean canStopAndStart() {
        return server != null;
    }

    /** Stops the server (SIGTERM, then SIGKILL after its stop timeout). */
    public void stopServer() {
        requireLocal().stop();
    }

    /** Kills the server at once, as a crash would. */
    public void killServer() {
        requireLocal().kill();
    }

    /** Starts the stopped server again on the same port and data, and waits until it serves CQL. */
    public void startServer() {
        try {
            requireLocal().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private LocalCqlServer requireLocal() {
        if (server == null) {
            throw new UnsupportedOperationException("the CQL server of a " + source + " endpoint is not run by this JVM");
        }
        return server;
    }

    @Override
    public String toString() {
        return source + " " + contactPoints.stream().map(a -> a.getHostString() + ":" + a.getPort())
                .collect(Collectors.joining(",")) + " (dc " + localDatacenter + ")";
    }
}
