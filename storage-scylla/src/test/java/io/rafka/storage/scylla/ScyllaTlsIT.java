package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.rafka.cql.LocalCqlServer;
import io.rafka.testkit.cql.SelfSignedTls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine against a CQL server that speaks TLS only, with a self-signed certificate for
 * 127.0.0.1: a truststore holding that certificate works (host name validation on), no TLS or a
 * truststore that does not trust it, or a contact point its certificate does not name, fail
 * start-up naming the setting to fix. The server is this class's own (not the shared one of
 * {@code CqlServerExtension}).
 */
class ScyllaTlsIT {
    @TempDir
    static Path dir;
    private static SelfSignedTls serverTls;
    private static SelfSignedTls stranger;
    private static LocalCqlServer server;

    @BeforeAll
    static void startServer() throws IOException {
        serverTls = SelfSignedTls.create(dir.resolve("tls"), "cql");
        stranger = SelfSignedTls.create(dir.resolve("tls"), "stranger");
        server = LocalCqlServer.builder(dir.resolve("cql")).heap("512m")
                .clientTls(serverTls.keystore(), serverTls.password())
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.kill(); // its data is thrown away: no need for the 6-9 s orderly shutdown
        }
    }

    private static ScyllaConfig.Tls trusting(SelfSignedTls certificate) {
        return new ScyllaConfig.Tls(Optional.of(certificate.truststore()), Optional.of(certificate.password()), true);
    }

    @Test
    void aTruststoreWithTheServersCertificateStartsTheEngineAndTheLogAppendsAndReadsBack() throws Exception {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("tls"))
                .tls(trusting(serverTls))
                .build();

        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            ScyllaTestSupport.assertAppendsAndReadsBack(engine);
        }
    }

    @Test
    void withoutTlsStartUpFailsNamingTheContactPointsAndTheTlsSetting() {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("plain")).build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.contact-points=[127.0.0.1:" + server.nativePort() + "]")
                .hasMessageContaining("storage.scylla.tls.enabled");
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.CONTACT_POINTS);
    }

    @Test
    void aTruststoreThatDoesNotTrustTheServersCertificateFailsStartUpNamingTheTruststoreSetting() {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("stranger"))
                .tls(trusting(stranger))
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.tls.truststore=" + stranger.truststore())
                .hasMessageContaining("127.0.0.1:" + server.nativePort());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.TLS_TRUSTSTORE);
    }

    @Test
    void aContactPointTheCertificateDoesNotNameFailsHostnameValidationNamingThatSetting() {
        // The certificate names IP 127.0.0.1 only; "localhost" reaches the same node.
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("hostname"))
                .contactPoints(List.of("localhost:" + server.nativePort()))
                .tls(trusting(serverTls))
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.tls.hostname-validation=true")
                .hasMessageContaining("localhost:" + server.nativePort());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.TLS_HOSTNAME_VALIDATION);
    }

    @Test
    void aWrongTruststorePasswordFailsStartUpNamingThePasswordSetting() {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("storepw"))
                .tls(new ScyllaConfig.Tls(Optional.of(serverTls.truststore()), Optional.of("not-the-store-password"), true))
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.tls.truststore-password")
                .hasMessageContaining(serverTls.truststore().toString());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.TLS_TRUSTSTORE_PASSWORD);
        assertThat(ScyllaPasswordLoginIT.stackTrace(error)).doesNotContain("not-the-store-password");
    }
}
