package io.rafka.cache;

import io.rafka.cql.FreePorts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server or memcached, started as a child process (not daemonized, so it can be
 * killed, paused and restarted) on a free loopback port. Also speaks just enough of each
 * protocol to write and probe keys behind the cache's back.
 */
public final class CacheServer implements AutoCloseable {
    private static final Duration START_DEADLINE = Duration.ofSeconds(15);
    private final CacheConfig.Kind kind;
    private final int port;
    private final Path logFile;
    private Process process;

    private CacheServer(CacheConfig.Kind kind, int port) {
        this.kind = kind;
        this.port = port;
        this.logFile = Path.of("target", "cache-servers", kind.configName() + "-" + port + ".log");
    }

    public static CacheServer start(CacheConfig.Kind kind) {
        CacheServer server = new CacheServer(kind, FreePorts.pick());
        server.launch();
        return server;
    }

    public int port() {
        return port;
    }

    /** SIGKILL, and wait until the process is gone. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts the server again on the same port, empty. */
    public void restart() {
        kill();
        launch();
    }

    /** SIGSTOP: the server keeps its sockets but answers nothing (a hung or very slow cache). */
    public void pause() {
        signal("-STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("-CONT");
    }

    /** Stores {@code value} under {@code key} with no TTL, with the server's own protocol. */
    public void rawSet(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            if (kind == CacheConfig.Kind.REDIS) {
                out.write(("*3\r\n$3\r\nSET\r\n$" + k.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(k);
                out.write(("\r\n$" + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(("set " + key + " 0 0 " + value.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            }
            out.write(value);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String reply = readLine(s.getInputStream());
            if (!reply.equals("+OK") && !reply.equals("STORED")) {
                throw new IllegalStateException("raw set of " + key + " answered " + reply);
            }
        } catch (IOException e) {
            throw new IllegalStateException("raw set of " + key + " failed", e);
        }
    }

    /** Whether the server holds {@code key}. */
    public boolean rawExists(String key) {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            if (kind == CacheConfig.Kind.REDIS) {
                out.write(("*2\r\n$6\r\nEXISTS\r\n$" + key.length() + "\r\n" + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return readLine(s.getInputStream()).equals(":1");
            }
            out.write(("get " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readLine(s.getInputStream()).startsWith("VALUE");
        } catch (IOException e) {
            throw new IllegalStateException("raw exists of " + key + " failed", e);
        }
    }

    @Override
    public void close() {
        resume();
        kill();
    }

    private void launch() {
        List<String> command = new ArrayList<>();
        String binary = kind == CacheConfig.Kind.REDIS ? "/usr/bin/redis-server" : "/usr/bin/memcached";
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IllegalStateException(binary + " is not installed; run: apt-get install -y redis-server memcached");
        }
        command.add(binary);
        if (kind == CacheConfig.Kind.REDIS) {
            command.addAll(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--daemonize", "no"));
        } else {
            command.addAll(List.of("-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1", "-u", "root", "-m", "64"));
        }
        try {
            Files.createDirectories(logFile.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
        long end = System.nanoTime() + START_DEADLINE.toNanos();
        while (true) {
            try {
                connect().close();
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(command + " exited with " + process.exitValue() + "; see " + logFile.toAbsolutePath());
                }
                if (System.nanoTime() > end) {
                    throw new IllegalStateException(command + " did not accept connections within "
                            + START_DEADLINE.toSeconds() + " s; see " + logFile.toAbsolutePath());
                }
                try {
                    Thread.sleep(20); // polling period
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        s.setSoTimeout(5000);
        return s;
    }

    private void signal(String signal) {
        if (process == null || !process.isAlive()) {
            return;
        }
        try {
            Process p = new ProcessBuilder("kill", signal, String.valueOf(process.pid())).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("kill " + signal + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }
}
