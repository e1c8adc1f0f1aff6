package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The chart in {@code helm/rafka}, rendered by Helm itself (helm-java runs Helm's Go code in
 * process: no binary, no cluster) as release {@code rafka} in namespace {@code mesh}, and parsed
 * into typed Kubernetes objects.
 */
final class Chart {
    static final Path DIR = Path.of("rafka");
    static final String RELEASE = "rafka";
    static final String NAMESPACE = "mesh";
    /** Rendered for this Kubernetes version (helm template alone assumes 1.20, below the chart's kubeVersion). */
    static final String KUBE_VERSION = "v1.31.0";
    /** The least a user must give: the Scylla contact points, which have no default. */
    static final String REQUIRED = """
            scylla:
              contactPoints: [scylla-client.scylla.svc.cluster.local:9042]
            """;
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Chart() {
    }

    /** The manifests {@code helm template} renders from {@code valuesYaml} (a values file). */
    static Rendered render(Path tmp, String valuesYaml) {
        String yaml = template(tmp, valuesYaml);
        Object parsed = SERIALIZATION.unmarshal(yaml);
        List<HasMetadata> objects = parsed instanceof List<?> list
                ? list.stream().map(HasMetadata.class::cast).toList()
                : List.of((HasMetadata) parsed);
        return new Rendered(yaml, objects);
    }

    /** The error {@code helm template} stops with for {@code valuesYaml}; fails the test when it renders. */
    static String renderError(Path tmp, String valuesYaml) {
        try {
            template(tmp, valuesYaml);
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        return fail("rendered although the values are invalid:%n%s", valuesYaml);
    }

    private static String template(Path tmp, String valuesYaml) {
        try {
            Path values = Files.createTempFile(tmp, "values", ".yaml");
            Files.writeString(values, valuesYaml);
            return new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION)
                    .withValuesFile(values).call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One rendering: the YAML text and the objects in it. */
    record Rendered(String yaml, List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> kind) {
            return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> kind, String name) {
            List<T> found = all(kind).stream().filter(o -> o.getMetadata().getName().equals(name)).toList();
            assertThat(found).as("%s named %s", kind.getSimpleName(), name).hasSize(1);
            return found.get(0);
        }

        StatefulSet statefulSet() {
            List<StatefulSet> sets = all(StatefulSet.class);
            assertThat(sets).hasSize(1);
            return sets.get(0);
        }

        Service service(String name) {
            return one(Service.class, name);
        }

        PodDisruptionBudget pdb() {
            List<PodDisruptionBudget> pdbs = all(PodDisruptionBudget.class);
            assertThat(pdbs).hasSize(1);
            return pdbs.get(0);
        }

        List<Secret> secrets() {
            return all(Secret.class);
        }

        List<Container> containers() {
            return statefulSet().getSpec().getTemplate().getSpec().getContainers();
        }

        Container container(String name) {
            return containers().stream().filter(c -> c.getName().equals(name)).findFirst()
                    .orElseGet(() -> fail("no container %s in %s", name, containers().stream().map(Container::getName).toList()));
        }

        /** The node container's environment by name, in declaration order. */
        Map<String, EnvVar> env() {
            Map<String, EnvVar> env = new LinkedHashMap<>();
            container("rafka").getEnv().forEach(e -> {
                assertThat(env).as("environment variable %s declared twice", e.getName()).doesNotContainKey(e.getName());
                env.put(e.getName(), e);
            });
            return env;
        }

        /** A plain (not valueFrom) environment value of the node container. */
        String envValue(String name) {
            EnvVar e = env().get(name);
            assertThat(e).as("environment variable %s", name).isNotNull();
            assertThat(e.getValueFrom()).as("%s is a plain value", name).isNull();
            return e.getValue();
        }
    }
}
