package io.rafka.supernode;

import io.rafka.testkit.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(SharedCluster.class)
class SessionsIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final SupernodeStore onFull;
    private final SupernodeStore onLite;

    SessionsIT(TestCluster cluster) {
        onFull = new SupernodeStore(cluster.full(1));
        onLite = new SupernodeStore(cluster.lite(0));
    }

    @Test
    void renewExtendsTheSessionPastItsFirstDeadline() {
        NodeSession session = onLite.register("renewed", "renewed", "127.0.0.1:9001", "127.0.0.1:8001", true, Duration.ofMillis(1500), Duration.ZERO);

        assertThat(onLite.renew(session, Duration.ofSeconds(20))).isTrue();
        Poll.until(WAIT, "the first deadline passes", () -> System.currentTimeMillis() > session.expiresAtMs() + 100);

        NodeSession live = liveSession(onFull, "renewed");
        assertThat(live.sessionId()).isEqualTo(session.sessionId());
        assertThat(live.expiresAtMs()).isGreaterThanOrEqualTo(session.expiresAtMs() + 18_000);
        assertThat(live.supernode()).isTrue();
        assertThat(live.grpcAddress()).isEqualTo("127.0.0.1:9001");
        assertThat(onFull.renew(session, Duration.ofSeconds(20))).isTrue();
        assertThat(onFull.expireIfDue("renewed", session.sessionId())).isFalse();
    }

    @Test
    void anExpiredSessionCanNeverBeRenewed() {
        NodeSession session = onLite.register("expiring", "expiring", "127.0.0.1:9002", "127.0.0.1:8002", false, Duration.ofMillis(500), Duration.ZERO);

        Poll.until(WAIT, "the session expires", () -> onFull.liveSessions().stream().noneMatch(s -> s.nodeId().equals("expiring")));

        assertThat(onLite.renew(session, Duration.ofSeconds(20))).isFalse();
        assertThat(onFull.renew(session, Duration.ofSeconds(20))).isFalse();
        assertThat(onLite.expireIfDue("expiring", session.sessionId())).isTrue();
        assertThat(onLite.liveSessions()).extracting(NodeSession::nodeId).doesNotContain("expiring");
    }

    @Test
    void expireIfDueIsFalseWhileLiveThenTrueForever() {
        NodeSession session = onFull.register("monotonic", "monotonic", "127.0.0.1:9003", "127.0.0.1:8003", false, Duration.ofMillis(1500), Duration.ZERO);
        assertThat(onLite.expireIfDue("monotonic", session.sessionId())).isFalse();

        Poll.until(WAIT, "expireIfDue declares the session dead", () -> onLite.expireIfDue("monotonic", session.sessionId()));

        assertThat(onFull.renew(session, Duration.ofSeconds(20))).isFalse();
        assertThat(onFull.expireIfDue("monotonic", session.sessionId())).isTrue();
        NodeSession next = onFull.register("monotonic", "monotonic", "127.0.0.1:9003", "127.0.0.1:8003", false, Duration.ofSeconds(20), Duration.ZERO);
        assertThat(next.sessionId()).isNotEqualTo(session.sessionId());
        assertThat(onLite.expireIfDue("monotonic", session.sessionId())).as("replaced").isTrue();
        assertThat(onLite.expireIfDue("monotonic", next.sessionId())).isFalse();
        assertThat(onLite.expireIfDue("never-registered", 42)).as("absent").isTrue();
    }

    @Test
    void aReleasedSessionIsDead() {
        NodeSession session = onLite.register("leaving", "leaving", "127.0.0.1:9004", "127.0.0.1:8004", false, Duration.ofSeconds(20), Duration.ZERO);

        onLite.release(session);

        assertThat(onFull.expireIfDue("leaving", session.sessionId())).isTrue();
        assertThat(onFull.renew(session, Duration.ofSeconds(20))).isFalse();
        assertThat(onFull.liveSessions()).extracting(NodeSession::nodeId).doesNotContain("leaving");
    }

    @Test
    void aDuplicateNodeIdIsRefusedWhileTheOtherSessionIsRenewedThenWaitedOutOnceItStops() throws Exception {
        NodeSession other = onFull.register("twin", "twin", "127.0.0.1:9005", "127.0.0.1:8005", false, Duration.ofSeconds(1), Duration.ZERO);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();
        renewer.scheduleAtFixedRate(() -> onFull.renew(other, Duration.ofSeconds(1)), 100, 100, TimeUnit.MILLISECONDS);
        try {
            assertThatThrownBy(() -> onLite.register("twin", "twin", "127.0.0.1:9006", "127.0.0.1:8006", false, Duration.ofSeconds(20), Duration.ofMillis(1500)))
                    .isInstanceOf(DuplicateNodeIdException.class)
                    .hasMessageContaining("node id 'twin'")
                    .hasMessageContaining("127.0.0.1:9005");
        } finally {
            renewer.shutdownNow();
            assertThat(renewer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        // The other node stopped renewing, like a crashed predecessor: its session is waited out.
        NodeSession mine = onLite.register("twin", "twin", "127.0.0.1:9006", "127.0.0.1:8006", false, Duration.ofSeconds(20), Duration.ofSeconds(10));

        assertThat(mine.sessionId()).isNotEqualTo(other.sessionId());
        assertThat(onFull.renew(other, Duration.ofMillis(600))).isFalse();
        assertThat(liveSession(onFull, "twin").grpcAddress()).isEqualTo("127.0.0.1:9006");
    }

    @Test
    void aCrashedPredecessorIsWaitedOut() {
        NodeSession crashed = onFull.register("restarted", "restarted", "127.0.0.1:9007", "127.0.0.1:8007", false, Duration.ofMillis(700), Duration.ZERO);

        NodeSession restarted = onLite.register("restarted", "restarted", "127.0.0.1:9007", "127.0.0.1:8007", false, Duration.ofSeconds(20), Duration.ofSeconds(10));

        assertThat(System.currentTimeMillis()).isGreaterThan(crashed.expiresAtMs());
        assertThat(restarted.sessionId()).isNotEqualTo(crashed.sessionId());
        assertThat(onLite.renew(crashed, Duration.ofSeconds(20))).isFalse();
        assertThat(onLite.renew(restarted, Duration.ofSeconds(20))).isTrue();
    }

    @Test
    void liveSessionsAreSortedByNodeId() {
        onLite.register("sorted-b", "sorted-b", "127.0.0.1:9008", "127.0.0.1:8008", false, Duration.ofSeconds(20), Duration.ZERO);
        onFull.register("sorted-a", "sorted-a", "127.0.0.1:9009", "127.0.0.1:8009", true, Duration.ofSeconds(20), Duration.ZERO);

        assertThat(onLite.liveSessions()).extracting(NodeSession::nodeId).filteredOn(id -> id.startsWith("sorted-"))
                .containsExactly("sorted-a", "sorted-b");
    }

    private static NodeSession liveSession(SupernodeStore store, String nodeId) {
        return store.liveSessions().stream().filter(s -> s.nodeId().equals(nodeId)).findFirst()
                .orElseThrow(() -> new AssertionError("no live session of " + nodeId));
    }
}
