package io.rafka.storage.scylla;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.rafka.cql.LocalCqlServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine against a CQL server that requires a password login (PasswordAuthenticator): the
 * right credentials work, wrong or missing ones fail start-up naming the settings, never the
 * password. The server is this class's own (not the shared one of {@code CqlServerExtension}).
 */
class ScyllaPasswordLoginIT {
    private static final String USER = "rafka_app";
    private static final String PASSWORD = "Pw-for-rafka_app-7";

    @TempDir
    static Path dir;
    private static LocalCqlServer server;

    @BeforeAll
    static void startServer() throws IOException {
        server = LocalCqlServer.builder(dir.resolve("cql")).heap("512m")
                .passwordAuthentication(USER, PASSWORD)
                .build().start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.kill(); // its data is thrown away: no need for the 6-9 s orderly shutdown
        }
    }

    @Test
    void theRightUserAndPasswordStartTheEngineAndTheLogAppendsAndReadsBack() throws Exception {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("login"))
                .credentials(USER, PASSWORD)
                .build();

        try (ScyllaLogEngine engine = ScyllaLogEngine.connect(config)) {
            ScyllaTestSupport.assertAppendsAndReadsBack(engine);
        }
    }

    @Test
    void aWrongPasswordFailsStartUpNamingTheCredentialSettingsAndTheUserButNotThePassword() {
        String wrong = "Not-" + PASSWORD;
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("badpw"))
                .credentials(USER, wrong)
                .build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("storage.scylla.username=" + USER)
                .hasMessageContaining("storage.scylla.password")
                .hasMessageContaining("127.0.0.1:" + server.nativePort());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.USERNAME);
        assertThat(stackTrace(error)).doesNotContain(wrong).doesNotContain(PASSWORD);
    }

    @Test
    void noCredentialsAgainstAServerThatRequiresThemFailStartUpSayingWhatToSet() {
        ScyllaConfig config = ScyllaTestSupport.config(server, ScyllaTestSupport.freshKeyspace("nopw")).build();

        Throwable error = catchThrowable(() -> ScyllaLogEngine.connect(config));

        assertThat(error).isInstanceOf(ScyllaConfigException.class)
                .hasMessageContaining("require a password login")
                .hasMessageContaining("storage.scylla.username is not set")
                .hasMessageContaining("127.0.0.1:" + server.nativePort());
        assertThat(((ScyllaConfigException) error).setting()).isEqualTo(ScyllaConfig.USERNAME);
    }

    static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
