package io.rafka.storage.local.internal;

import io.rafka.record.RecordBatch;
import io.rafka.storage.TimestampOffset;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment of a partition log: the {@code .log} file of whole batches starting at
 * {@link #baseOffset}, its sparse offset index and its time index (both held in the heap and
 * written to {@code .index} / {@code .timeindex} when the segment is sealed or the log closes).
 *
 * <p>Index entries on disk, big-endian: {@code .index} = (relative offset int32, file position
 * int32) every {@code indexIntervalBytes} of log; {@code .timeindex} = (max timestamp int64,
 * relative offset int32) when the segment's max timestamp grew and at least
 * {@code indexIntervalBytes} passed since the previous entry, plus a final entry holding the
 * segment's largest timestamp.
 *
 * <p>Threading: the owning log's drain task is the only writer; readers call {@link #locate},
 * {@link #findTimestamp} and {@link #read} concurrently, always bounded by a published size.
 */
final class Segment {
    private static final Logger log = LoggerFactory.getLogger(Segment.class);

    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    static final String TMP_SUFFIX = ".tmp";
    private static final int OFFSET_ENTRY_BYTES = 8;
    private static final int TIME_ENTRY_BYTES = 12;
    /** Header bytes a scan needs: through maxTimestamp. */
    private static final int SCAN_HEADER_BYTES = RecordBatch.MAX_TIMESTAMP_OFFSET + 8;
    private static final int SCAN_BLOCK_BYTES = 8 * 1024;
    private static final int RECOVERY_BLOCK_BYTES = 1024 * 1024;

    final long baseOffset;
    private final Path logFile;
    private final Path indexFile;
    private final Path timeIndexFile;
    private final FileChannel channel;
    private final int indexIntervalBytes;
    private final IndexEntries offsetIndex = new IndexEntries();
    private final IndexEntries timeIndex = new IndexEntries();

    /** Bytes of whole batches in the file. Final once the segment is sealed. */
    private volatile int size;
    /** Largest batch max timestamp written; may run ahead of what readers may see. */
    private volatile long maxTimestamp = Long.MIN_VALUE;

    // Writer-only state.
    private long offsetOfMaxTimestamp = -1;
    private int bytesSinceOffsetEntry;
    private int bytesSinceTimeEntry;

    private Segment(Path dir, long baseOffset, int indexIntervalBytes, boolean create) throws IOException {
        this.baseOffset = baseOffset;
        String name = fileName(baseOffset);
        this.logFile = dir.resolve(name + LOG_SUFFIX);
        this.indexFile = dir.resolve(name + INDEX_SUFFIX);
        this.timeIndexFile = dir.resolve(name + TIME_INDEX_SUFFIX);
        this.indexIntervalBytes = indexIntervalBytes;
        this.channel = create
                ? FileChannel.open(logFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    static Segment create(Path dir, long baseOffset, int indexIntervalBytes) throws IOException {
        Files.deleteIfExists(dir.resolve(fileName(baseOffset) + INDEX_SUFFIX));
        Files.deleteIfExists(dir.resolve(fileName(baseOffset) + TIME_INDEX_SUFFIX));
        return new Segment(dir, baseOffset, indexIntervalBytes, true);
    }

    static Segment open(Path dir, long baseOffset, int indexIntervalBytes) throws IOException {
        return new Segment(dir, baseOffset, indexIntervalBytes, false);
    }

    /** The 20-digit zero-padded base offset every file of a segment is named by. */
    static String fileName(long baseOffset) {
        return String.format("%020d", baseOffset);
    }

    int size() {
        return size;
    }

    long maxTimestamp() {
        return maxTimestamp;
    }

    Path logFile() {
        return logFile;
    }

    // ---------------------------------------------------------------- writing (drain task only)

    /**
     * Records a batch about to be written at {@code position} in the indexes. Entries may run
     * ahead of the published size; readers never look past it.
     */
    void indexBatch(long batchBaseOffset, int position, int batchSize, long batchMaxTimestamp) {
        int rel = (int) (batchBaseOffset - baseOffset);
        if (bytesSinceOffsetEntry >= indexIntervalBytes) {
            offsetIndex.append(rel, position);
            bytesSinceOffsetEntry = 0;
        }
        bytesSinceOffsetEntry += batchSize;
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = batchBaseOffset;
            if (timeIndex.count() == 0 || bytesSinceTimeEntry >= indexIntervalBytes) {
                timeIndex.append(batchMaxTimestamp, rel);
                bytesSinceTimeEntry = 0;
            }
        }
        bytesSinceTimeEntry += batchSize;
    }

    /** Writes {@code buffers} at {@code position}, all of them. */
    void write(ByteBuffer[] buffers, int position, long bytes) throws IOException {
        channel.position(position);
        long written = 0;
        while (written < bytes) {
            written += channel.write(buffers);
        }
    }

    void setSize(int size) {
        this.size = size;
    }

    void force() throws IOException {
        channel.force(false);
    }

    /** Cuts the file back to {@code newSize} bytes, e.g. after a failed append. */
    void truncateFile(int newSize) throws IOException {
        channel.truncate(newSize);
        size = newSize;
    }

    /**
     * Adds the final time index entry and writes both index files (via a temporary file and an
     * atomic rename, so a crash never leaves a half-written index under the real name).
     */
    void writeIndexes(boolean force) throws IOException {
        if (maxTimestamp > timeIndex.lastKey()) {
            timeIndex.append(maxTimestamp, offsetOfMaxTimestamp - baseOffset);
        }
        int n = offsetIndex.count();
        ByteBuffer offsets = ByteBuffer.allocate(n * OFFSET_ENTRY_BYTES);
        for (int i = 0; i < n; i++) {
            offsets.putInt((int) offsetIndex.key(i)).putInt((int) offsetIndex.value(i));
        }
        int t = timeIndex.count();
        ByteBuffer times = ByteBuffer.allocate(t * TIME_ENTRY_BYTES);
        for (int i = 0; i < t; i++) {
            times.putLong(timeIndex.key(i)).putInt((int) timeIndex.value(i));
        }
        writeAtomically(indexFile, offsets.flip(), force);
        writeAtomically(timeIndexFile, times.flip(), force);
    }

    private static void writeAtomically(Path target, ByteBuffer content, boolean force) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + TMP_SUFFIX);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (content.hasRemaining()) {
                ch.write(content);
            }
            if (force) {
                ch.force(true);
            }
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    void close() throws IOException {
        channel.close();
    }

    void deleteFiles() throws IOException {
        channel.close();
        Files.deleteIfExists(logFile);
        Files.deleteIfExists(indexFile);
        Files.deleteIfExists(timeIndexFile);
    }

    // ---------------------------------------------------------------- opening (before publication)

    /**
     * Loads the index files of a sealed or cleanly closed segment. False when one is missing or
     * fails the sanity checks (entry size, monotone keys, positions inside the file); the caller
     * then rebuilds it with {@link #recover}.
     */
    boolean loadIndexes() throws IOException {
        long fileSize = channel.size();
        if (fileSize > Integer.MAX_VALUE) {
            return false;
        }
        ByteBuffer offsets;
        ByteBuffer times;
        try {
            offsets = ByteBuffer.wrap(Files.readAllBytes(indexFile));
            times = ByteBuffer.wrap(Files.readAllBytes(timeIndexFile));
        } catch (NoSuchFileException e) {
            return false;
        }
        if (offsets.remaining() % OFFSET_ENTRY_BYTES != 0 || times.remaining() % TIME_ENTRY_BYTES != 0) {
            return false;
        }
        long prevRel = 0;
        long prevPos = 0;
        while (offsets.hasRemaining()) {
            int rel = offsets.getInt();
            int pos = offsets.getInt();
            if (rel <= prevRel || pos <= prevPos || pos >= fileSize) {
                return false;
            }
            offsetIndex.append(rel, pos);
            prevRel = rel;
            prevPos = pos;
        }
        long prevTs = Long.MIN_VALUE;
        long prevTimeRel = 0;
        while (times.hasRemaining()) {
            long ts = times.getLong();
            int rel = times.getInt();
            if (ts <= prevTs || rel < prevTimeRel) {
                return false;
            }
            timeIndex.append(ts, rel);
            prevTs = ts;
            prevTimeRel = rel;
        }
        size = (int) fileSize;
        if (timeIndex.count() > 0) {
            maxTimestamp = timeIndex.lastKey();
            offsetOfMaxTimestamp = baseOffset + timeIndex.lastValue();
        }
        bytesSinceOffsetEntry = (int) fileSize - (int) offsetIndex.lastValue();
        bytesSinceTimeEntry = bytesSinceOffsetEntry;
        return true;
    }

    /** Result of a recovery scan: the offset after the last good batch, and whether bytes were cut. */
    record Recovery(long nextOffset, boolean truncated) {
    }

    /**
     * Scans batches from {@code fromPosition} (a batch boundary; 0 = the whole segment) to the
     * end of the file, checking each batch's size, CRC and base offset continuity, rebuilding the
     * index entries of what it scans and truncating the file at the first bad batch. Empty when
     * {@code fromPosition > 0} and no good batch starts there: the index that named the position
     * is wrong, and nothing was truncated.
     */
    Optional<Recovery> recover(int fromPosition, long expectedBaseOffset) throws IOException {
        int fromRel = (int) (expectedBaseOffset - baseOffset);
        if (fromPosition == 0) {
            offsetIndex.truncate(0);
            timeIndex.truncate(0);
            bytesSinceOffsetEntry = 0;
        } else {
            offsetIndex.truncate(offsetIndex.floor(fromRel) + 1);
            timeIndex.truncate(Math.max(0, countTimeEntriesBelow(fromRel)));
            bytesSinceOffsetEntry = 0;
        }
        maxTimestamp = timeIndex.count() == 0 ? Long.MIN_VALUE : timeIndex.lastKey();
        offsetOfMaxTimestamp = timeIndex.count() == 0 ? -1 : baseOffset + timeIndex.lastValue();
        bytesSinceTimeEntry = indexIntervalBytes;

        long fileSize = channel.size();
        long next = expectedBaseOffset;
        long pos = fromPosition;
        String problem = null;
        ByteBuffer block = ByteBuffer.allocate((int) Math.min(RECOVERY_BLOCK_BYTES, Math.max(fileSize - pos, 0)));
        long blockStart = pos;
        block.limit(0);
        while (pos < fileSize) {
            if (fileSize - pos < RecordBatch.HEADER_SIZE) {
                problem = "a partial batch header of " + (fileSize - pos) + " bytes";
                break;
            }
            if (pos - blockStart + RecordBatch.LOG_OVERHEAD > block.limit()) {
                blockStart = pos;
                block = fill(block, pos, fileSize);
            }
            int length = block.getInt((int) (pos - blockStart) + RecordBatch.LENGTH_OFFSET);
            long batchSize = (long) length + RecordBatch.LOG_OVERHEAD;
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD || pos + batchSize > fileSize
                    || pos + batchSize > Integer.MAX_VALUE) {
                problem = "a batch length of " + length + " with " + (fileSize - pos) + " bytes left";
                break;
            }
            ByteBuffer batch;
            if (pos - blockStart + batchSize <= block.limit()) {
                batch = block.slice((int) (pos - blockStart), (int) batchSize);
            } else if (batchSize <= block.capacity()) {
                blockStart = pos;
                block = fill(block, pos, fileSize);
                batch = block.slice(0, (int) batchSize);
            } else {
                batch = ByteBuffer.allocate((int) batchSize);
                readFully(batch, pos);
                batch.flip();
            }
            RecordBatch rb = RecordBatch.wrap(batch);
            if (!rb.isCrcValid()) {
                problem = "a CRC mismatch";
                break;
            }
            if (rb.baseOffset() != next || rb.recordCount() <= 0) {
                problem = "base offset " + rb.baseOffset() + " and record count " + rb.recordCount()
                        + " where offset " + next + " was expected";
                break;
            }
            indexBatch(next, (int) pos, (int) batchSize, rb.maxTimestamp());
            next = rb.nextOffset();
            pos += batchSize;
        }
        boolean truncated = pos < fileSize;
        if (truncated && pos == fromPosition && fromPosition > 0) {
            return Optional.empty();
        }
        if (truncated) {
            log.warn("Truncating {} at position {} (offset {}), cutting {} bytes: {}",
                    logFile, pos, next, fileSize - pos, problem);
            channel.truncate(pos);
        }
        size = (int) pos;
        return Optional.of(new Recovery(next, truncated));
    }

    private int countTimeEntriesBelow(int rel) {
        int n = 0;
        while (n < timeIndex.count() && timeIndex.value(n) < rel) {
            n++;
        }
        return n;
    }

    private ByteBuffer fill(ByteBuffer block, long pos, long fileSize) throws IOException {
        block.clear();
        block.limit((int) Math.min(block.capacity(), fileSize - pos));
        readFully(block, pos);
        return block.flip();
    }

    /** The position of the last offset index entry and its offset, where a tail check starts. */
    int lastIndexedPosition() {
        return offsetIndex.count() == 0 ? 0 : (int) offsetIndex.lastValue();
    }

    long lastIndexedOffset() {
        return offsetIndex.count() == 0 ? baseOffset : baseOffset + offsetIndex.lastKey();
    }

    // ---------------------------------------------------------------- reading (any thread)

    /** A batch's place in the file. */
    record BatchPosition(int position, int size) {
    }

    /** Visits batch headers in file order; returns false to stop. */
    private interface HeaderVisitor {
        boolean visit(long baseOffset, int recordCount, long maxTimestamp, int position, int size);
    }

    /**
     * The batch that holds {@code offset}, which must be below the segment's published end
     * (bytes below {@code limit}).
     */
    BatchPosition locate(long offset, int limit) throws IOException {
        int i = offsetIndex.floor(offset - baseOffset);
        int start = i < 0 ? 0 : (int) offsetIndex.value(i);
        long startOffset = i < 0 ? baseOffset : baseOffset + offsetIndex.key(i);
        BatchPosition found = start == 0 ? scanFor(offset, 0, baseOffset, limit) : scanFromIndexEntry(offset, start, startOffset, limit);
        if (found == null && start > 0) {
            log.warn("Offset index of {} points to no batch at position {}; scanning from the start", logFile, start);
            found = scanFor(offset, 0, baseOffset, limit);
        }
        if (found == null) {
            throw new IllegalStateException("no batch holds offset " + offset + " in " + logFile
                    + " below position " + limit);
        }
        return found;
    }

    /** Like {@link #scanFor}, but null instead of an error when the entry names no batch start. */
    private BatchPosition scanFromIndexEntry(long offset, int start, long startOffset, int limit) throws IOException {
        try {
            return scanFor(offset, start, startOffset, limit);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private BatchPosition scanFor(long offset, int start, long startOffset, int limit) throws IOException {
        BatchPosition[] result = new BatchPosition[1];
        boolean[] first = {true};
        scanHeaders(start, limit, (base, count, maxTs, position, batchSize) -> {
            if (first[0] && base != startOffset) {
                return false;
            }
            first[0] = false;
            if (offset < base + count) {
                result[0] = new BatchPosition(position, batchSize);
                return false;
            }
            return true;
        });
        return result[0];
    }

    /**
     * The first batch below {@code limit} whose max timestamp is at or after {@code timestamp}:
     * its base offset and max timestamp. {@code endOffset} is the offset after the published
     * batches of this segment.
     */
    Optional<TimestampOffset> findTimestamp(long timestamp, int limit, long endOffset) throws IOException {
        int e = timeIndex.lower(timestamp);
        int start = 0;
        if (e >= 0) {
            long entryOffset = baseOffset + timeIndex.value(e);
            if (entryOffset >= endOffset) {
                // Every published batch lies before an entry whose running max is still too small.
                return Optional.empty();
            }
            start = locate(entryOffset, limit).position();
        }
        TimestampOffset[] result = new TimestampOffset[1];
        scanHeaders(start, limit, (base, count, maxTs, position, batchSize) -> {
            if (maxTs >= timestamp) {
                result[0] = new TimestampOffset(base, maxTs);
                return false;
            }
            return true;
        });
        return Optional.ofNullable(result[0]);
    }

    private void scanHeaders(int from, int limit, HeaderVisitor visitor) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(SCAN_BLOCK_BYTES);
        block.limit(0);
        int blockStart = from;
        int pos = from;
        while (pos < limit) {
            if (limit - pos < SCAN_HEADER_BYTES) {
                throw new IllegalStateException("partial batch header at position " + pos + " of " + logFile
                        + " below the published size " + limit);
            }
            if (pos - blockStart + SCAN_HEADER_BYTES > block.limit()) {
                block.clear();
                block.limit(Math.min(block.capacity(), limit - pos));
                readFully(block, pos);
                block.flip();
                blockStart = pos;
            }
            int at = pos - blockStart;
            int length = block.getInt(at + RecordBatch.LENGTH_OFFSET);
            int batchSize = length + RecordBatch.LOG_OVERHEAD;
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD || batchSize > limit - pos) {
                throw new IllegalStateException("batch length " + length + " at position " + pos + " of "
                        + logFile + " runs past the published size " + limit);
            }
            if (!visitor.visit(block.getLong(at + RecordBatch.BASE_OFFSET_OFFSET),
                    block.getInt(at + RecordBatch.RECORD_COUNT_OFFSET),
                    block.getLong(at + RecordBatch.MAX_TIMESTAMP_OFFSET), pos, batchSize)) {
                return;
            }
            pos += batchSize;
        }
    }

    /** Fills {@code dst} from the file at {@code position}. */
    void readFully(ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = channel.read(dst, p);
            if (n < 0) {
                throw new EOFException("end of " + logFile + " at position " + p);
            }
            p += n;
        }
    }

    @Override
    public String toString() {
        return logFile.toString();
    }
}
