package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.rafka.node.config.NodeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code helm template} renders from the chart's defaults plus the required Scylla contact points. */
class ChartTemplateTest {
    @TempDir
    static Path tmp;
    static Chart.Rendered chart;

    @BeforeAll
    static void render() {
        chart = Chart.render(tmp, Chart.REQUIRED);
    }

    private static int containerPort(Container c, String name) {
        return c.getPorts().stream().filter(p -> p.getName().equals(name)).map(ContainerPort::getContainerPort)
                .findFirst().orElseThrow();
    }

    @Test
    void theMeshIsAParallelStatefulSetWhosePodsTheHeadlessServiceNames() {
        StatefulSet sts = chart.statefulSet();
        Service headless = chart.service("rafka-headless");

        assertThat(sts.getMetadata().getName()).isEqualTo("rafka");
        assertThat(sts.getSpec().getPodManagementPolicy()).isEqualTo("Parallel");
        assertThat(sts.getSpec().getServiceName()).isEqualTo(headless.getMetadata().getName());
        assertThat(sts.getSpec().getReplicas()).isEqualTo(3);
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses()).as("peers find each other before ready").isTrue();
        Map<String, String> podLabels = sts.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(sts.getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(headless.getSpec().getSelector());
        assertThat(headless.getSpec().getPorts()).extracting(ServicePort::getName, ServicePort::getPort)
                .contains(org.assertj.core.groups.Tuple.tuple("cluster", 5701), org.assertj.core.groups.Tuple.tuple("grpc", 9090));
    }

