package io.rafka.supernode.internal;

import io.rafka.supernode.CommittedOffset;
import io.rafka.supernode.Lease;
import io.rafka.supernode.MetadataPersistence;
import io.rafka.supernode.TopicRecord;
import io.rafka.supernode.internal.OffsetOps.GroupOffsets;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The persisted form of one map's values: a format byte ({@value #FORMAT}) and the value's fields
 * in a fixed order, big-endian, strings as a length and UTF-8 bytes. Written by hand rather than
 * with Java serialization so that the stored bytes do not depend on class internals and reading
 * them never instantiates a class named by the data.
 *
 * <p>A group's offsets are stored without their fences: fences are generations of the group's
 * membership, which is not persisted, so after a restart they would refuse the commits of the
 * group's new generations.
 */
public sealed interface MetadataCodec<V> {
    byte FORMAT = 1;

    byte[] encode(V value);

    V decode(byte[] bytes);

    /**
     * A number that grows with every change of an entry holding {@code value}, or
     * {@link MetadataPersistence#NO_VERSION} when values have none.
     */
    default long version(V value) {
        return MetadataPersistence.NO_VERSION;
    }

    /** {@link TopicRecord}: name, partitions, config (count, then key and value), created-at, incarnation. */
    MetadataCodec<TopicRecord> TOPICS = new Topics();
    /** {@link Lease}: partition key, owner node id (empty when released), owner session id, epoch; versioned by epoch. */
    MetadataCodec<Lease> LEASES = new Leases();
    /** {@link GroupOffsets}: count, then topic, partition, offset, metadata, commit time per offset. */
    MetadataCodec<GroupOffsets> OFFSETS = new Offsets();
    /** A counter's next value, which is also its version. */
    MetadataCodec<Long> COUNTERS = new Counters();

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static <V> V read(byte[] bytes, String what, Reader<V> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("stored " + what + " has format " + format + "; this version reads "
                        + "format " + FORMAT + " only");
            }
            V value = reader.read(in);
            int left = in.available();
            if (left > 0) {
                throw new IllegalArgumentException("stored " + what + " has " + left + " of its " + bytes.length
                        + " bytes left over after its fields");
            }
            return value;
        } catch (EOFException e) {
            throw new IllegalArgumentException("stored " + what + " is truncated: " + bytes.length + " bytes", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > in.available()) {
            throw new IllegalArgumentException("a stored string claims " + length + " bytes, " + in.available() + " are left");
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static int readCount(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0 || count > in.available()) {
            throw new IllegalArgumentException("a stored count of " + count + " exceeds the " + in.available() + " bytes left");
        }
        return count;
    }

    @FunctionalInterface
    interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    @FunctionalInterface
    interface Reader<V> {
        V read(DataInputStream in) throws IOException;
    }

    final class Topics implements MetadataCodec<TopicRecord> {
        @Override
        public byte[] encode(TopicRecord t) {
            return write(out -> {
                writeString(out, t.name());
                out.writeInt(t.partitions());
                out.writeInt(t.config().size());
                for (Map.Entry<String, String> e : new TreeMap<>(t.config()).entrySet()) {
                    writeString(out, e.getKey());
                    writeString(out, e.getValue());
                }
                out.writeLong(t.createdAt());
                out.writeLong(t.incarnation());
            });
        }

        @Override
        public TopicRecord decode(byte[] bytes) {
            return read(bytes, "topic", in -> {
                String name = readString(in);
                int partitions = in.readInt();
                int entries = readCount(in);
                Map<String, String> config = new TreeMap<>();
                for (int i = 0; i < entries; i++) {
                    config.put(readString(in), readString(in));
                }
                return new TopicRecord(name, partitions, config, in.readLong(), in.readLong());
            });
        }
    }

    final class Leases implements MetadataCodec<Lease> {
        /** Twice the epoch, plus one once released: a release follows the grant of its epoch, and precedes the next. */
        @Override
        public long version(Lease l) {
            return 2L * l.epoch() + (l.isHeld() ? 0 : 1);
        }

        @Override
        public byte[] encode(Lease l) {
            return write(out -> {
                writeString(out, l.partitionKey());
                writeString(out, l.isHeld() ? l.ownerNodeId() : "");
                out.writeLong(l.ownerSessionId());
                out.writeInt(l.epoch());
            });
        }

        @Override
        public Lease decode(byte[] bytes) {
            return read(bytes, "lease", in -> {
                String key = readString(in);
                String owner = readString(in);
                return new Lease(key, owner.isEmpty() ? null : owner, in.readLong(), in.readInt());
            });
        }
    }

    final class Offsets implements MetadataCodec<GroupOffsets> {
        @Override
        public byte[] encode(GroupOffsets g) {
            return write(out -> {
                out.writeInt(g.offsets().size());
                for (CommittedOffset c : g.offsets()) {
                    writeString(out, c.topic());
                    out.writeInt(c.partition());
                    out.writeLong(c.offset());
                    writeString(out, c.metadata());
                    out.writeLong(c.commitTime());
                }
            });
        }

        @Override
        public GroupOffsets decode(byte[] bytes) {
            return read(bytes, "group offsets", in -> {
                int count = readCount(in);
                List<CommittedOffset> offsets = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    offsets.add(new CommittedOffset(readString(in), in.readInt(), in.readLong(), readString(in),
                            in.readLong()));
                }
                return new GroupOffsets(offsets);
            });
        }
    }

    final class Counters implements MetadataCodec<Long> {
        /** Counters only grow. */
        @Override
        public long version(Long value) {
            return value;
        }

        @Override
        public byte[] encode(Long value) {
            return write(out -> out.writeLong(value));
        }

        @Override
        public Long decode(byte[] bytes) {
            return read(bytes, "counter", DataInputStream::readLong);
        }
    }
}
