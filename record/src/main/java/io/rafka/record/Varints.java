package io.rafka.record;

import java.nio.ByteBuffer;

/** Zig-zag variable-length integers, as in Protocol Buffers' sint32/sint64 and Kafka's records. */
final class Varints {
    private Varints() {
    }

    static int sizeOfVarint(int value) {
        int v = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((v & 0xffffff80) != 0) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((v & 0xffffffffffffff80L) != 0L) {
            bytes++;
            v >>>= 7;
        }
        return bytes;
    }

    static int writeVarint(int value, byte[] out, int pos) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & 0xffffff80) != 0) {
            out[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    static int writeVarlong(long value, byte[] out, int pos) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & 0xffffffffffffff80L) != 0L) {
            out[pos++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out[pos++] = (byte) v;
        return pos;
    }

    static int readVarint(ByteBuffer buf) {
        int raw = 0;
        int shift = 0;
        while (true) {
            if (shift > 28) {
                throw new CorruptBatchException("varint longer than 5 bytes");
            }
            byte b = buf.get();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }

    static long readVarlong(ByteBuffer buf) {
        long raw = 0;
        int shift = 0;
        while (true) {
            if (shift > 63) {
                throw new CorruptBatchException("varlong longer than 10 bytes");
            }
            byte b = buf.get();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