    @Test
    void clientsReachGrpcThroughTheClientServiceOnPort9090() {
        Service client = chart.service("rafka");

        assertThat(client.getSpec().getType()).isEqualTo("ClusterIP");
        assertThat(client.getSpec().getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getPort()).isEqualTo(9090);
            assertThat(p.getTargetPort()).isEqualTo(new IntOrString("grpc"));
        });
        assertThat(containerPort(chart.container("rafka"), "grpc")).isEqualTo(9090);
        assertThat(chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(client.getSpec().getSelector());
    }

    @Test
    void probesAskTheNodesHealthEndpointsOnTheHttpPort() {
        Container node = chart.container("rafka");
        Probe readiness = node.getReadinessProbe();
        Probe liveness = node.getLivenessProbe();

        assertThat(readiness.getHttpGet().getPath()).isEqualTo("/health/ready");
        assertThat(liveness.getHttpGet().getPath()).isEqualTo("/health/live");
        assertThat(node.getStartupProbe().getHttpGet().getPath()).isEqualTo("/health/live");
        for (Probe p : List.of(readiness, liveness, node.getStartupProbe())) {
            assertThat(p.getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
        }
        assertThat(containerPort(node, "http")).isEqualTo(9091);
        assertThat(chart.envValue("RAFKA_HTTP_PORT")).isEqualTo("9091");
        assertThat(node.getStartupProbe().getFailureThreshold() * node.getStartupProbe().getPeriodSeconds())
                .as("seconds a starting node has to connect to Scylla and join").isGreaterThanOrEqualTo(120);
    }

    @Test
    void thePodNameIsTheNodeNameAndThePodIpTheClusterAddress() {
        Map<String, EnvVar> env = chart.env();

        assertThat(env.get("RAFKA_NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
        assertThat(env.get("RAFKA_CLUSTER_HOST").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
        assertThat(chart.envValue("RAFKA_GRPC_ADVERTISED_ADDRESS"))
                .isEqualTo("$(RAFKA_NODE_NAME).rafka-headless.mesh.svc.cluster.local:9090");
        assertThat(new ArrayList<>(env.keySet()).indexOf("RAFKA_NODE_NAME"))
                .as("Kubernetes expands $(RAFKA_NODE_NAME) only when it is declared before")
                .isLessThan(new ArrayList<>(env.keySet()).indexOf("RAFKA_GRPC_ADVERTISED_ADDRESS"));
        assertThat(chart.envValue("RAFKA_GRPC_PORT")).isEqualTo("9090");
        assertThat(chart.envValue("RAFKA_CLUSTER_PORT")).isEqualTo("5701");
        assertThat(chart.envValue("RAFKA_CLUSTER_ENABLED")).isEqualTo("true");
        assertThat(chart.envValue("RAFKA_STORAGE_ENGINE")).isEqualTo("scylla");
    }

    @Test
    void everyRafkaVariableIsASettingTheNodeReads() {
        List<String> known = NodeConfig.KEYS.stream().map(NodeConfig.Key::envName).toList();
        assertThat(chart.env().keySet().stream().filter(n -> n.startsWith("RAFKA_")))
                .as("the node ignores RAFKA_* variables it does not know: a typo would be silent")
                .allMatch(known::contains);
    }

    @Test
    void eachPodGetsAConfigurationTheNodeAccepts() {
        for (int ordinal = 0; ordinal < 3; ordinal++) {
            NodeConfig config = NodeConfig.load(Optional.empty(), PodEnvironment.of(chart, ordinal, Map.of()), Map.of());

            assertThat(config.nodeName()).isEqualTo("rafka-" + ordinal);
            assertThat(config.advertisedAddress()).isEqualTo("rafka-" + ordinal + ".rafka-headless.mesh.svc.cluster.local:9090");
            assertThat(config.cluster().orElseThrow().host()).isEqualTo("10.1.0." + (ordinal + 10));
            assertThat(config.cluster().orElseThrow().supernode()).as("default supernodes = min(3, replicas)").isTrue();
            assertThat(config.scylla().orElseThrow().contactPoints()).containsExactly("scylla-client.scylla.svc.cluster.local:9042");
            assertThat(config.cache().describe()).contains("redis");
        }
    }

    @Test
    void scyllaSettingsAreHandedToEveryNode() {
        Chart.Rendered custom = Chart.render(tmp, """
                scylla:
                  contactPoints: [scylla-0.scylla:9042, scylla-1.scylla:9042]
                  localDatacenter: eu-west-1
                  keyspace: orders_mesh
                  replicationStrategy: SimpleStrategy
                  replicationFactor: 2
                  writeConsistency: QUORUM
                  readConsistency: LOCAL_ONE
                  requestTimeoutMs: 8000
                """);

        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_CONTACT_POINTS")).isEqualTo("scylla-0.scylla:9042,scylla-1.scylla:9042");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_LOCAL_DATACENTER")).isEqualTo("eu-west-1");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_KEYSPACE")).isEqualTo("orders_mesh");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_REPLICATION_STRATEGY")).isEqualTo("SimpleStrategy");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_REPLICATION_FACTOR")).isEqualTo("2");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_WRITE_CONSISTENCY")).isEqualTo("QUORUM");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_READ_CONSISTENCY")).isEqualTo("LOCAL_ONE");
        assertThat(custom.envValue("RAFKA_STORAGE_SCYLLA_REQUEST_TIMEOUT_MS")).isEqualTo("8000");
        assertThat(custom.env()).doesNotContainKeys("RAFKA_STORAGE_SCYLLA_USERNAME", "RAFKA_STORAGE_SCYLLA_PASSWORD",
                "RAFKA_STORAGE_SCYLLA_TLS_ENABLED");
        assertThat(custom.secrets()).as("no credentials, no Secret").isEmpty();
    }

    @Test
    void aRedisSidecarServesTheCacheByDefaultOnlyInsideThePod() {
        assertThat(chart.containers()).extracting(Container::getName).containsExactly("rafka", "redis");
        Container redis = chart.container("redis");

        assertThat(redis.getImage()).startsWith("redis:");
        assertThat(String.join(" ", redis.getArgs())).contains("--bind 127.0.0.1", "--port 6379", "--maxmemory 256mb");
        assertThat(chart.envValue("RAFKA_CACHE_KIND")).isEqualTo("redis");
        assertThat(chart.envValue("RAFKA_CACHE_HOST")).isEqualTo("127.0.0.1");
        assertThat(chart.envValue("RAFKA_CACHE_PORT")).isEqualTo("6379");
        assertThat(redis.getResources().getLimits()).containsKey("memory");
    }

    @Test
    void theCacheSidecarCanBeMemcachedOrNone() {
        Chart.Rendered memcached = Chart.render(tmp, Chart.REQUIRED + "cache:\n  kind: memcached\n");
        assertThat(memcached.containers()).extracting(Container::getName).containsExactly("rafka", "memcached");
        assertThat(String.join(" ", memcached.container("memcached").getArgs())).contains("-l 127.0.0.1", "-p 11211", "-m 256");
        assertThat(memcached.envValue("RAFKA_CACHE_KIND")).isEqualTo("memcached");
        assertThat(memcached.envValue("RAFKA_CACHE_PORT")).isEqualTo("11211");

        Chart.Rendered none = Chart.render(tmp, Chart.REQUIRED + "cache:\n  kind: none\n");
        assertThat(none.containers()).extracting(Container::getName).containsExactly("rafka");
        assertThat(none.envValue("RAFKA_CACHE_KIND")).isEqualTo("none");
        assertThat(none.env()).doesNotContainKeys("RAFKA_CACHE_HOST", "RAFKA_CACHE_PORT");
    }

    @Test
    void aPasswordGivenAsAValueReachesThePodsOnlyThroughASecret() {
        String password = "Pw-only-in-the-secret-7713";
        Chart.Rendered withPassword = Chart.render(tmp, Chart.REQUIRED + """
                  auth:
                    username: rafka_app
                    password: %s
                """.formatted(password));
        String base64 = Base64.getEncoder().encodeToString(password.getBytes(StandardCharsets.UTF_8));

        Secret secret = withPassword.one(Secret.class, "rafka-scylla");
        assertThat(secret.getData()).containsEntry("password", base64)
                .containsEntry("username", Base64.getEncoder().encodeToString("rafka_app".getBytes(StandardCharsets.UTF_8)));
        assertThat(withPassword.yaml()).as("the password in clear text, anywhere").doesNotContain(password);
        assertThat(withPassword.yaml().split(base64, -1)).as("its base64 form, outside the Secret").hasSize(2);
        String statefulSet = new io.fabric8.kubernetes.client.utils.KubernetesSerialization().asYaml(withPassword.statefulSet());
        assertThat(statefulSet).doesNotContain(password).doesNotContain(base64);
        for (String name : List.of("RAFKA_STORAGE_SCYLLA_USERNAME", "RAFKA_STORAGE_SCYLLA_PASSWORD")) {
            EnvVar e = withPassword.env().get(name);
            assertThat(e.getValue()).as(name).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("rafka-scylla");
        }
        assertThat(withPassword.env().get("RAFKA_STORAGE_SCYLLA_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
                .isEqualTo("password");
        assertThat(withPassword.statefulSet().getSpec().getTemplate().getMetadata().getAnnotations())
                .as("a new password rolls the pods").containsKey("checksum/scylla-secret");

        NodeConfig node = NodeConfig.load(Optional.empty(), PodEnvironment.of(withPassword, 0,
                Map.of("username", "rafka_app", "password", password)), Map.of());
        assertThat(node.scylla().orElseThrow().credentials().orElseThrow().username()).isEqualTo("rafka_app");
    }

    @Test
    void credentialsFromAnExistingSecretAreReferencedAndNoSecretIsCreated() {
        Chart.Rendered existing = Chart.render(tmp, Chart.REQUIRED + """
                  auth:
                    existingSecret: scylla-credentials
                    usernameKey: user
                    passwordKey: pass
                """);

        assertThat(existing.secrets()).isEmpty();
        assertThat(existing.env().get("RAFKA_STORAGE_SCYLLA_USERNAME").getValueFrom().getSecretKeyRef())
                .satisfies(ref -> {
                    assertThat(ref.getName()).isEqualTo("scylla-credentials");
                    assertThat(ref.getKey()).isEqualTo("user");
                });
        assertThat(existing.env().get("RAFKA_STORAGE_SCYLLA_PASSWORD").getValueFrom().getSecretKeyRef())
                .satisfies(ref -> {
                    assertThat(ref.getName()).isEqualTo("scylla-credentials");
                    assertThat(ref.getKey()).isEqualTo("pass");
                });
    }

    @Test
    void theTruststoreIsMountedFromASecretAndItsPasswordReadFromIt() {
        Chart.Rendered tls = Chart.render(tmp, Chart.REQUIRED + """
                  tls:
                    enabled: true
                    truststoreSecret: scylla-ca
                    truststoreKey: ca.p12
                    truststorePasswordKey: storepass
                    hostnameValidation: false
                """);
        PodSpec pod = tls.statefulSet().getSpec().getTemplate().getSpec();

        Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals("scylla-tls")).findFirst().orElseThrow();
        assertThat(volume.getSecret().getSecretName()).isEqualTo("scylla-ca");
        assertThat(tls.container("rafka").getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("scylla-tls");
            assertThat(m.getMountPath()).isEqualTo("/etc/rafka/scylla-tls");
            assertThat(m.getReadOnly()).isTrue();
        });
        assertThat(tls.envValue("RAFKA_STORAGE_SCYLLA_TLS_ENABLED")).isEqualTo("true");
        assertThat(tls.envValue("RAFKA_STORAGE_SCYLLA_TLS_TRUSTSTORE")).isEqualTo("/etc/rafka/scylla-tls/ca.p12");
        assertThat(tls.envValue("RAFKA_STORAGE_SCYLLA_TLS_HOSTNAME_VALIDATION")).isEqualTo("false");
        assertThat(tls.env().get("RAFKA_STORAGE_SCYLLA_TLS_TRUSTSTORE_PASSWORD").getValueFrom().getSecretKeyRef())
                .satisfies(ref -> {
                    assertThat(ref.getName()).isEqualTo("scylla-ca");
                    assertThat(ref.getKey()).isEqualTo("storepass");
                });
    }

    @Test
    void podsCarryPrometheusScrapeAnnotationsForMetricsOnTheHttpPort() {
        assertThat(chart.statefulSet().getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/path", "/metrics")
                .containsEntry("prometheus.io/port", "9091");

        Chart.Rendered off = Chart.render(tmp, Chart.REQUIRED + "metrics:\n  scrape: false\n");
        assertThat(Optional.ofNullable(off.statefulSet().getSpec().getTemplate().getMetadata().getAnnotations()).orElse(Map.of()))
                .doesNotContainKey("prometheus.io/scrape");
    }

    @Test
    void theNodeContainerHasRequestsAndLimitsAndTheJvmFollowsTheLimit() {
        Container node = chart.container("rafka");

        assertThat(node.getResources().getRequests()).containsEntry("cpu", new Quantity("500m"))
                .containsEntry("memory", new Quantity("1Gi"));
        assertThat(node.getResources().getLimits()).as("no CPU limit: throttling shows as latency")
                .containsOnlyKeys("memory").containsEntry("memory", new Quantity("1Gi"));
        assertThat(chart.envValue("JDK_JAVA_OPTIONS")).doesNotContain("-Xmx");

        Chart.Rendered bigger = Chart.render(tmp, Chart.REQUIRED + """
                resources:
                  requests: {cpu: "2", memory: 4Gi}
                  limits: {memory: 4Gi}
                """);
        assertThat(bigger.container("rafka").getResources().getLimits()).containsEntry("memory", new Quantity("4Gi"));
        assertThat(bigger.container("rafka").getResources().getRequests()).containsEntry("cpu", new Quantity("2"));
    }

    @Test
    void aDisruptionBudgetLetsOnePodGoAtATime() {
        PodDisruptionBudget pdb = chart.pdb();

        assertThat(pdb.getSpec().getMaxUnavailable()).isEqualTo(new IntOrString(1));
        assertThat(chart.statefulSet().getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void podsRunAsTheImagesNonRootUserWithAReadOnlyRootFilesystem() {
        PodSpec pod = chart.statefulSet().getSpec().getTemplate().getSpec();

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(DockerfileTest.imageUid());
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        for (Container c : chart.containers()) {
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
        }
        assertThat(chart.container("rafka").getVolumeMounts()).extracting(m -> m.getMountPath())
                .contains("/tmp", "/var/lib/rafka");
    }

    @Test
    void furtherSettingsBecomeRafkaVariables() {
        Chart.Rendered configured = Chart.render(tmp, Chart.REQUIRED + """
                config:
                  topic.default-partitions: 12
                  storage.scylla.bucket-offsets: "50000"
                """);

        assertThat(configured.envValue("RAFKA_TOPIC_DEFAULT_PARTITIONS")).isEqualTo("12");
        assertThat(configured.envValue("RAFKA_STORAGE_SCYLLA_BUCKET_OFFSETS")).isEqualTo("50000");
        NodeConfig node = NodeConfig.load(Optional.empty(), PodEnvironment.of(configured, 1, Map.of()), Map.of());
        assertThat(node.defaultPartitions()).isEqualTo(12);
    }

    @Test
    void theChartRendersOnlyTheObjectsItDocuments() {
        assertThat(chart.objects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("StatefulSet/rafka", "Service/rafka", "Service/rafka-headless",
                        "PodDisruptionBudget/rafka");
        assertThat(chart.objects()).allSatisfy(o -> assertThat(o.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/instance", "rafka"));
    }
}
