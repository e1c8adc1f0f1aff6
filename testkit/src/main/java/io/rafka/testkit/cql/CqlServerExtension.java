package io.rafka.testkit.cql;

import io.rafka.cql.LocalCqlServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real CQL server, one per test JVM, shared by every test class that uses the
 * extension and closed when the test run ends. Inject it as a {@link CqlEndpoint} parameter
 * (constructor, lifecycle or test method). The first of these that works is used:
 * <ol>
 *   <li>an existing cluster: {@code RAFKA_TEST_CQL_CONTACT_POINTS=host:port[,host:port...]} and
 *       {@code RAFKA_TEST_CQL_DATACENTER} (default {@code datacenter1});</li>
 *   <li>ScyllaDB in Docker through Testcontainers, when Testcontainers is on the test classpath and
 *       a Docker engine answers (image {@code RAFKA_TEST_SCYLLA_IMAGE}, default
 *       {@value #DEFAULT_SCYLLA_IMAGE});</li>
 *   <li>Apache Cassandra 5.0 from {@code cql-server/target/lib}, run by {@link LocalCqlServer} as a
 *       separate JVM on free loopback ports, in {@code target/cql-server} of the module under test.</li>
 * </ol>
 * Only the third can be stopped and restarted by tests ({@link CqlEndpoint#canStopAndStart()}).
 */
public final class CqlServerExtension implements BeforeAllCallback, ParameterResolver {
    public static final String CONTACT_POINTS_ENV = "RAFKA_TEST_CQL_CONTACT_POINTS";
    public static final String DATACENTER_ENV = "RAFKA_TEST_CQL_DATACENTER";
    public static final String SCYLLA_IMAGE_ENV = "RAFKA_TEST_SCYLLA_IMAGE";
    public static final String DEFAULT_SCYLLA_IMAGE = "scylladb/scylla:6.2";
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(CqlServerExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        endpoint(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == CqlEndpoint.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
            throws ParameterResolutionException {
        return endpoint(extensionContext);
    }

    /** The shared endpoint, found or started on first use. */
    public static CqlEndpoint endpoint(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Resource.class, k -> new Resource(open()), Resource.class).endpoint;
    }

    /** Stops whatever this extension started when JUnit closes the root context. */
    private static final class Resource implements ExtensionContext.Store.CloseableResource {
        final CqlEndpoint endpoint;
        final AutoCloseable owned;

        Resource(Opened opened) {
            this.endpoint = opened.endpoint;
            this.owned = opened.owned;
        }

        @Override
        public void close() throws Exception {
            if (owned != null) {
                owned.close();
            }
        }
    }

    private record Opened(CqlEndpoint endpoint, AutoCloseable owned) {
    }

    private static Opened open() {
        String configured = System.getenv(CONTACT_POINTS_ENV);
        if (configured != null && !configured.isBlank()) {
            String dc = Optional.ofNullable(System.getenv(DATACENTER_ENV)).filter(s -> !s.isBlank())
                    .orElse(LocalCqlServer.LOCAL_DATACENTER);
            return new Opened(new CqlEndpoint(CqlEndpoint.Source.EXISTING_CLUSTER, parseContactPoints(configured), dc, null), null);
        }
        if (testcontainersPresent()) {
            Optional<Opened> scylla = ScyllaContainers.start();
            if (scylla.isPresent()) {
                return scylla.get();
            }
        }
        return startLocalCassandra();
    }

    static List<InetSocketAddress> parseContactPoints(String value) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String part : value.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException(CONTACT_POINTS_ENV + " must be host:port[,host:port...], was " + value);
            }
            out.add(new InetSocketAddress(p.substring(0, colon), Integer.parseInt(p.substring(colon + 1))));
        }
        return out;
    }

    private static boolean testcontainersPresent() {
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false, CqlServerExtension.class.getClassLoader());
            Class.forName("org.testcontainers.scylladb.ScyllaDBContainer", false, CqlServerExtension.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static Opened startLocalCassandra() {
        Path workDir = Path.of("target", "cql-server").toAbsolutePath();
        try {
            // A fresh server for every test run: data of an earlier run would only slow it down.
            LocalCqlServer.stop(workDir, java.time.Duration.ofSeconds(15));
            deleteTree(workDir);
            LocalCqlServer server = LocalCqlServer.builder(workDir).build();
            server.start();
            CqlEndpoint endpoint = new CqlEndpoint(CqlEndpoint.Source.LOCAL_CASSANDRA, List.of(server.contactPoint()),
                    server.localDatacenter(), server);
            return new Opened(endpoint, server);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the local Cassandra in " + workDir + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Kept in its own class so that Testcontainers is loaded only when it is on the classpath. */
    private static final class ScyllaContainers {
        static Optional<Opened> start() {
            if (!org.testcontainers.DockerClientFactory.instance().isDockerAvailable()) {
                return Optional.empty();
            }
            String image = Optional.ofNullable(System.getenv(SCYLLA_IMAGE_ENV)).filter(s -> !s.isBlank())
                    .orElse(DEFAULT_SCYLLA_IMAGE);
            var container = new org.testcontainers.scylladb.ScyllaDBContainer(image);
            container.start();
            CqlEndpoint endpoint = new CqlEndpoint(CqlEndpoint.Source.SCYLLA_CONTAINER,
                    List.of(container.getContactPoint()), LocalCqlServer.LOCAL_DATACENTER, null);
            return Optional.of(new Opened(endpoint, container::stop));
        }
    }
}
