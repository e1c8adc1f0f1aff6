package io.rafka.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/rafka cql start / status / stop as real processes, with a real Cassandra JVM. */
class CqlCommandIT {
    @TempDir
    Path dir;

    record Run(int exit, String out) {
    }

    static Run rafka(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.rafka.node.cli.RafkaCli"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putIfAbsent("RAFKA_CQL_LIB", Path.of("..", "cql-server", "target", "lib").toAbsolutePath().toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void startStatusAndStopALocalCqlServer() throws Exception {
        String work = dir.resolve("cql").toString();
        try {
            Run start = rafka("cql", "start", "--dir", work, "--port", "0");
            assertThat(start.exit()).as(start.out()).isZero();
            Matcher m = Pattern.compile("contact point 127.0.0.1:(\\d+)").matcher(start.out());
            assertThat(m.find()).as(start.out()).isTrue();
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", Integer.parseInt(m.group(1)))) {
                assertThat(s.isConnected()).isTrue();
            }
            Run status = rafka("cql", "status", "--dir", work);
            assertThat(status.exit()).isZero();
            assertThat(status.out()).contains("serving CQL");
        } finally {
            Run stop = rafka("cql", "stop", "--dir", work);
            assertThat(stop.out()).contains("stopped");
        }
        Run after = rafka("cql", "status", "--dir", work);
        assertThat(after.exit()).isEqualTo(3);
        assertThat(after.out()).contains("no CQL server running");
        assertThat(rafka("cql", "restart", "--dir", work).exit()).isEqualTo(2);
    }
}
