package io.rafka.pastry.sim;

import io.rafka.pastry.PastryConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The targets at 10,000 nodes (about half a minute on two cores): average hops at or below
 * log16 N, every lookup correct on a stable network and right after 10 % of nodes fail at once, average
 * hops after repair within 5 % of the stable figure; and at least 99.9 % correct during churn (3,000 nodes,
 * a virtual hour). The 100,000-node figures come from {@link SimulatorMain}; see docs/architecture.md.
 */
class ScenariosIT {

    private static final long SEED = 42;

    @Test
    void tenThousandNodesMeetTheStableAndFailureTargets() {
        int n = 10_000;
        Scenarios.Options options = new Scenarios.Options(n, SEED, 10_000, Set.of("stable", "kill10"),
                PastryConfig.defaults(), false, 3_600_000, 3_600_000, 0.5, 1);
        List<ScenarioResult> results = new Scenarios(options, System.err).run();
        ScenarioResult stable = results.get(0);
        ScenarioResult before = results.get(1);
        ScenarioResult after = results.get(2);
        double log16 = Math.log(n) / Math.log(16);

        assertThat(stable.avgHops()).as("seed=%d %s", SEED, stable.line()).isLessThanOrEqualTo(log16);
        assertThat(stable.correct()).as("seed=%d %s", SEED, stable.line()).isEqualTo(1.0);
        assertThat(stable.stateAvg()).as("seed=%d %s", SEED, stable.line())
                .isLessThanOrEqualTo(15 * Math.ceil(log16) + 16);
        assertThat(before.correct()).as("seed=%d %s", SEED, before.line()).isEqualTo(1.0);
        assertThat(after.correct()).as("seed=%d %s", SEED, after.line()).isEqualTo(1.0);
        assertThat(after.avgHops()).as("seed=%d %s", SEED, after.line()).isLessThanOrEqualTo(stable.avgHops() * 1.05);
    }

    @Test
    void churnKeepsAtLeastNinetyNinePointNinePercentCorrect() {
        Scenarios.Options options = new Scenarios.Options(3_000, SEED, 10_000, Set.of("churn"),
                PastryConfig.defaults().withHeartbeatIntervalMillis(60_000), false, 3_600_000, 3_600_000, 0.5, 1);
        ScenarioResult churn = new Scenarios(options, System.err).run().get(0);
        assertThat(churn.correct()).as("seed=%d %s", SEED, churn.line()).isGreaterThanOrEqualTo(0.999);
    }
}
