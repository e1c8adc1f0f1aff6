package io.rafka.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.rafka.node.TestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/rafka's subcommands as separate processes against a real node. */
class CliIT {
    @TempDir
    static Path dir;
    static TestNode node;
    static String bootstrap;

    record Run(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dir);
        bootstrap = "127.0.0.1:" + node.node.grpcPort();
    }

    @AfterAll
    static void stop() throws Exception {
        node.close();
    }

    static Run rafka(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.rafka.node.cli.RafkaCli"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void topicsAreManagedAndLinesFromStdinAreProducedAndConsumedInOrderPerKey() throws Exception {
        assertThat(rafka(null, "topic", "create", "lines", "-p", "2", "-b", bootstrap).exit()).isZero();
        assertThat(rafka(null, "topic", "list", "-b", bootstrap).out()).contains("lines");
        assertThat(rafka(null, "topic", "describe", "lines", "-b", bootstrap).out()).contains("partitions=2");
        Run produced = rafka("a:1\nb:1\na:2\nb:2\na:3\n", "produce", "lines", "--key-separator", ":", "-b", bootstrap);
        assertThat(produced.exit()).as(produced.err()).isZero();
        assertThat(produced.err()).contains("produced 5 records");
        Run consumed = rafka(null, "consume", "lines", "--from", "earliest", "--max", "5", "--print-offsets", "-b", bootstrap);
        assertThat(consumed.exit()).as(consumed.err()).isZero();
        List<String> aValues = consumed.out().lines().filter(l -> l.split("\t")[2].equals("a")).map(l -> l.split("\t")[3]).toList();
        assertThat(aValues).containsExactly("1", "2", "3");
        Run counted = rafka(null, "consume", "lines", "--from", "earliest", "--count", "--idle-timeout-ms", "1000", "-b", bootstrap);
        assertThat(counted.out().trim()).isEqualTo("5");
        Run fromLatest = rafka(null, "consume", "lines", "--from", "latest", "--count", "--idle-timeout-ms", "500", "-b", bootstrap);
        assertThat(fromLatest.out().trim()).isEqualTo("0");
        assertThat(rafka(null, "topic", "delete", "lines", "-b", bootstrap).exit()).isZero();
        assertThat(rafka(null, "topic", "list", "-b", bootstrap).out()).doesNotContain("lines");
    }

    @Test
    void consumeFromAnOffsetAndFromATime() throws Exception {
        rafka(null, "topic", "create", "when", "-p", "1", "-b", bootstrap);
        rafka(null, "produce", "when", "--generate", "10", "--record-size", "8", "-b", bootstrap);
        long midpoint = System.currentTimeMillis();
        rafka("late1\nlate2\n", "produce", "when", "-b", bootstrap);
        Run fromOffset = rafka(null, "consume", "when", "--from", "7", "--count", "--idle-timeout-ms", "1000", "-b", bootstrap);
        assertThat(fromOffset.out().trim()).isEqualTo("5");
        Run fromTime = rafka(null, "consume", "when", "--from", "@" + midpoint, "--idle-timeout-ms", "1000", "-b", bootstrap);
        assertThat(fromTime.out().lines().toList()).containsExactly("late1", "late2");
    }

    @Test
    void benchPrintsProgressAndOneSummaryLinePerRun() throws Exception {
        Run produce = rafka(null, "bench", "produce", "--topic", "b", "--records", "20000", "--report-interval-ms", "200", "-b", bootstrap);
        assertThat(produce.exit()).as(produce.err()).isZero();
        assertThat(produce.out().trim()).matches(
                "bench produce records/s=\\d+ MB/s=[\\d.]+ p50_ms=[\\d.]+ p99_ms=[\\d.]+ p999_ms=[\\d.]+ max_ms=[\\d.]+");
        Run consume = rafka(null, "bench", "consume", "--topic", "b", "--records", "20000", "-b", bootstrap);
        assertThat(consume.out().trim()).matches("bench consume records/s=\\d+ MB/s=[\\d.]+ p50_ms=NA p99_ms=NA p999_ms=NA max_ms=NA");
        Run e2e = rafka(null, "bench", "e2e", "--topic", "e", "--records", "2000", "--rate", "2000", "--name", "e2e-2k", "-b", bootstrap);
        assertThat(e2e.exit()).as(e2e.err()).isZero();
        assertThat(e2e.out().trim()).matches("bench e2e-2k records/s=\\d+ MB/s=[\\d.]+ p50_ms=[\\d.]+ p99_ms=[\\d.]+ p999_ms=[\\d.]+ max_ms=[\\d.]+");
        Run commit = rafka(null, "bench", "commit", "--topic", "b", "--records", "200", "-b", bootstrap);
        assertThat(commit.exit()).as(commit.err()).isZero();
        assertThat(commit.out().trim()).matches("bench commit records/s=\\d+ MB/s=0.00 p50_ms=[\\d.]+ p99_ms=[\\d.]+ p999_ms=[\\d.]+ max_ms=[\\d.]+");
    }

    @Test
    void badUsageExitsWithTwoAndRefusedRequestsWithOne() throws Exception {
        Run unknown = rafka(null, "frobnicate");
        assertThat(unknown.exit()).isEqualTo(2);
        Run badAcks = rafka("x\n", "produce", "t", "--acks", "most", "-b", bootstrap);
        assertThat(badAcks.exit()).isEqualTo(2);
        assertThat(badAcks.err()).contains("--acks must be none, leader or all, was 'most'");
        Run badScenario = rafka(null, "bench", "sideways", "-b", bootstrap);
        assertThat(badScenario.exit()).isEqualTo(2);
        assertThat(badScenario.err()).contains("produce, consume, e2e, fetch or commit, was 'sideways'");
        Run missingTopic = rafka(null, "topic", "describe", "ghost", "-b", bootstrap);
        assertThat(missingTopic.exit()).isEqualTo(1);
        assertThat(missingTopic.err()).contains("NOT_FOUND").contains("ghost");
        Run badName = rafka(null, "topic", "create", "bad name", "-b", bootstrap);
        assertThat(badName.exit()).isEqualTo(1);
        assertThat(badName.err()).contains("INVALID_ARGUMENT").contains("[a-zA-Z0-9._-]");
        Run badFrom = rafka(null, "consume", "t", "--from", "yesterday", "-p", "0", "-b", bootstrap);
        assertThat(badFrom.exit()).isEqualTo(2);
    }

    @Test
    void startRefusesABadConfigurationNamingTheKey() throws Exception {
        Run bad = rafka(null, "start", "--set", "grpc.port=99999");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("grpc.port").contains("99999");
    }
}
