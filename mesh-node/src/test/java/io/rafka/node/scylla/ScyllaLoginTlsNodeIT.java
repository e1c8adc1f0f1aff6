package io.rafka.node.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.cql.LocalCqlServer;
import io.rafka.node.TestNode;
import io.rafka.proto.v1.CreateTopicRequest;
import io.rafka.testkit.cql.SelfSignedTls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node on a CQL server that requires both a password login and TLS, configured only through
 * the {@code storage.scylla.*} settings: it produces and consumes through gRPC, and a wrong
 * password stops its start-up naming the setting. The server is this class's own.
 */
class ScyllaLoginTlsNodeIT {
    private static final String USER = "rafka_node";
    private static final String PASSWORD = "Node-pw-31";

    @TempDir
    static Path serverDir;
    private static SelfSignedTls tls;
    private static LocalCqlServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws IOException {
        tls = SelfSignedTls.create(serverDir.resolve("tls"), "cql");
        server = LocalCqlServer.builder(serverDir.resolve("cql")).heap("512m")
                .passwordAuthentication(USER, PASSWORD)
                .clientTls(tls.keystore(), tls.password())
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.kill(); // its data is thrown away: no need for the 6-9 s orderly shutdown
        }
    }

    private static Map<String, String> settings(String password) {
        Map<String, String> s = new HashMap<>();
        s.put("storage.engine", "scylla");
        s.put("storage.scylla.contact-points", "127.0.0.1:" + server.nativePort());
        s.put("storage.scylla.local-datacenter", server.localDatacenter());
        s.put("storage.scylla.keyspace", ScyllaNodeIT.keyspace());
        s.put("storage.scylla.replication-strategy", "SimpleStrategy");
        s.put("storage.scylla.replication-factor", "1");
        s.put("storage.scylla.username", USER);
        s.put("storage.scylla.password", password);
        s.put("storage.scylla.tls.enabled", "true");
        s.put("storage.scylla.tls.truststore", tls.truststore().toString());
        s.put("storage.scylla.tls.truststore-password", tls.password());
        return s;
    }

    @Test
    void producesAndConsumesThroughGrpcWithAPasswordLoginOverTls() throws Exception {
        try (TestNode node = TestNode.start(dir, settings(PASSWORD))) {
            node.admin().createTopic(CreateTopicRequest.newBuilder().setName("s").setPartitions(1).build());
            for (int b = 0; b < 3; b++) {
                assertThat(ScyllaNodeIT.produce(node, b).getBaseOffset()).isEqualTo(b * 10L);
            }

            assertThat(ScyllaNodeIT.readAll(node)).containsExactlyElementsOf(ScyllaNodeIT.expected(3));
        }
    }

    @Test
    void aWrongPasswordFailsStartUpNamingTheSettingAndTheUserButNotThePassword() {
        String wrong = "Wrong-" + PASSWORD;

        assertThatThrownBy(() -> TestNode.start(dir, settings(wrong)))
                .hasStackTraceContaining("storage.scylla.username=" + USER)
                .hasStackTraceContaining("storage.scylla.password")
                .satisfies(e -> assertThat(stackTrace(e)).doesNotContain(wrong));
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
