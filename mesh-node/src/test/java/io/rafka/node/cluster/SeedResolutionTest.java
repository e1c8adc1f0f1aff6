package io.rafka.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import io.rafka.node.config.ClusterConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeedResolutionTest {
    private static final String POD0 = "rafka-0.rafka-headless.default.svc.cluster.local";
    private static final String POD1 = "rafka-1.rafka-headless.default.svc.cluster.local";

    /** A DNS whose records appear after a number of failed lookups, as a StatefulSet pod's do. */
    private static final class ScriptedDns implements SeedResolution.Dns {
        final Map<String, List<InetAddress>> records = new HashMap<>();
        final Map<String, Integer> failuresLeft = new HashMap<>();

        ScriptedDns record(String host, int failuresFirst, String... ips) {
            records.put(host, Arrays.stream(ips).map(ScriptedDns::ip).toList());
            failuresLeft.put(host, failuresFirst);
            return this;
        }

        @Override
        public synchronized List<InetAddress> lookup(String host) throws UnknownHostException {
            if (host.matches("[0-9.:]+")) {
                return List.of(ip(host));
            }
            int left = failuresLeft.getOrDefault(host, Integer.MAX_VALUE);
            if (left > 0 || !records.containsKey(host)) {
                failuresLeft.put(host, left - 1);
                throw new UnknownHostException(host);
            }
            return records.get(host);
        }

        static InetAddress ip(String literal) {
            try {
                return InetAddress.getByName(literal); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }

    private static ClusterConfig node(String host, String... seeds) {
        return new ClusterConfig(host, 5701, List.of(seeds), true, 1, Duration.ofMillis(2500), Duration.ofSeconds(5),
                Duration.ofSeconds(30));
    }

    @Test
    void aSeedNameThatDoesNotResolveYetIsAskedAgainUntilItDoes() {
        ScriptedDns dns = new ScriptedDns().record(POD0, 0, "10.0.0.1").record(POD1, 2, "10.0.0.2");
        SeedResolution seeds = new SeedResolution(node("10.0.0.1", POD0 + ":5701", POD1 + ":5701"), dns);

        assertThat(seeds.attempt()).isFalse();
        assertThat(seeds.unresolved()).containsExactly(POD1 + ":5701");
        assertThat(seeds.attempt()).isFalse();
        assertThat(seeds.attempt()).isTrue();

        assertThat(seeds.unresolved()).isEmpty();
        assertThat(seeds.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    }

    @Test
    void aSeedWhoseNameResolvesToThisNodeLetsItFoundTheCluster() {
        ScriptedDns dns = new ScriptedDns().record(POD0, 1, "10.0.0.1").record(POD1, 0, "10.0.0.2");
        SeedResolution pod0 = new SeedResolution(node("10.0.0.1", POD0 + ":5701", POD1 + ":5701"), dns);

        pod0.attempt();
        assertThat(pod0.mayStartAlone()).as("its own name does not resolve yet").isFalse();
        pod0.attempt();
        assertThat(pod0.mayStartAlone()).isTrue();
        assertThat(pod0.isSelf(POD0 + ":5701")).isTrue();
        assertThat(pod0.isSelf(POD1 + ":5701")).isFalse();

        SeedResolution pod2 = new SeedResolution(node("10.0.0.3", POD0 + ":5701", POD1 + ":5701"), dns);
        pod2.attempt();
        assertThat(pod2.mayStartAlone()).as("a pod that is not among the seeds must join").isFalse();
    }

    @Test
    void theSameAddressOnAnotherPortIsAnotherNode() {
        ScriptedDns dns = new ScriptedDns().record("localhost", 0, "127.0.0.1");
        SeedResolution seeds = new SeedResolution(node("127.0.0.1", "localhost:5702"), dns);
        seeds.attempt();
        assertThat(seeds.mayStartAlone()).isFalse();
        assertThat(seeds.members()).containsExactly("127.0.0.1:5702");
    }

    @Test
    void membersKeepTheAddressFamilyOfTheClusterHost() {
        ScriptedDns dns = new ScriptedDns().record("localhost", 0, "127.0.0.1", "::1");
        SeedResolution v4 = new SeedResolution(node("127.0.0.1", "localhost:5702", "10.0.0.9:5701"), dns);
        v4.attempt();
        assertThat(v4.members()).containsExactly("127.0.0.1:5702", "10.0.0.9:5701");

        SeedResolution v6 = new SeedResolution(node("::1", "localhost:5702"), dns);
        v6.attempt();
        assertThat(v6.members()).containsExactly("127.0.0.1:5702", "[0:0:0:0:0:0:0:1]:5702");
    }

    @Test
    void anUnresolvedSeedIsHandedOnAsConfigured() {
        SeedResolution seeds = new SeedResolution(node("10.0.0.1", POD1 + ":5701"), new ScriptedDns());
        seeds.attempt();
        assertThat(seeds.members()).containsExactly(POD1 + ":5701");
    }

    @Test
    void awaitCompletesOnceEverySeedResolves() throws Exception {
        ScriptedDns dns = new ScriptedDns().record(POD0, 0, "10.0.0.1").record(POD1, 2, "10.0.0.2");
        SeedResolution seeds = SeedResolution.await(node("10.0.0.1", POD0 + ":5701", POD1 + ":5701"), dns)
                .get(20, TimeUnit.SECONDS);
        assertThat(seeds.unresolved()).isEmpty();
        assertThat(seeds.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    }

    @Test
    void awaitGivesUpAfterTheSeedWaitAndReportsWhatDidNotResolve() throws Exception {
        ClusterConfig cc = new ClusterConfig("10.0.0.1", 5701, List.of(POD1 + ":5701", "10.0.0.9:5701"), true, 1,
                Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ZERO);
        SeedResolution seeds = SeedResolution.await(cc, new ScriptedDns()).get(20, TimeUnit.SECONDS);
        assertThat(seeds.unresolved()).containsExactly(POD1 + ":5701");
        assertThat(seeds.members()).containsExactly(POD1 + ":5701", "10.0.0.9:5701");
    }

    @Test
    void hazelcastIsGivenTheResolvedAddressesNotTheNames() {
        // Bound to one interface, Hazelcast keeps a member NAME only when it resolves to that interface's
        // address: in Kubernetes every other pod's name would be dropped. Addresses are kept as they are.
        ScriptedDns dns = new ScriptedDns().record(POD0, 0, "10.0.0.1").record(POD1, 0, "10.0.0.2");
        ClusterConfig cc = node("10.0.0.2", POD0 + ":5701", POD1 + ":5701");
        SeedResolution seeds = new SeedResolution(cc, dns);
        seeds.attempt();

        Config hz = ClusterBootstrap.hazelcastConfig("rafka", "rafka-1", cc, seeds.members(), Optional.empty());

        assertThat(hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
        assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.2");
    }
}
