package io.rafka.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's configuration table must list every key with its environment name and default. */
class ReadmeConfigurationTableTest {

    @Test
    void everyConfigurationKeyIsDocumentedWithItsDefault() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (NodeConfig.Key key : NodeConfig.KEYS) {
            assertThat(readme).as("README row for %s", key.name())
                    .contains("| `" + key.name() + "` | `" + key.envName() + "` | `" + key.defaultValue() + "` |");
        }
    }
}
