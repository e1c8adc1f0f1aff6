package io.rafka.pastry.sim;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorMainTest {

    private static final String LINE = "pastry scenario=[a-z0-9-]+ nodes=\\d+ lookups=\\d+ avg_hops=\\d+\\.\\d+ p99_hops=\\d+ "
            + "max_hops=\\d+ correct=[01]\\.\\d+ state_avg=\\d+\\.\\d+ join_msgs=\\d+\\.\\d+";

    @Test
    void printsOneLinePerScenarioLastInTheDocumentedFormat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = SimulatorMain.run(new String[] {"--nodes", "200", "--lookups", "500", "--seed", "3",
                "--churn-minutes", "10"}, print(out), print(err));

        assertThat(status).isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines).allSatisfy(l -> assertThat(l).matches(LINE));
        assertThat(lines[0]).startsWith("pastry scenario=stable nodes=200 lookups=500 ").contains("correct=1.00000");
        assertThat(lines[1]).startsWith("pastry scenario=kill10-before ");
        assertThat(lines[2]).startsWith("pastry scenario=kill10-after ");
        assertThat(lines[3]).startsWith("pastry scenario=churn ");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("# build of 200 nodes done");
    }

    @Test
    void badArgumentsExitWithStatusTwoAndNameTheProblem() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(SimulatorMain.run(new String[] {"--nodes", "many"}, print(out), print(err))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--nodes must be an integer, was 'many'").contains("usage:");
        assertThat(SimulatorMain.run(new String[] {"--scenario", "storm"}, print(out), print(err))).isEqualTo(2);
        assertThat(SimulatorMain.run(new String[] {"--leaf-set", "7"}, print(out), print(err))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("leaf set size must be even and between 2 and 64, was 7");
        assertThat(SimulatorMain.run(new String[] {"--help"}, print(out), print(err))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--scenario");
    }

    @Test
    void sameSeedPrintsTheSameLines() {
        String[] args = {"--nodes", "150", "--lookups", "300", "--seed", "9", "--scenario", "stable,kill10"};
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        SimulatorMain.run(args, print(first), print(new ByteArrayOutputStream()));
        SimulatorMain.run(args, print(second), print(new ByteArrayOutputStream()));
        assertThat(second.toString(StandardCharsets.UTF_8)).isEqualTo(first.toString(StandardCharsets.UTF_8));
    }

    private static PrintStream print(ByteArrayOutputStream sink) {
        return new PrintStream(sink, true, StandardCharsets.UTF_8);
    }
}
