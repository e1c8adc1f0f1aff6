package io.rafka.node.cluster;

import io.rafka.node.config.ClusterConfig;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster seeds as DNS answers for them. The pods of a StatefulSet start together and a pod's
 * DNS name resolves only once the pod has an address, so a seed may not resolve yet when a node
 * starts: {@link #await} keeps asking until every seed resolves or {@code cluster.seed-wait-ms}
 * passes, rather than joining, or founding a cluster of its own, on a partial view.
 *
 * <p>Resolution also tells which seed is this node itself (its name resolves to
 * {@code cluster.host} on {@code cluster.port}), so a pod listed in the seeds by its DNS name may
 * found the cluster, and gives the cluster transport addresses instead of names: Hazelcast, bound
 * to one interface, silently drops a member name that resolves to any other address.
 *
 * <p>Not thread-safe: one start-up thread drives it.
 */
final class SeedResolution {
    private static final Logger LOG = LoggerFactory.getLogger(SeedResolution.class);
    private static final Duration RETRY = Duration.ofMillis(500);

    /** Name lookups: the JDK's resolver, or a scripted one in tests. */
    @FunctionalInterface
    interface Dns {
        Dns SYSTEM = host -> List.of(InetAddress.getAllByName(host));

        List<InetAddress> lookup(String host) throws UnknownHostException;
    }

    private final ClusterConfig cc;
    private final Dns dns;
    /** Each seed ({@code host:port} as configured) to its addresses, empty while it does not resolve. */
    private final Map<String, List<InetAddress>> addresses = new LinkedHashMap<>();
    private List<InetAddress> self = List.of();

    SeedResolution(ClusterConfig cc, Dns dns) {
        this.cc = cc;
        this.dns = dns;
        cc.seeds().forEach(seed -> addresses.put(seed, List.of()));
    }

    /** Looks up every seed (and this node's own host) that has not resolved yet; true when all have. */
    boolean attempt() {
        if (self.isEmpty()) {
            self = lookup(cc.host());
        }
        addresses.replaceAll((seed, found) -> found.isEmpty() ? lookup(host(seed)) : found);
        return unresolved().isEmpty();
    }

    /** Seeds whose host name did not resolve (yet). */
    List<String> unresolved() {
        return addresses.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
    }

    /** Whether this node may found a new cluster: it has no seeds, or one of them is this node itself. */
    boolean mayStartAlone() {
        return cc.mayStartAlone() || cc.seeds().stream().anyMatch(this::isSelf);
    }

    /** Whether {@code seed} names this node: its own address, or a name resolving to it on its port. */
    boolean isSelf(String seed) {
        return seed.equals(cc.address()) || port(seed) == cc.port()
                && addresses.getOrDefault(seed, List.of()).stream().anyMatch(self::contains);
    }

    /**
     * The seeds for the cluster transport, {@code address:port}: each resolved name by every address
     * of the family {@code cluster.host} uses (an IPv4 host cannot reach an IPv6 seed), each
     * unresolved one as configured.
     */
    List<String> members() {
        boolean ipv4Only = self.stream().allMatch(a -> a instanceof Inet4Address) && !self.isEmpty();
        List<String> members = new ArrayList<>();
        addresses.forEach((seed, found) -> {
            if (found.isEmpty()) {
                members.add(seed);
                return;
            }
            found.stream().filter(a -> !ipv4Only || a instanceof Inet4Address).forEach(a -> {
                String ip = a.getHostAddress();
                members.add((a instanceof Inet6Address ? "[" + ip + "]" : ip) + ":" + port(seed));
            });
        });
        return members.stream().distinct().toList();
    }

    /**
     * Resolves the seeds of {@code cc}, retrying every half second on a thread of its own until
     * every seed resolves or {@code cc.seedWait()} has passed; completes either way (unresolved
     * seeds are logged and left to the join to report).
     */
    static CompletableFuture<SeedResolution> await(ClusterConfig cc, Dns dns) {
        SeedResolution seeds = new SeedResolution(cc, dns);
        CompletableFuture<SeedResolution> done = new CompletableFuture<>();
        if (seeds.attempt()) {
            done.complete(seeds);
            return done;
        }
        LOG.info("waiting up to {} ms for cluster.seeds {} to resolve", cc.seedWait().toMillis(), seeds.unresolved());
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rafka-seed-dns");
            t.setDaemon(true);
            return t;
        });
        long deadline = System.nanoTime() + cc.seedWait().toNanos();
        retries.scheduleWithFixedDelay(() -> {
            try {
                boolean all = seeds.attempt();
                if (all || System.nanoTime() - deadline >= 0) {
                    if (!all) {
                        LOG.warn("cluster.seeds {} did not resolve within cluster.seed-wait-ms={}; joining through the others",
                                seeds.unresolved(), cc.seedWait().toMillis());
                    }
                    done.complete(seeds);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
            if (done.isDone()) {
                retries.shutdown();
            }
        }, RETRY.toMillis(), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    private List<InetAddress> lookup(String host) {
        try {
            return dns.lookup(host);
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    private static String host(String seed) {
        String host = seed.substring(0, seed.lastIndexOf(':'));
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String seed) {
        return Integer.parseInt(seed.substring(seed.lastIndexOf(':') + 1));
    }
}
