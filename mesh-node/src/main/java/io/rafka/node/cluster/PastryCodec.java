package io.rafka.node.cluster;

import io.rafka.pastry.Message;
import io.rafka.pastry.NodeHandle;
import io.rafka.pastry.NodeId;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of Pastry {@link Message}s between mesh nodes: a compact, explicit binary encoding
 * (no Java serialization, so a peer can only ever make this node build the twelve message records).
 *
 * <pre>
 * message  = version:u8 (1) type:u8 body
 * handle   = id:16 bytes (big-endian hi, lo) address:string
 * string   = length:u16 UTF-8 bytes
 * handles  = count:u16 handle*
 * bool     = u8 (0 or 1)
 * JoinRequest   (1) = sender joiner candidates:handles hops:i32 closerOnly:bool
 * JoinReply     (2) = sender candidates:handles
 * JoinRejected  (3) = sender joinerId:16 bytes reason:string retryable:bool
 * NodeArrived   (4) = sender state:handles
 * ArrivalAck    (5) = sender leafSet:handles
 * LeafSetRequest(6) = sender
 * LeafSetReply  (7) = sender leafSet:handles
 * RowRequest    (8) = sender row:u8 (0 to 31)
 * RowReply      (9) = sender row:u8 entries:handles
 * Heartbeat    (10) = sender
 * Leave        (11) = sender leafSet:handles
 * Lookup       (12) = sender requestId:i64 key:16 bytes origin:handle hops:i32 closerOnly:bool
 * </pre>
 *
 * Decoding checks every length against the bytes left and the limits below and rejects trailing
 * bytes; the message records validate the rest (hops, rows). Stateless and thread-safe.
 */
public final class PastryCodec {
    static final int VERSION = 1;
    /** Longest address a handle may carry, in UTF-8 bytes. */
    static final int MAX_ADDRESS_BYTES = 1024;
    /** Most handles one list may carry: a join's candidates are about 16 per route hop plus a leaf set. */
    static final int MAX_HANDLES = 4096;

    private static final int JOIN_REQUEST = 1;
    private static final int JOIN_REPLY = 2;
    private static final int JOIN_REJECTED = 3;
    private static final int NODE_ARRIVED = 4;
    private static final int ARRIVAL_ACK = 5;
    private static final int LEAF_SET_REQUEST = 6;
    private static final int LEAF_SET_REPLY = 7;
    private static final int ROW_REQUEST = 8;
    private static final int ROW_REPLY = 9;
    private static final int HEARTBEAT = 10;
    private static final int LEAVE = 11;
    private static final int LOOKUP = 12;

    private PastryCodec() {
    }

    public static byte[] encode(Message message) {
        Writer w = new Writer();
        w.u8(VERSION);
        if (message instanceof Message.JoinRequest m) {
            w.u8(JOIN_REQUEST).handle(m.sender()).handle(m.joiner()).handles(m.candidates()).i32(m.hops())
                    .bool(m.closerOnly());
        } else if (message instanceof Message.JoinReply m) {
            w.u8(JOIN_REPLY).handle(m.sender()).handles(m.candidates());
        } else if (message instanceof Message.JoinRejected m) {
            w.u8(JOIN_REJECTED).handle(m.sender()).id(m.joinerId()).string(m.reason()).bool(m.retryable());
        } else if (message instanceof Message.NodeArrived m) {
            w.u8(NODE_ARRIVED).handle(m.sender()).handles(m.state());
        } else if (message instanceof Message.ArrivalAck m) {
            w.u8(ARRIVAL_ACK).handle(m.sender()).handles(m.leafSet());
        } else if (message instanceof Message.LeafSetRequest m) {
            w.u8(LEAF_SET_REQUEST).handle(m.sender());
        } else if (message instanceof Message.LeafSetReply m) {
            w.u8(LEAF_SET_REPLY).handle(m.sender()).handles(m.leafSet());
        } else if (message instanceof Message.RowRequest m) {
            w.u8(ROW_REQUEST).handle(m.sender()).u8(m.row());
        } else if (message instanceof Message.RowReply m) {
            w.u8(ROW_REPLY).handle(m.sender()).u8(m.row()).handles(m.entries());
        } else if (message instanceof Message.Heartbeat m) {
            w.u8(HEARTBEAT).handle(m.sender());
        } else if (message instanceof Message.Leave m) {
            w.u8(LEAVE).handle(m.sender()).handles(m.leafSet());
        } else if (message instanceof Message.Lookup m) {
            w.u8(LOOKUP).handle(m.sender()).i64(m.requestId()).id(m.key()).handle(m.origin()).i32(m.hops())
                    .bool(m.closerOnly());
        } else {
            throw new IllegalArgumentException("no wire form for pastry message " + message);
        }
        return w.toByteArray();
    }

