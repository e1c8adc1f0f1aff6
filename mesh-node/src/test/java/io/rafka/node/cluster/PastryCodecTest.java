package io.rafka.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PastryCodecTest {
    private static final NodeHandle A = new NodeHandle(NodeId.ofIdentity("node-0"), "127.0.0.1:9090");
    private static final NodeHandle B = new NodeHandle(NodeId.fromHex("ffffffffffffffff0000000000000001"), "10.0.0.2:9090");
    private static final NodeHandle C = new NodeHandle(NodeId.ZERO, "rafka-2.rafka.default.svc.cluster.local:9090");
    private static final NodeHandle UNICODE = new NodeHandle(NodeId.MAX, "nœud-é:1");

    static List<Message> everyType() {
        return List.of(
                new Message.JoinRequest(A, B, List.of(C, UNICODE), 3, true),
                new Message.JoinRequest(A, A, List.of(), 0, false),
                new Message.JoinReply(B, List.of(A, C)),
                new Message.JoinRejected(C, B.id(), "node id taken at 10.0.0.9:9090 \u2014 refused", false),
                new Message.NodeArrived(A, List.of(B, C, UNICODE)),
                new Message.ArrivalAck(B, List.of()),
                new Message.LeafSetRequest(C),
                new Message.LeafSetReply(A, List.of(B)),
                new Message.RowRequest(B, 31),
                new Message.RowReply(C, 0, List.of(A, B)),
                new Message.Heartbeat(UNICODE),
                new Message.Leave(A, List.of(B, C)),
                new Message.Lookup(B, Long.MIN_VALUE, NodeId.ofKey("orders/7"), A, 64, true));
    }

    @Test
    void everyMessageTypeRoundTripsToAnEqualRecord() {
        List<Message> messages = everyType();
        Set<Class<?>> covered = messages.stream().map(Object::getClass).collect(Collectors.toSet());
        assertThat(covered).as("every permitted Message type is covered")
                .containsExactlyInAnyOrder(Message.class.getPermittedSubclasses());
        for (Message m : messages) {
            byte[] wire = PastryCodec.encode(m);
            assertThat(PastryCodec.decode(wire)).as("%s", m).isEqualTo(m);
        }
    }

    @Test
    void aHeartbeatIsCompact() {
        // version, type, 16-byte id, 2-byte length, 14-byte address
        assertThat(PastryCodec.encode(new Message.Heartbeat(A))).hasSize(2 + 16 + 2 + "127.0.0.1:9090".length());
    }

    @Test
    void truncatedInputIsRejectedAtEveryLength() {
        for (Message m : everyType()) {
            byte[] wire = PastryCodec.encode(m);
            for (int n = 0; n < wire.length; n++) {
                byte[] cut = Arrays.copyOf(wire, n);
                assertThatThrownBy(() -> PastryCodec.decode(cut)).as("%s cut to %d bytes", m, n)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Test
    void trailingBytesUnknownTypesAndOtherVersionsAreRejected() {
        byte[] wire = PastryCodec.encode(new Message.Heartbeat(A));
        byte[] longer = Arrays.copyOf(wire, wire.length + 1);
        assertThatThrownBy(() -> PastryCodec.decode(longer)).hasMessageContaining("1 bytes left over");
        byte[] unknown = wire.clone();
        unknown[1] = 99;
        assertThatThrownBy(() -> PastryCodec.decode(unknown)).hasMessageContaining("unknown pastry message type 99");
        byte[] version = wire.clone();
        version[0] = 2;
        assertThatThrownBy(() -> PastryCodec.decode(version)).hasMessageContaining("version 2 is not supported");
    }

    @Test
    void invalidFieldValuesAreRejectedByTheRecords() {
        byte[] wire = PastryCodec.encode(new Message.RowRequest(A, 31));
        wire[wire.length - 1] = 32;
        assertThatThrownBy(() -> PastryCodec.decode(wire)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("row must be between 0 and 31, was 32");
        byte[] bool = PastryCodec.encode(new Message.JoinRejected(A, B.id(), "x", true));
        bool[bool.length - 1] = 7;
        assertThatThrownBy(() -> PastryCodec.decode(bool)).hasMessageContaining("must be 0 or 1, was 7");
    }

    @Test
    void oversizeAddressesAndListsAreRefused() {
        NodeHandle huge = new NodeHandle(A.id(), "h".repeat(PastryCodec.MAX_ADDRESS_BYTES + 1));
        assertThatThrownBy(() -> PastryCodec.encode(new Message.Heartbeat(huge)))
                .hasMessageContaining("exceeds the limit of " + PastryCodec.MAX_ADDRESS_BYTES);
        byte[] wire = PastryCodec.encode(new Message.LeafSetReply(A, List.of()));
        wire[wire.length - 2] = (byte) 0xff; // count 65,535 handles
        wire[wire.length - 1] = (byte) 0xff;
        assertThatThrownBy(() -> PastryCodec.decode(wire)).hasMessageContaining("exceeds the limit of " + PastryCodec.MAX_HANDLES);
    }
}
