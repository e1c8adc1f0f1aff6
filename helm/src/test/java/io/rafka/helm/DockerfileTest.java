package io.rafka.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The image definition (there is no Docker engine here to build it: its instructions are checked). */
class DockerfileTest {
    private static final Path DOCKERFILE = Path.of("Dockerfile");

    /** One instruction: its keyword and its arguments, continuation lines joined. */
    record Instruction(String keyword, String arguments) {
    }

    static List<Instruction> instructions() {
        List<String> lines;
        try {
            lines = Files.readAllLines(DOCKERFILE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty() && current.isEmpty()) {
                continue;
            }
            boolean continues = trimmed.endsWith("\\");
            current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continues) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                out.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
                current.setLength(0);
            }
        }
        return out;
    }

    static List<Instruction> all(String keyword) {
        return instructions().stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    /** The ENTRYPOINT's exec-form array. */
    static List<String> entrypoint() {
        List<Instruction> entrypoints = all("ENTRYPOINT");
        assertThat(entrypoints).hasSize(1);
        String json = entrypoints.get(0).arguments();
        assertThat(json).as("exec form: java is PID 1 and gets SIGTERM").startsWith("[").endsWith("]");
        List<String> args = new ArrayList<>();
        Matcher m = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
        while (m.find()) {
            args.add(m.group(1));
        }
        return args;
    }

    /** The user id the image runs as. */
    static long imageUid() {
        List<Instruction> users = all("USER");
        assertThat(users).isNotEmpty();
        return Long.parseLong(users.get(users.size() - 1).arguments().split(":")[0]);
    }

    @Test
    void theImageIsTheTemurin17JreWithTheMavenOutput() {
        assertThat(all("FROM")).singleElement().extracting(Instruction::arguments).isEqualTo("eclipse-temurin:17-jre");
        assertThat(all("COPY")).extracting(Instruction::arguments).containsExactly(
                "mesh-node/target/lib/ /opt/rafka/lib/",
                "mesh-node/target/rafka-mesh-node.jar /opt/rafka/rafka-mesh-node.jar");
    }

    @Test
    void itRunsAsANumericNonRootUser() {
        assertThat(imageUid()).isEqualTo(10001);
        List<Instruction> all = instructions();
        int lastUser = all.lastIndexOf(all("USER").get(all("USER").size() - 1));
        assertThat(all.subList(lastUser, all.size())).as("nothing runs as root after USER")
                .noneMatch(i -> i.keyword().equals("RUN"));
        assertThat(all("RUN")).anySatisfy(r -> assertThat(r.arguments()).contains("--uid 10001"));
    }

    @Test
    void theHeapFollowsTheContainerMemoryLimit() {
        assertThat(entrypoint()).anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage="));
        assertThat(instructions()).as("no fixed heap anywhere").noneMatch(i -> i.arguments().contains("-Xmx"));
        assertThat(entrypoint()).noneMatch(a -> a.startsWith("-Xms") || a.startsWith("-Xmx"));
    }

    @Test
    void theEntrypointStartsANodeWithHazelcastsJdk17Flags() {
        List<String> args = entrypoint();

        assertThat(args.get(0)).isEqualTo("java");
        assertThat(args.subList(args.size() - 2, args.size())).containsExactly("io.rafka.node.cli.RafkaCli", "start");
        assertThat(String.join(" ", args)).contains(
                "--add-modules java.se",
                "--add-exports java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens java.base/java.lang=ALL-UNNAMED",
                "--add-opens java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens java.management/sun.management=ALL-UNNAMED",
                "--add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp /opt/rafka/rafka-mesh-node.jar:/opt/rafka/lib/*");
    }

    @Test
    void theChartsPortsAreTheImagesPorts() {
        assertThat(all("EXPOSE")).singleElement().extracting(Instruction::arguments).isEqualTo("9090 9091 5701");
    }
}
