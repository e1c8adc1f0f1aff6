package io.rafka.node.cache;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real redis-server or memcached, a child process on a loopback port; restartable on the same port. */
final class CacheServerProcess implements AutoCloseable {
    private final String kind;
    private final int port;
    private Process process;

    private CacheServerProcess(String kind, int port) {
        this.kind = kind;
        this.port = port;
    }

    static CacheServerProcess start(String kind) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CacheServerProcess p = new CacheServerProcess(kind, port);
        p.start();
        return p;
    }

    int port() {
        return port;
    }

    void start() throws Exception {
        List<String> cmd = switch (kind) {
            case "redis" -> List.of(binary("redis-server"), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no");
            case "memcached" -> List.of(binary("memcached"), "-p", String.valueOf(port), "-U", "0", "-l", "127.0.0.1", "-u", "root");
            default -> throw new IllegalArgumentException("unknown cache kind " + kind);
        };
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(kind + " did not start on port " + port);
                }
                Thread.sleep(20);
            }
        }
    }

    /** SIGKILL: the server and everything it cached are gone at once. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }

    private static String binary(String name) {
        for (String dir : List.of("/usr/bin", "/usr/local/bin", "/usr/sbin")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name).toString();
            }
        }
        throw new IllegalStateException(name + " is not installed: apt-get install -y redis-server memcached");
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }
}
