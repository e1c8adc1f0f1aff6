package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** README's "Chart values" table documents every value of values.yaml, and only those. */
class ReadmeValuesTableTest {

    /** Every path of values.yaml: inner maps and leaves (scalars, lists, empty maps). */
    private static void paths(String prefix, Map<?, ?> map, Set<String> all, Set<String> leaves) {
        map.forEach((k, v) -> {
            String path = prefix.isEmpty() ? String.valueOf(k) : prefix + "." + k;
            all.add(path);
            if (v instanceof Map<?, ?> nested && !nested.isEmpty()) {
                paths(path, nested, all, leaves);
            } else {
                leaves.add(path);
            }
        });
    }

    /** The value names in the first column of the README table under "### Chart values". */
    private static List<String> documented() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### Chart values");
        assertThat(start).as("README section 'Chart values'").isNotNegative();
        List<String> names = new ArrayList<>();
        for (String line : readme.substring(start).split("\n")) {
            if (line.startsWith("## ")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String firstColumn = line.substring(1, line.indexOf('|', 1));
            Matcher m = Pattern.compile("`([^`]+)`").matcher(firstColumn);
            while (m.find()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    @Test
    void everyValueIsDocumentedAndEveryDocumentedValueExists() throws IOException {
        Map<?, ?> values = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(Chart.DIR.resolve("values.yaml")));
        Set<String> all = new LinkedHashSet<>();
        Set<String> leaves = new LinkedHashSet<>();
        paths("", values, all, leaves);
        List<String> documented = documented();

        assertThat(documented).as("README rows naming values that do not exist").allMatch(all::contains);
        assertThat(leaves).as("values without a README row")
                .allMatch(leaf -> documented.stream().anyMatch(d -> leaf.equals(d) || leaf.startsWith(d + ".")));
    }
}
