package io.rafka.node.mesh;

import io.rafka.client.AutoOffsetReset;
import io.rafka.client.ConsumerConfig;
import io.rafka.client.ConsumerRecord;
import io.rafka.client.RafkaConsumer;
import io.rafka.client.RafkaException;
import io.rafka.client.TopicPartitionRef;
import io.rafka.node.group.MemberLoop;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A group member in its own JVM, so a test can kill it with SIGKILL: it stops heartbeating without
 * leaving, exactly like a crashed application. It commits by hand, at most every {@link
 * #COMMIT_EVERY} (no auto-commit, no commit on revocation), and reports on stdout every record it
 * got ({@code @@ R partition offset}) and every successful commit ({@code @@ C partition offset});
 * its log (the node's logback.xml: stderr) goes to a file.
 */
final class GroupMemberProcess implements AutoCloseable {
    static final Duration COMMIT_EVERY = Duration.ofMillis(500);
    private final Process process;
    /** Highest offset this member committed per partition. */
    final Map<Integer, Long> commits = new ConcurrentHashMap<>();

    private GroupMemberProcess(Process process) {
        this.process = process;
    }

    /** Starts the member and returns once it joined the group. */
    static GroupMemberProcess start(String bootstrap, String group, String topic, String name, Path logFile,
                                    List<MemberLoop.Consumed> log, AtomicLong seq) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m",
                "-Dlogback.configurationFile=logback.xml", "-cp", System.getProperty("java.class.path"), GroupMemberProcess.class.getName(), bootstrap, group, topic, name);
        Process p = new ProcessBuilder(cmd).redirectError(logFile.toFile()).start();
        GroupMemberProcess member = new GroupMemberProcess(p);
        java.util.concurrent.CompletableFuture<Void> joined = new java.util.concurrent.CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (!line.startsWith("@@ ") || f.length < 2) {
                        continue;
                    }
                    switch (f[1]) {
                        case "J" -> joined.complete(null);
                        case "R" -> log.add(new MemberLoop.Consumed(name, topic, Integer.parseInt(f[2]), Long.parseLong(f[3]),
                                seq.incrementAndGet()));
                        case "C" -> member.commits.merge(Integer.parseInt(f[2]), Long.parseLong(f[3]), Math::max);
                        default -> { }
                    }
                }
            } catch (IOException ignored) {
                // the process is gone
            }
            joined.completeExceptionally(new IllegalStateException("member process " + name + " exited before joining; see " + logFile));
        }, "member-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
        joined.get(60, TimeUnit.SECONDS);
        return member;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no leave, no last commit; the group notices when the session times out. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill9();
    }

    /** args: bootstrap group topic name */
    public static void main(String[] args) {
        PrintStream out = System.out;
        ConsumerConfig config = ConsumerConfig.builder(args[0]).groupId(args[1]).clientId(args[3])
                .autoOffsetReset(AutoOffsetReset.EARLIEST).enableAutoCommit(false).sessionTimeoutMs(6_000)
                .fetchMaxWaitMs(100).build();
        try (RafkaConsumer consumer = new RafkaConsumer(config)) {
            consumer.subscribe(List.of(args[2]));
            out.println("@@ J " + consumer.generation());
            out.flush();
            Map<TopicPartitionRef, Long> next = new LinkedHashMap<>();
            long commitDue = System.nanoTime();
            while (true) {
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(100));
                StringBuilder lines = new StringBuilder();
                for (ConsumerRecord r : records) {
                    lines.append("@@ R ").append(r.partition()).append(' ').append(r.offset()).append('\n');
                    next.put(new TopicPartitionRef(r.topic(), r.partition()), r.offset() + 1);
                }
                out.print(lines);
                out.flush();
                // commits lag the reading by up to COMMIT_EVERY, so a kill leaves records read but not committed
                next.keySet().retainAll(consumer.assignment());
                if (next.isEmpty() || System.nanoTime() - commitDue < 0) {
                    continue;
                }
                commitDue = System.nanoTime() + COMMIT_EVERY.toNanos();
                try {
                    consumer.commitSync(next);
                    List<String> done = new ArrayList<>();
                    next.forEach((tp, offset) -> done.add("@@ C " + tp.partition() + " " + offset));
                    out.println(String.join("\n", done));
                    out.flush();
                    next.clear();
                } catch (RafkaException e) {
                    System.err.println("commit refused: " + e.getMessage());
                }
            }
        }
    }
}
