package io.rafka.supernode;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordsTest {

    @Test
    void aTopicNamesItsStorageAndPartitionKeysAfterItsIncarnation() {
        TopicRecord topic = new TopicRecord("orders", 3, Map.of("retention.ms", "1000"), 0, 7);

        assertThat(topic.storageName()).isEqualTo("orders~7");
        assertThat(topic.partitionKey(2)).isEqualTo("orders~7/2");
        assertThatThrownBy(() -> topic.partitionKey(3))
                .hasMessage("partition 3 is out of range for topic 'orders' with 3 partitions");
    }

    @Test
    void aTopicRefusesBadValuesNamingThem() {
        Map<String, String> withNull = new HashMap<>();
        withNull.put("retention.ms", null);

        assertThatThrownBy(() -> new TopicRecord("orders", 0, Map.of(), 0, 1))
                .hasMessage("topic 'orders' must have at least 1 partition, got 0");
        assertThatThrownBy(() -> new TopicRecord("", 1, Map.of(), 0, 1)).hasMessage("topic name is empty");
        assertThatThrownBy(() -> new TopicRecord("orders", 1, withNull, 0, 1))
                .hasMessage("config of topic 'orders' has a null key or value: retention.ms=null");
        assertThatThrownBy(() -> new TopicRecord("orders", 1, Map.of(), 0, 0))
                .hasMessage("incarnation of topic 'orders' must be at least 1, got 0");
    }

    @Test
    void aTopicsConfigIsACopy() {
        Map<String, String> config = new HashMap<>(Map.of("a", "1"));
        TopicRecord topic = new TopicRecord("t", 1, config, 0, 1);

        config.put("b", "2");

        assertThat(topic.config()).isEqualTo(Map.of("a", "1"));
    }

    @Test
    void aLeaseHasAnOwnerAndSessionOrNeither() {
        assertThatThrownBy(() -> new Lease("k", null, 5, 1))
                .hasMessage("lease 'k' needs an owner node id and a non-zero session id, or neither; got owner 'null' session 5");
        assertThatThrownBy(() -> new Lease("k", "n", 0, 1))
                .hasMessage("lease 'k' needs an owner node id and a non-zero session id, or neither; got owner 'n' session 0");
        assertThatThrownBy(() -> new Lease("k", "n", 1, 0)).hasMessage("epoch of lease 'k' must be at least 1, got 0");
    }

    @Test
    void aLeaseIsGrantedAtTheNextEpochAndReleasedAtTheSame() {
        Lease lease = new Lease("k", "a", 11, 4);
        NodeSession b = new NodeSession("b", "name", 22, "", "", false, 0, false);

        Lease granted = lease.grantedTo("b", 22);

        assertThat(granted).isEqualTo(new Lease("k", "b", 22, 5));
        assertThat(granted.isHeldBy(b)).isTrue();
        assertThat(lease.isHeldBy(b)).isFalse();
        assertThat(granted.released()).isEqualTo(new Lease("k", null, 0, 5));
        assertThat(granted.released().isHeld()).isFalse();
    }

    @Test
    void aCommittedOffsetIsNeverNegativeAndItsMetadataNeverNull() {
        assertThat(new CommittedOffset("t", 0, 0, null, 0).metadata()).isEmpty();
        assertThatThrownBy(() -> new CommittedOffset("t", 1, -1, "", 0))
                .hasMessage("offset for t/1 must not be negative, got -1");
        assertThatThrownBy(() -> new CommittedOffset("t", -1, 0, "", 0))
                .hasMessage("partition of topic 't' must not be negative, got -1");
    }

    @Test
    void aSessionIsLiveUntilItsDeadlineUnlessDead() {
        NodeSession session = new NodeSession("n", "name", 1, "", "", false, 1_000, false);

        assertThat(session.isLiveAt(1_000)).isTrue();
        assertThat(session.isLiveAt(1_001)).isFalse();
        assertThat(new NodeSession("n", "name", 1, "", "", false, 1_000, true).isLiveAt(0)).isFalse();
    }

    @Test
    void blockingCallsFailFastOnAnEventLoopThread() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread eventLoop = new Thread(() -> {
            try {
                Checks.requireBlockingAllowed("acquire");
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "vert.x-eventloop-thread-3");

        eventLoop.start();
        eventLoop.join();

        assertThat(failure.get()).isInstanceOf(IllegalStateException.class)
                .hasMessage("SupernodeStore.acquire blocks on remote calls: call it from a worker thread, not from the "
                        + "event loop thread vert.x-eventloop-thread-3");
        Checks.requireBlockingAllowed("acquire"); // fine on this thread
    }
}
