package io.rafka.cql;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * One real Apache Cassandra 5.0 node on 127.0.0.1, run as a separate JVM from the jars that
 * module {@code cql-server} copies to {@code cql-server/target/lib}. It speaks the same CQL as
 * ScyllaDB, so storage code can be tested against a real server where Docker is not available.
 * This class uses the JDK only: Cassandra's classes never enter the calling JVM.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>{@link #start()} returns once the CQL native port accepts TCP connections (Cassandra opens
 *       it last), or throws with the tail of the server log.</li>
 *   <li>Ports are free loopback ports picked at the first start and kept in the work directory:
 *       {@link #restart()} and a later {@link #start()} over the same work directory come back on
 *       the same ports with the same data.</li>
 *   <li>Unless built {@link Builder#detached(boolean) detached}, the server does not outlive this
 *       JVM: a shutdown hook stops it, and a watchdog process kills it within about a second if
 *       this JVM dies without running its hooks (kill -9).</li>
 *   <li>With {@link Builder#passwordAuthentication password authentication}, {@link #start()}
 *       returns only once the configured role can log in; with {@link Builder#clientTls client
 *       TLS}, the CQL port speaks TLS only.</li>
 *   <li>Cassandra 5.0 needs JDK 11 or 17 (on JDK 25 it fails at start: "Setting a system-wide
 *       Policy object is not supported"); the server JVM is chosen by {@link #findJavaHome()}.</li>
 * </ul>
 *
 * <p>Not thread-safe: one owner starts, stops and restarts it.
 */
public final class LocalCqlServer implements AutoCloseable {
    /** The datacenter name of a node with {@code SimpleSnitch}. */
    public static final String LOCAL_DATACENTER = "datacenter1";
    /** Overrides the JDK that runs Cassandra (a JDK 11 or 17 home directory). */
    public static final String JAVA_HOME_ENV = "RAFKA_CQL_JAVA_HOME";
    /** Overrides where the Cassandra jars are. */
    public static final String LIB_DIR_ENV = "RAFKA_CQL_LIB";
    /** The superuser (and its password) Cassandra creates when password authentication is on. */
    public static final String DEFAULT_SUPERUSER = "cassandra";
    static final String STATE_FILE = "server.properties";
    private static final String DAEMON_CLASS = "org.apache.cassandra.service.CassandraDaemon";
    private static final String LIB_RELATIVE = "cql-server/target/lib";

    /** Upstream Cassandra 5.0 conf/jvm17-server.options, JPMS part. */
    private static final List<String> JDK17_FLAGS = List.of(
            "-Djdk.attach.allowAttachSelf=true",
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-exports", "java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports", "java.rmi/sun.rmi.server=ALL-UNNAMED",
            "--add-exports", "java.sql/java.sql=ALL-UNNAMED",
            "--add-exports", "java.base/java.lang.ref=ALL-UNNAMED",
            "--add-exports", "jdk.unsupported/sun.misc=ALL-UNNAMED",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports", "jdk.attach/sun.tools.attach=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.loader=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.reflect=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.math=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.module=ALL-UNNAMED",
            "--add-opens", "java.base/jdk.internal.util.jar=ALL-UNNAMED",
            "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
            "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens", "java.base/java.io=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens", "jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "--add-opens", "java.base/java.util=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-Dio.netty.tryReflectionSetAccessible=true",
            "-Djava.net.preferIPv4Stack=true");

    private final Path libDir;
    private final Path workDir;
    private final Path javaHome;
    private final String heap;
    private final Duration startTimeout;
    private final Duration stopTimeout;
    private final boolean detached;
    private final Optional<Login> login;
    private final Optional<Keystore> clientTls;
    private int nativePort;
    private int storagePort;
    private Process process;
    private Process watchdog;
    private Thread shutdownHook;

    private LocalCqlServer(Builder b) {
        this.libDir = b.libDir;
        this.workDir = b.workDir.toAbsolutePath();
        this.javaHome = b.javaHome;
        this.heap = b.heap;
        this.startTimeout = b.startTimeout;
        this.stopTimeout = b.stopTimeout;
        this.detached = b.detached;
        this.login = Optional.ofNullable(b.login);
        this.clientTls = Optional.ofNullable(b.clientTls);
        this.nativePort = b.nativePort;
        this.storagePort = b.storagePort;
    }

    /** A builder for a server whose files (configuration, data, logs) live in {@code workDir}. */
    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    private record Login(String username, String password) {
    }

    /** A loaded key store, its file and password (the key's password too, as Cassandra requires). */
    private record Keystore(Path file, String password, KeyStore store) {
    }

    /** Settings of a {@link LocalCqlServer}; every one has a default. */
    public static final class Builder {
        private final Path workDir;
        private Path libDir;
        private Path javaHome;
        private String heap = "1g";
        private Duration startTimeout = Duration.ofMinutes(3);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private boolean detached;
        private Login login;
        private Path keystore;
        private String keystorePassword;
        private Keystore clientTls;
        private int nativePort;
        private int storagePort;

        private Builder(Path workDir) {
            this.workDir = Objects.requireNonNull(workDir, "workDir");
        }

        /** The folder of Cassandra jars; default {@link #locateLibDir()}. */
        public Builder libDir(Path dir) {
            this.libDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** The JDK 11 or 17 that runs the server; default {@link #findJavaHome()}. */
        public Builder javaHome(Path home) {
            this.javaHome = Objects.requireNonNull(home, "home");
            return this;
        }

        /** Heap size, as in {@code -Xmx}; default {@code 1g}. */
        public Builder heap(String size) {
            if (!size.matches("[0-9]+[kKmMgG]")) {
                throw new IllegalArgumentException("heap must look like 512m or 1g, was " + size);
            }
            this.heap = size;
            return this;
        }

        /** The CQL port; default: the port of the last run in the work directory, else a free one. */
        public Builder nativePort(int port) {
            this.nativePort = checkPort("nativePort", port);
            return this;
        }

        /** The inter-node port; default as for {@link #nativePort(int)}. */
        public Builder storagePort(int port) {
            this.storagePort = checkPort("storagePort", port);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive("startTimeout", timeout);
            return this;
        }

        /** How long {@link #stop()} waits after SIGTERM before it sends SIGKILL; default 30 s. */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = positive("stopTimeout", timeout);
            return this;
        }

        /**
         * A detached server keeps running after this JVM exits (no shutdown hook, no watchdog, its
         * own session), for a command line that starts it and returns; stop it with
         * {@link LocalCqlServer#stop(Path, Duration)}. Default false.
         */
        public Builder detached(boolean detached) {
            this.detached = detached;
            return this;
        }

        /**
         * Requires a password login ({@code authenticator: PasswordAuthenticator}). Cassandra
         * creates the superuser {@value LocalCqlServer#DEFAULT_SUPERUSER} (password {@value LocalCqlServer#DEFAULT_SUPERUSER})
         * a moment after it opens its CQL port: {@link #start()} waits until that login works,
         * then creates role {@code username} with {@code password} and LOGIN unless that role
         * exists already (an existing role keeps its password). The role is no superuser, but
         * the default authorizer (AllowAllAuthorizer) lets every role do everything. Default: no
         * authentication.
         */
        public Builder passwordAuthentication(String username, String password) {
            if (username == null || username.isEmpty()) {
                throw new IllegalArgumentException("username must not be empty");
            }
            this.login = new Login(username, Objects.requireNonNull(password, "password"));
            return this;
        }

        /**
         * Serves CQL over TLS only ({@code client_encryption_options} enabled and not optional)
         * with the private key and certificate in {@code keystore}, a PKCS12 or JKS file whose
         * key has the store's password. Clients must trust that certificate; none has to show
         * one of its own. Default: plain TCP.
         */
        public Builder clientTls(Path keystore, String keystorePassword) {
            this.keystore = Objects.requireNonNull(keystore, "keystore").toAbsolutePath();
            this.keystorePassword = Objects.requireNonNull(keystorePassword, "keystorePassword");
            return this;
        }

        /** @throws IllegalArgumentException when the {@link #clientTls} key store cannot be opened */
        public LocalCqlServer build() {
            if (keystore != null) {
                clientTls = loadKeystore(keystore, keystorePassword);
            }
            if (libDir == null) {
                libDir = locateLibDir();
            }
            checkLibDir(libDir);
            if (javaHome == null) {
                javaHome = findJavaHome();
            }
            return new LocalCqlServer(this);
        }

        private static Keystore loadKeystore(Path file, String password) {
            try {
                // The type (PKCS12 or JKS) is probed from the file; Cassandra is told it below.
                KeyStore store = KeyStore.getInstance(file.toFile(), password.toCharArray());
                return new Keystore(file, password, store);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalArgumentException("clientTls keystore " + file + " cannot be opened with its password: " + e, e);
            }
        }

        private static int checkPort(String name, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(name + " must be between 0 and 65535, was " + port);
            }
            return port;
        }

        private static Duration positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
            return d;
        }
    }

    // ------------------------------------------------------------------------------ lifecycle

    /**
     * Starts the server and waits until its CQL port accepts connections. Blocking (seconds).
     *
     * @throws IOException when the server cannot be launched, exits during start-up or is not
     *                     ready within the start timeout; the message holds the log's tail
     * @throws IllegalStateException when this instance's server is already running, or another
     *                     live server owns the work directory
     */
    public LocalCqlServer start() throws IOException {
        if (isRunning()) {
            throw new IllegalStateException("the CQL server in " + workDir + " is already running (pid "
                    + process.pid() + ")");
        }
        Optional<Status> other = status(workDir);
        if (other.isPresent() && other.get().alive()) {
            throw new IllegalStateException("another CQL server (pid " + other.get().pid() + ") runs in "
                    + workDir + "; stop it first");
        }
        Files.createDirectories(dataDir());
        Files.createDirectories(logDir());
        Properties previous = readState(workDir);
        if (nativePort == 0) {
            nativePort = intProperty(previous, "native_port");
        }
        if (storagePort == 0) {
            storagePort = intProperty(previous, "storage_port");
        }
        if (nativePort == 0) {
            nativePort = FreePorts.pick();
        }
        if (storagePort == 0) {
            storagePort = FreePorts.pick();
        }
        Files.writeString(workDir.resolve("cassandra.yaml"), cassandraYaml(), StandardCharsets.UTF_8);
        Files.writeString(workDir.resolve("logback.xml"), logbackXml(), StandardCharsets.UTF_8);

        ProcessBuilder pb = new ProcessBuilder(command());
        pb.directory(workDir.toFile());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logDir().resolve("stdout.log").toFile()));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("JAVA_HOME", javaHome.toString());
        process = pb.start();
        writeState();
        if (!detached) {
            guard();
        }
        try {
            awaitReady();
            if (login.isPresent()) {
                awaitLogin(login.get());
            }
        } catch (IOException | RuntimeException e) {
            kill();
            throw e;
        }
        return this;
    }

    /**
     * Stops the server: SIGTERM, then SIGKILL if it has not exited within the stop timeout.
     * Cassandra flushes its memtables on SIGTERM, so a later {@link #start()} finds the data
     * (a SIGKILL loses nothing acknowledged either: the commit log is replayed). Idempotent.
     */
    public void stop() {
        if (process != null) {
            terminate(process.toHandle(), stopTimeout);
        }
        release();
    }

    /** Kills the server at once (SIGKILL), as a crash would. Idempotent. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitForExit(process.toHandle(), Duration.ofSeconds(30));
        }
        release();
    }

    /** {@link #stop()}, then {@link #start()} on the same ports and data. */
    public void restart() throws IOException {
        stop();
        start();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** The server's process id, while it runs. */
    public long pid() {
        if (process == null) {
            throw new IllegalStateException("the CQL server in " + workDir + " is not running");
        }
        return process.pid();
    }

    /** The address clients connect to: 127.0.0.1 and the native (CQL) port. */
    public InetSocketAddress contactPoint() {
        if (nativePort == 0) {
            throw new IllegalStateException("the CQL server in " + workDir + " has not been started yet");
        }
        return new InetSocketAddress("127.0.0.1", nativePort);
    }

    public int nativePort() {
        return nativePort;
    }

    public int storagePort() {
        return storagePort;
    }

    public String localDatacenter() {
        return LOCAL_DATACENTER;
    }

    public Path workDir() {
        return workDir;
    }

    /** The server's own log (Cassandra's system log, INFO and above). */
    public Path logFile() {
        return logDir().resolve("system.log");
    }

    private Path dataDir() {
        return workDir.resolve("data");
    }

    private Path logDir() {
        return workDir.resolve("logs");
    }

    private void release() {
        if (watchdog != null) {
            watchdog.destroy();
            watchdog = null;
        }
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running or has run.
            }
            shutdownHook = null;
        }
        if (process != null && !process.isAlive()) {
            clearPid();
        }
    }

    /**
     * Ties the server to this JVM: a shutdown hook for orderly exits and a watchdog shell for kill
     * -9, which checks once a second that this JVM still lives and otherwise kills the server
     * (only if that pid still runs Cassandra, so a reused pid is left alone).
     */
    private void guard() throws IOException {
        Process server = process;
        shutdownHook = new Thread(() -> terminate(server.toHandle(), Duration.ofSeconds(10)), "cql-server-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        long parent = ProcessHandle.current().pid();
        long child = server.pid();
        String script = "while kill -0 " + parent + " 2>/dev/null && kill -0 " + child + " 2>/dev/null; do sleep 1; done; "
                + "if grep -q " + DAEMON_CLASS + " /proc/" + child + "/cmdline 2>/dev/null; then "
                + "kill -TERM " + child + "; sleep 15; "
                + "grep -q " + DAEMON_CLASS + " /proc/" + child + "/cmdline 2>/dev/null && kill -KILL " + child + "; fi";
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        watchdog = pb.start();
    }

    private void awaitReady() throws IOException {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("the CQL server exited with code " + process.exitValue()
                        + " during start-up; its log " + logFile() + " ends with:\n" + logTail());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", nativePort), 500);
                return;
            } catch (IOException notYet) {
                // The native port opens last; keep polling until then.
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the CQL server did not open port " + nativePort + " within "
                        + startTimeout.toSeconds() + " s; its log " + logFile() + " ends with:\n" + logTail());
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the CQL server", e);
            }
        }
    }

    /**
     * Polls until the default superuser logs in (its role is created asynchronously after the
     * port opens), then creates the configured role.
     */
    private void awaitLogin(Login role) throws IOException {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Optional<KeyStore> trust = clientTls.map(Keystore::store);
        while (true) {
            try {
                NativeProtocolLogin.run(contactPoint(), trust, DEFAULT_SUPERUSER, DEFAULT_SUPERUSER, Optional.empty());
                break;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("the CQL server in " + workDir + " did not accept the login of its default"
                            + " superuser within " + startTimeout.toSeconds() + " s (" + notYet.getMessage()
                            + "); its log " + logFile() + " ends with:\n" + logTail(), notYet);
                }
            }
            try {
                process.waitFor(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the CQL server's superuser", e);
            }
        }
        if (!role.username().equals(DEFAULT_SUPERUSER)) {
            NativeProtocolLogin.run(contactPoint(), trust, DEFAULT_SUPERUSER, DEFAULT_SUPERUSER, Optional.of(
                    "CREATE ROLE IF NOT EXISTS " + cqlString(role.username()) + " WITH PASSWORD = "
                            + cqlString(role.password()) + " AND LOGIN = true"));
        }
    }

    private static String cqlString(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private String logTail() {
        StringBuilder out = new StringBuilder();
        for (Path f : List.of(logFile(), logDir().resolve("stdout.log"))) {
            try {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                out.append("--- ").append(f.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 25), lines.size()).forEach(l -> out.append(l).append('\n'));
            } catch (IOException | UncheckedIOException e) {
                out.append("--- ").append(f.getFileName()).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    List<String> command() {
        List<String> cmd = new ArrayList<>();
        if (detached && Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            // Its own session: a Ctrl-C in the shell that started it does not reach it.
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.add("-Xms" + heap);
        cmd.add("-Xmx" + heap);
        cmd.add("-Xss256k");
        cmd.add("-XX:+UseG1GC");
        cmd.add("-XX:MaxGCPauseMillis=300");
        cmd.add("-XX:+ParallelRefProcEnabled");
        cmd.add("-XX:MaxTenuringThreshold=1");
        cmd.add("-XX:+ExitOnOutOfMemoryError");
        cmd.addAll(JDK17_FLAGS);
        cmd.add("-javaagent:" + jammJar());
        cmd.add("-Dcassandra.config=" + workDir.resolve("cassandra.yaml").toUri());
        cmd.add("-Dcassandra.storagedir=" + dataDir());
        cmd.add("-Dcassandra.logdir=" + logDir());
        cmd.add("-Dlogback.configurationFile=" + workDir.resolve("logback.xml"));
        cmd.add("-Dcassandra-foreground=yes");
        // Single node on loopback: no gossip settling, no ring delay, no superuser set-up delay,
        // system tables without fsync. Data tables keep Cassandra's normal commit log.
        cmd.add("-Dcassandra.skip_wait_for_gossip_to_settle=0");
        cmd.add("-Dcassandra.ring_delay_ms=100");
        cmd.add("-Dcassandra.superuser_setup_delay_ms=0");
        cmd.add("-Dcassandra.unsafesystem=true");
        cmd.add("-cp");
        cmd.add(libDir.toAbsolutePath() + File.separator + "*");
        cmd.add(DAEMON_CLASS);
        return cmd;
    }

    private Path jammJar() throws UncheckedIOException {
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(libDir, "jamm-*.jar")) {
            for (Path p : jars) {
                return p.toAbsolutePath();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no jamm-*.jar in " + libDir + "; rebuild it with: mvn -pl cql-server package");
    }

    String cassandraYaml() {
        Path d = dataDir();
        return String.join("\n",
                "# Written by io.rafka.cql.LocalCqlServer: one node on 127.0.0.1 for tests and demos.",
                "cluster_name: rafka-local",
                "num_tokens: 1",
                "partitioner: org.apache.cassandra.dht.Murmur3Partitioner",
                "endpoint_snitch: SimpleSnitch",
                "seed_provider:",
                "  - class_name: org.apache.cassandra.locator.SimpleSeedProvider",
                "    parameters:",
                "      - seeds: \"127.0.0.1:" + storagePort + "\"",
                "listen_address: 127.0.0.1",
                "rpc_address: 127.0.0.1",
                "storage_port: " + storagePort,
                "native_transport_port: " + nativePort,
                "start_native_transport: true",
                "data_file_directories:",
                "  - " + d.resolve("data"),
                "commitlog_directory: " + d.resolve("commitlog"),
                "saved_caches_directory: " + d.resolve("saved_caches"),
                "hints_directory: " + d.resolve("hints"),
                "cdc_raw_directory: " + d.resolve("cdc_raw"),
                "commitlog_sync: periodic",
                "commitlog_sync_period: 10000ms",
                "commitlog_segment_size: 32MiB",
                // Batches are large blobs: keep their bytes off the heap while they sit in memtables.
                "memtable_allocation_type: offheap_buffers",
                "memtable_heap_space: 128MiB",
                "memtable_offheap_space: 256MiB",
                "auto_snapshot: false",
                "snapshot_on_duplicate_row_detection: false",
                "concurrent_compactors: 1",
                "compaction_throughput: 64MiB/s",
                "key_cache_size: 16MiB",
                "counter_cache_size: 0MiB",
                "file_cache_size: 64MiB",
                "read_request_timeout: 5000ms",
                "range_request_timeout: 10000ms",
                "write_request_timeout: 2000ms",
                "request_timeout: 10000ms",
                login.isPresent() ? "authenticator: PasswordAuthenticator" : "",
                clientTls.map(LocalCqlServer::clientEncryptionYaml).orElse(""),
                "");
    }

    private static String clientEncryptionYaml(Keystore k) {
        return String.join("\n",
                "client_encryption_options:",
                "  enabled: true",
                "  optional: false",
                "  keystore: " + yamlString(k.file().toString()),
                "  keystore_password: " + yamlString(k.password()),
                "  store_type: " + k.store().getType().toUpperCase(java.util.Locale.ROOT),
                "  require_client_auth: false");
    }

    /** A double-quoted YAML scalar. */
    private static String yamlString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static String logbackXml() {
        return """
                <configuration scan="false">
                  <!-- Written by io.rafka.cql.LocalCqlServer -->
                  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                    <file>${cassandra.logdir}/system.log</file>
                    <encoder>
                      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
                    </encoder>
                  </appender>
                  <logger name="org.apache.cassandra" level="INFO"/>
                  <logger name="com.datastax" level="WARN"/>
                  <logger name="io.netty" level="WARN"/>
                  <root level="INFO">
                    <appender-ref ref="FILE"/>
                  </root>
                </configuration>
                """;
    }

    private void writeState() throws IOException {
        Properties p = new Properties();
        p.setProperty("native_port", Integer.toString(nativePort));
        p.setProperty("storage_port", Integer.toString(storagePort));
        p.setProperty("pid", Long.toString(process.pid()));
        p.setProperty("lib", libDir.toAbsolutePath().toString());
        writeState(workDir, p);
    }

    private void clearPid() {
        try {
            Properties p = readState(workDir);
            if (p.remove("pid") != null) {
                writeState(workDir, p);
            }
        } catch (IOException e) {
            // The next status() will see that the pid no longer runs Cassandra.
        }
    }

    private static void writeState(Path workDir, Properties p) throws IOException {
        Path tmp = workDir.resolve(STATE_FILE + ".tmp");
        try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "LocalCqlServer state");
        }
        Files.move(tmp, workDir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static Properties readState(Path workDir) throws IOException {
        Properties p = new Properties();
        Path f = workDir.resolve(STATE_FILE);
        if (Files.exists(f)) {
            try (var in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                p.load(in);
            }
        }
        return p;
    }

    private static int intProperty(Properties p, String key) {
        String v = p.getProperty(key);
        return v == null ? 0 : Integer.parseInt(v.trim());
    }

    private static void terminate(ProcessHandle p, Duration timeout) {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        if (!waitForExit(p, timeout)) {
            p.destroyForcibly();
            waitForExit(p, Duration.ofSeconds(30));
        }
    }

    private static boolean waitForExit(ProcessHandle p, Duration timeout) {
        try {
            p.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return !p.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    // ------------------------------------------------------------------------------ servers of other JVMs

    /**
     * What the work directory says about its server, for a command line that did not start it.
     *
     * @param pid         the server's process id, or -1 when none is recorded
     * @param alive       the pid runs Cassandra now
     * @param listening   its CQL port accepts connections now
     */
    public record Status(long pid, boolean alive, boolean listening, int nativePort, int storagePort, Path workDir) {
        public InetSocketAddress contactPoint() {
            return new InetSocketAddress("127.0.0.1", nativePort);
        }
    }

    /** The recorded server of {@code workDir}; empty when that directory never held one. */
    public static Optional<Status> status(Path workDir) throws IOException {
        Properties p = readState(workDir.toAbsolutePath());
        if (p.isEmpty()) {
            return Optional.empty();
        }
        long pid = p.containsKey("pid") ? Long.parseLong(p.getProperty("pid").trim()) : -1;
        int nativePort = intProperty(p, "native_port");
        boolean alive = pid > 0 && runsCassandra(pid);
        boolean listening = false;
        if (alive && nativePort > 0) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", nativePort), 500);
                listening = true;
            } catch (IOException e) {
                listening = false;
            }
        }
        return Optional.of(new Status(alive ? pid : -1, alive, listening, nativePort, intProperty(p, "storage_port"),
                workDir.toAbsolutePath()));
    }

    /**
     * Stops the server recorded in {@code workDir}, started by any JVM: SIGTERM, then SIGKILL
     * after {@code timeout}. Returns false when no server was running there.
     */
    public static boolean stop(Path workDir, Duration timeout) throws IOException {
        Optional<Status> s = status(workDir);
        if (s.isEmpty() || !s.get().alive()) {
            return false;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(s.get().pid());
        handle.ifPresent(h -> terminate(h, timeout));
        Properties p = readState(workDir.toAbsolutePath());
        p.remove("pid");
        writeState(workDir.toAbsolutePath(), p);
        return true;
    }

    private static boolean runsCassandra(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(DAEMON_CLASS);
        } catch (IOException e) {
            // No /proc: trust the process handle's own view.
            return h.get().info().arguments().map(a -> String.join(" ", a).contains(DAEMON_CLASS)).orElse(true);
        }
    }

    // ------------------------------------------------------------------------------ discovery

    /**
     * The Cassandra jars: {@code $RAFKA_CQL_LIB} or system property {@code rafka.cql.lib} if set,
     * else {@code cql-server/target/lib} in the working directory or the nearest parent that has
     * it (tests run in a module directory of the repository).
     *
     * @throws IllegalStateException naming the command that builds the folder
     */
    public static Path locateLibDir() {
        String explicit = System.getProperty("rafka.cql.lib", System.getenv(LIB_DIR_ENV));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            checkLibDir(p);
            return p;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(LIB_RELATIVE);
            if (Files.isDirectory(candidate) && hasCassandraJar(candidate)) {
                return candidate;
            }
            if (Files.exists(dir.resolve("cql-server/pom.xml"))) {
                throw new IllegalStateException("the Cassandra jars are missing: " + candidate
                        + " does not hold cassandra-all-*.jar; build it with: cd " + dir
                        + " && mvn -pl cql-server package");
            }
        }
        throw new IllegalStateException("no " + LIB_RELATIVE + " in " + start + " or its parents; run"
                + " mvn -pl cql-server package in the Rafka repository, or set " + LIB_DIR_ENV);
    }

    private static void checkLibDir(Path dir) {
        if (!Files.isDirectory(dir) || !hasCassandraJar(dir)) {
            throw new IllegalStateException(dir + " does not hold cassandra-all-*.jar; build it with: mvn -pl cql-server package");
        }
    }

    private static boolean hasCassandraJar(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("cassandra-all-"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A JDK that runs Cassandra 5.0: {@code $RAFKA_CQL_JAVA_HOME} if set; else this JVM's home if
     * it is version 11 or 17; else {@code $JAVA_HOME} if that is 11 or 17; else the first JDK 17
     * (then 11) under {@code /usr/lib/jvm}.
     *
     * @throws IllegalStateException when none is found, saying what to set
     */
    public static Path findJavaHome() {
        String explicit = System.getenv(JAVA_HOME_ENV);
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isExecutable(p.resolve("bin/java"))) {
                throw new IllegalStateException(JAVA_HOME_ENV + "=" + explicit + " has no bin/java");
            }
            return p;
        }
        int feature = Runtime.version().feature();
        if (feature == 17 || feature == 11) {
            return Path.of(System.getProperty("java.home"));
        }
        String javaHomeEnv = System.getenv("JAVA_HOME");
        if (javaHomeEnv != null && !javaHomeEnv.isBlank()) {
            int v = jdkFeature(Path.of(javaHomeEnv));
            if (v == 17 || v == 11) {
                return Path.of(javaHomeEnv);
            }
        }
        for (int wanted : new int[] {17, 11}) {
            try (DirectoryStream<Path> jdks = Files.newDirectoryStream(Path.of("/usr/lib/jvm"))) {
                List<Path> sorted = new ArrayList<>();
                jdks.forEach(sorted::add);
                sorted.sort(null);
                for (Path jdk : sorted) {
                    if (jdkFeature(jdk) == wanted && Files.isExecutable(jdk.resolve("bin/java"))) {
                        return jdk;
                    }
                }
            } catch (IOException e) {
                break;
            }
        }
        throw new IllegalStateException("Cassandra 5.0 needs JDK 11 or 17, and this JVM is " + feature
                + "; set " + JAVA_HOME_ENV + " to a JDK 17 home");
    }

    /** The feature version in a JDK's {@code release} file, or -1. */
    static int jdkFeature(Path home) {
        Path release = home.resolve("release");
        try (InputStream in = Files.newInputStream(release)) {
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("JAVA_VERSION", "").replace("\"", "");
            if (v.startsWith("1.")) {
                v = v.substring(2);
            }
            int end = 0;
            while (end < v.length() && Character.isDigit(v.charAt(end))) {
                end++;
            }
            return end == 0 ? -1 : Integer.parseInt(v.substring(0, end));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * {@code start|stop|status [workDir] [nativePort]}: runs a detached server for manual use
     * (benchmarks, trying the node). Default work directory {@code target/cql-local}; default
     * port: the last one used there, else a free one. Prints the contact point and pid.
     */
    public static void main(String[] args) throws IOException {
        String command = args.length > 0 ? args[0] : "status";
        Path workDir = Path.of(args.length > 1 ? args[1] : "target/cql-local").toAbsolutePath();
        switch (command) {
            case "start" -> {
                Builder b = builder(workDir).detached(true);
                if (args.length > 2) {
                    b.nativePort(Integer.parseInt(args[2]));
                }
                LocalCqlServer s = b.build().start();
                System.out.println("CQL server running: contact point 127.0.0.1:" + s.nativePort() + ", datacenter "
                        + LOCAL_DATACENTER + ", pid " + s.pid() + ", work dir " + workDir);
            }
            case "stop" -> System.out.println(stop(workDir, Duration.ofSeconds(30))
                    ? "CQL server in " + workDir + " stopped" : "no CQL server running in " + workDir);
            case "status" -> {
                Optional<Status> s = status(workDir);
                if (s.isEmpty() || !s.get().alive()) {
                    System.out.println("no CQL server running in " + workDir);
                    System.exit(3);
                }
                System.out.println("CQL server running: contact point 127.0.0.1:" + s.get().nativePort() + ", pid "
                        + s.get().pid() + (s.get().listening() ? ", serving CQL" : ", starting"));
            }
            default -> {
                System.err.println("usage: LocalCqlServer start|stop|status [workDir] [nativePort]");
                System.exit(2);
            }
        }
    }

    @Override
    public String toString() {
        return "LocalCqlServer[" + workDir + ", native port " + nativePort
                + (isRunning() ? ", pid " + process.pid() : ", stopped") + "]";
    }
}
