package io.rafka.node;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node in its own JVM, started through the CLI's {@code start} command, as {@code bin/rafka}
 * does. Reads the bound gRPC address from the ready line on stdout.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ready: gRPC (\\S+):(\\d+), health http://[^:]+:(\\d+)/");

    private final Process process;
    private final int grpcPort;
    private final int httpPort;
    private final List<String> output;

    private NodeProcess(Process process, int grpcPort, int httpPort, List<String> output) {
        this.process = process;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
        this.output = output;
    }

    public static NodeProcess start(Path dataDir, Map<String, String> settings) throws Exception {
        return start(dataDir, settings, Map.of());
    }

    /** As {@link #start(Path, Map)}, with {@code RAFKA_*} environment variables (as a pod sets them) added. */
    public static NodeProcess start(Path dataDir, Map<String, String> settings, Map<String, String> env) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.rafka.node.cli.RafkaCli", "start",
                "--set", "data.dir=" + dataDir, "--set", "grpc.host=127.0.0.1", "--set", "grpc.port=0",
                "--set", "http.host=127.0.0.1", "--set", "http.port=0"));
        settings.forEach((k, v) -> {
            cmd.add("--set");
            cmd.add(k + "=" + v);
        });
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<int[]> ports = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    output.add(line);
                    Matcher m = READY.matcher(line);
                    if (m.find()) {
                        ports.complete(new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
                    }
                }
            } catch (IOException ignored) {
                // process gone
            }
            ports.completeExceptionally(new IllegalStateException("node exited before it was ready: " + output));
        }, "node-output");
        reader.setDaemon(true);
        reader.start();
        int[] bound;
        try {
            bound = ports.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
            List<String> seen;
            synchronized (output) {
                seen = List.copyOf(output.subList(Math.max(0, output.size() - 60), output.size()));
            }
            throw new IllegalStateException("node neither ready nor gone after 60 s; its last output:\n"
                    + String.join("\n", seen), e);
        }
        return new NodeProcess(p, bound[0], bound[1], output);
    }

    public int grpcPort() {
        return grpcPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public List<String> output() {
        synchronized (output) {
            return List.copyOf(output);
        }
    }

    /** SIGKILL: no shutdown hook, no flush. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for a clean exit. */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