    /** Decodes one message; {@link IllegalArgumentException} names what is wrong with malformed input. */
    public static Message decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            int version = u8(in);
            if (version != VERSION) {
                throw new IllegalArgumentException("pastry message version " + version + " is not supported (this node speaks "
                        + VERSION + ")");
            }
            int type = u8(in);
            Message m = switch (type) {
                case JOIN_REQUEST -> new Message.JoinRequest(handle(in), handle(in), handles(in), in.getInt(), bool(in));
                case JOIN_REPLY -> new Message.JoinReply(handle(in), handles(in));
                case JOIN_REJECTED -> new Message.JoinRejected(handle(in), id(in), string(in), bool(in));
                case NODE_ARRIVED -> new Message.NodeArrived(handle(in), handles(in));
                case ARRIVAL_ACK -> new Message.ArrivalAck(handle(in), handles(in));
                case LEAF_SET_REQUEST -> new Message.LeafSetRequest(handle(in));
                case LEAF_SET_REPLY -> new Message.LeafSetReply(handle(in), handles(in));
                case ROW_REQUEST -> new Message.RowRequest(handle(in), u8(in));
                case ROW_REPLY -> new Message.RowReply(handle(in), u8(in), handles(in));
                case HEARTBEAT -> new Message.Heartbeat(handle(in));
                case LEAVE -> new Message.Leave(handle(in), handles(in));
                case LOOKUP -> new Message.Lookup(handle(in), in.getLong(), id(in), handle(in), in.getInt(), bool(in));
                default -> throw new IllegalArgumentException("unknown pastry message type " + type);
            };
            if (in.hasRemaining()) {
                throw new IllegalArgumentException("pastry message of type " + type + " has " + in.remaining()
                        + " bytes left over after its last field");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("pastry message of " + bytes.length + " bytes is truncated");
        }
    }

    private static int u8(ByteBuffer in) {
        return in.get() & 0xff;
    }

    private static boolean bool(ByteBuffer in) {
        int b = u8(in);
        if (b > 1) {
            throw new IllegalArgumentException("boolean field must be 0 or 1, was " + b);
        }
        return b == 1;
    }

    private static NodeId id(ByteBuffer in) {
        return new NodeId(in.getLong(), in.getLong());
    }

    private static String string(ByteBuffer in) {
        int length = in.getShort() & 0xffff;
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] b = new byte[length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static NodeHandle handle(ByteBuffer in) {
        NodeId id = id(in);
        int length = in.getShort() & 0xffff;
        if (length > MAX_ADDRESS_BYTES) {
            throw new IllegalArgumentException("node address of " + length + " bytes exceeds the limit of "
                    + MAX_ADDRESS_BYTES + " bytes");
        }
        if (length > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] b = new byte[length];
        in.get(b);
        return new NodeHandle(id, new String(b, StandardCharsets.UTF_8));
    }

    private static List<NodeHandle> handles(ByteBuffer in) {
        int count = in.getShort() & 0xffff;
        if (count > MAX_HANDLES) {
            throw new IllegalArgumentException("list of " + count + " node handles exceeds the limit of " + MAX_HANDLES);
        }
        List<NodeHandle> out = new ArrayList<>(Math.min(count, in.remaining() / 18 + 1));
        for (int i = 0; i < count; i++) {
            out.add(handle(in));
        }
        return out;
    }

    /** A growing big-endian byte buffer. */
    private static final class Writer {
        private ByteBuffer out = ByteBuffer.allocate(128);

        private void room(int n) {
            if (out.remaining() < n) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + n));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
        }

        Writer u8(int v) {
            room(1);
            out.put((byte) v);
            return this;
        }

        Writer bool(boolean v) {
            return u8(v ? 1 : 0);
        }

        Writer i32(int v) {
            room(4);
            out.putInt(v);
            return this;
        }

        Writer i64(long v) {
            room(8);
            out.putLong(v);
            return this;
        }

        Writer id(NodeId id) {
            room(16);
            out.putLong(id.hi()).putLong(id.lo());
            return this;
        }

        Writer string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 0xffff) {
                throw new IllegalArgumentException("string of " + b.length + " UTF-8 bytes exceeds the limit of 65535");
            }
            room(2 + b.length);
            out.putShort((short) b.length).put(b);
            return this;
        }

        Writer handle(NodeHandle h) {
            byte[] b = h.address().getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_ADDRESS_BYTES) {
                throw new IllegalArgumentException("node address of " + b.length + " bytes exceeds the limit of "
                        + MAX_ADDRESS_BYTES + " bytes: " + h.address());
            }
            id(h.id());
            room(2 + b.length);
            out.putShort((short) b.length).put(b);
            return this;
        }

        Writer handles(List<NodeHandle> list) {
            if (list.size() > MAX_HANDLES) {
                throw new IllegalArgumentException("list of " + list.size() + " node handles exceeds the limit of "
                        + MAX_HANDLES);
            }
            room(2);
            out.putShort((short) list.size());
            for (NodeHandle h : list) {
                handle(h);
            }
            return this;
        }

        byte[] toByteArray() {
            byte[] b = new byte[out.position()];
            out.flip();
            out.get(b);
            return b;
        }
    }
}
