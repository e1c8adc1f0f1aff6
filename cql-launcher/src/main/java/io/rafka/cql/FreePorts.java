package io.rafka.cql;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for a server that binds them a moment later (a CQL server, a node JVM, a cache
 * server). Racy by nature, as every free-port pick is, but taken in [{@value #FIRST},
 * {@value #END}), below the kernel's ephemeral range (32768-60999 on Linux): a port from binding
 * port 0 is an ephemeral one, which the outgoing connection of any process on the machine may take
 * before the server binds it (seen in CI). A port is handed out at most once per JVM.
 */
public final class FreePorts {
    static final int FIRST = 20_000;
    static final int END = 32_000;
    private static final int ATTEMPTS = 1_000;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port no one listened on when checked, never handed out before by this JVM. */
    public static int pick() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = FIRST + ThreadLocalRandom.current().nextInt(END - FIRST);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                return port;
            } catch (IOException inUse) {
                // try another
            }
        }
        throw new IllegalStateException("no free loopback port in [" + FIRST + ", " + END + ") after " + ATTEMPTS
                + " attempts");
    }
}
