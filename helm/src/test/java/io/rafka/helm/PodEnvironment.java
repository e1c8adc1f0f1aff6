package io.rafka.helm;

import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.EnvVar;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment the kubelet gives the node container of one pod: field references resolved
 * to the pod's name and IP, secret references to the given Secret data, and {@code $(VAR)}
 * references to variables declared EARLIER in the list (as Kubernetes expands them; a later or
 * unknown one stays as written).
 */
final class PodEnvironment {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");

    private PodEnvironment() {
    }

    static Map<String, String> of(Chart.Rendered chart, int ordinal, Map<String, String> secretData) {
        String podName = chart.statefulSet().getMetadata().getName() + "-" + ordinal;
        String podIp = "10.1.0." + (ordinal + 10);
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar e : chart.container("rafka").getEnv()) {
            String value;
            if (e.getValueFrom() == null) {
                value = expand(e.getValue() == null ? "" : e.getValue(), env);
            } else if (e.getValueFrom().getFieldRef() != null) {
                String path = e.getValueFrom().getFieldRef().getFieldPath();
                value = switch (path) {
                    case "metadata.name" -> podName;
                    case "status.podIP" -> podIp;
                    default -> fail("unexpected field reference %s", path);
                };
            } else if (e.getValueFrom().getSecretKeyRef() != null) {
                String key = e.getValueFrom().getSecretKeyRef().getKey();
                value = secretData.get(key);
                if (value == null) {
                    fail("the Secret has no key %s", key);
                }
            } else {
                value = fail("unexpected valueFrom in %s", e);
            }
            env.put(e.getName(), value);
        }
        return env;
    }

    private static String expand(String value, Map<String, String> earlier) {
        Matcher m = REFERENCE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String replacement = earlier.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
