package io.rafka.storage.local.internal;

import io.rafka.record.RecordBatch;
import io.rafka.storage.Appended;
import io.rafka.storage.Durability;
import io.rafka.storage.FencedException;
import io.rafka.storage.LogConfig;
import io.rafka.storage.LogSlice;
import io.rafka.storage.OffsetOutOfRangeException;
import io.rafka.storage.PartitionId;
import io.rafka.storage.PartitionLog;
import io.rafka.storage.StorageUnavailableException;
import io.rafka.storage.TimestampOffset;
import io.rafka.storage.WriterLease;
import io.rafka.storage.local.FsyncPolicy;
import io.rafka.storage.local.LocalLogConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded log of one partition: a directory of segments (see {@link Segment}).
 *
 * <p>Guarantees beyond {@link PartitionLog}:
 * <ul>
 *   <li>An append completes after its bytes were written to the segment file (the OS page cache),
 *       so killing the process loses no acknowledged record. Under {@link FsyncPolicy#ALWAYS} a
 *       {@link Durability#DURABLE} append completes only after a {@code force()} covered it.</li>
 *   <li>Readers see exactly the batches of completed or completing appends: every read works on
 *       one immutable published {@link State} and never looks past its end.</li>
 *   <li>After a disk error during an append the log stops accepting appends (they fail with
 *       {@link StorageUnavailableException}) and must be reopened, which recovers it.</li>
 *   <li>Under a {@link WriterLease} other than the sole writer, every append must carry the
 *       lease's epoch. The lease is checked when an append is called, before its group is written
 *       and after the write: if it is invalid before, nothing is written; if it ran out during
 *       the write, the group is cut off the file again (as after a disk error) and never
 *       published. Either way the append fails with {@link FencedException}, and so does every
 *       later one: the log stays fenced, as it does once {@link #fence(int)} was called.</li>
 * </ul>
 *
 * <p>Threading: every operation that changes the log (appends, retention, flush, close) goes
 * through one queue drained by at most one task at a time on the engine executor; a task takes
 * every queued append (up to a bound) and writes them with one gathering write and at most one
 * force (group commit). Reads and timestamp lookups run on the executor concurrently, lock-free.
 */
public final class LocalPartitionLog implements PartitionLog {
    private static final Logger log = LoggerFactory.getLogger(LocalPartitionLog.class);

    /** Present in a partition directory only after a clean close; removed on open. */
    static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
    private static final int MAX_GROUP_BATCHES = 1024;
    private static final long MAX_GROUP_BYTES = 16L * 1024 * 1024;
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /**
     * What readers may see. The last segment is the active one, readable up to {@code activeSize};
     * the others are sealed and readable whole.
     */
    private record State(Segment[] segments, long endOffset, int activeSize) {
        long startOffset() {
            return segments[0].baseOffset;
        }

        int limit(int i) {
            return i == segments.length - 1 ? activeSize : segments[i].size();
        }

        long endOffsetOf(int i) {
            return i == segments.length - 1 ? endOffset : segments[i + 1].baseOffset;
        }

        /** Index of the segment holding {@code offset}, which is in [start, end). */
        int indexOf(long offset) {
            int lo = 0;
            int hi = segments.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (segments[mid].baseOffset <= offset) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }
    }

    private sealed interface Op permits AppendOp, ControlOp {
    }

    private record AppendOp(ByteBuffer batch, int writerEpoch, Durability durability, int size,
                            int recordCount, long maxTimestamp, CompletableFuture<Appended> future) implements Op {
    }

    /** Work that needs the writer's exclusive access; runs between append groups. */
    private record ControlOp(Runnable action, Consumer<Throwable> onRejected) implements Op {
    }

    private final PartitionId id;
    private final Path dir;
    private final LogConfig config;
    private final LocalLogConfig engineConfig;
    private final Executor executor;
    private final Consumer<LocalPartitionLog> onClose;
    private final WriterLease lease;
    private final ConcurrentLinkedQueue<Op> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicLong forceCount = new AtomicLong();
    private volatile State state;
    private volatile boolean closed;
    private volatile boolean terminated;
    /** Set once the writer lost the partition; never cleared. */
    private volatile FencedException fenced;

    // Writer-only state, touched by the drain task (or close() once it holds the drain flag).
    private final List<Segment> segments;
    private final Set<Segment> dirty = new LinkedHashSet<>();
    private StorageUnavailableException failure;
    /** A fenced group was cut off the file after its index entries were made: no clean close. */
    private boolean indexesStale;

    private LocalPartitionLog(PartitionId id, Path dir, LogConfig config, LocalLogConfig engineConfig,
                              WriterLease lease, Executor executor, Consumer<LocalPartitionLog> onClose,
                              List<Segment> segments, long endOffset) {
        this.id = id;
        this.dir = dir;
        this.config = config;
        this.engineConfig = engineConfig;
        this.lease = lease;
        this.executor = executor;
        this.onClose = onClose;
        this.segments = segments;
        Segment active = segments.get(segments.size() - 1);
        this.state = new State(segments.toArray(new Segment[0]), endOffset, active.size());
    }

    /**
     * Opens (creating or recovering) the log in {@code dir}. Blocking: call it on the I/O executor.
     */
    public static LocalPartitionLog open(PartitionId id, Path dir, LogConfig config, LocalLogConfig engineConfig,
                                         WriterLease lease, Executor executor, Consumer<LocalPartitionLog> onClose)
            throws IOException {
        Files.createDirectories(dir);
        boolean clean = Files.deleteIfExists(dir.resolve(CLEAN_SHUTDOWN_FILE));
        int interval = engineConfig.indexIntervalBytes();
        TreeMap<Long, Path> logFiles = new TreeMap<>();
        List<Path> others = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(Segment.LOG_SUFFIX) && name.length() == 20 + Segment.LOG_SUFFIX.length()) {
                    logFiles.put(Long.parseLong(name.substring(0, 20)), f);
                } else {
                    others.add(f);
                }
            }
        }
        for (Path f : others) {
            String name = f.getFileName().toString();
            boolean orphanIndex = (name.endsWith(Segment.INDEX_SUFFIX) || name.endsWith(Segment.TIME_INDEX_SUFFIX))
                    && !logFiles.containsKey(parseBase(name));
            if (name.endsWith(Segment.TMP_SUFFIX) || orphanIndex) {
                Files.deleteIfExists(f);
            }
        }
        List<Segment> segments = new ArrayList<>();
        long endOffset = 0;
        try {
            if (logFiles.isEmpty()) {
                segments.add(Segment.create(dir, 0, interval));
            }
            List<Long> bases = new ArrayList<>(logFiles.keySet());
            for (int k = 0; k < bases.size(); k++) {
                long base = bases.get(k);
                Segment seg = Segment.open(dir, base, interval);
                segments.add(seg);
                boolean last = k == bases.size() - 1;
                Segment.Recovery recovery = recoverSegment(seg, clean, last);
                if (recovery != null && recovery.truncated() && !last) {
                    // A hole in the middle: everything after it is cut off, as a torn tail would be.
                    for (long later : bases.subList(k + 1, bases.size())) {
                        log.warn("Deleting segment {} of {}: it follows a truncated segment", later, id);
                        Segment.open(dir, later, interval).deleteFiles();
                    }
                    endOffset = recovery.nextOffset();
                    break;
                }
                if (last) {
                    endOffset = recovery != null ? recovery.nextOffset() : base;
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments) {
                try {
                    s.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        LocalPartitionLog partitionLog = new LocalPartitionLog(id, dir, config, engineConfig, lease, executor, onClose,
                segments, endOffset);
        log.info("Opened log {} in {} for {}: offsets [{}, {}), {} segments, {} shutdown", id, dir, lease,
                partitionLog.logStartOffset(), endOffset, segments.size(),
                logFiles.isEmpty() ? "new log, no" : clean ? "clean" : "unclean");
        return partitionLog;
    }

    private static long parseBase(String fileName) {
        try {
            return Long.parseLong(fileName.substring(0, Math.min(20, fileName.length())));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Loads or rebuilds one segment's indexes. Returns the scan result when the segment's end
     * offset is known from a scan, null for a sealed segment loaded from its index files.
     */
    private static Segment.Recovery recoverSegment(Segment seg, boolean clean, boolean last) throws IOException {
        boolean indexed = (clean || !last) && seg.loadIndexes();
        if (indexed && !last) {
            return null;
        }
        if (indexed) {
            // Clean shutdown: check only the tail after the last index entry.
            Optional<Segment.Recovery> tail = seg.recover(seg.lastIndexedPosition(), seg.lastIndexedOffset());
            if (tail.isPresent()) {
                return tail.get();
            }
        }
        Segment.Recovery full = seg.recover(0, seg.baseOffset).orElseThrow();
        if (!last) {
            seg.writeIndexes(false);
        }
        return full;
    }

    @Override
    public PartitionId id() {
        return id;
    }

    @Override
    public long logStartOffset() {
        return state.startOffset();
    }

    @Override
    public long logEndOffset() {
        return state.endOffset;
    }

    /** How many times this log forced a segment file to disk; for tests and metrics. */
    public long forceCount() {
        return forceCount.get();
    }

    /** The partition directory. */
    public Path directory() {
        return dir;
    }

    /** The lease this log was opened under. */
    public WriterLease lease() {
        return lease;
    }

    /**
     * A writer with {@code epoch} took the partition over: from now on every append fails with
     * {@link FencedException}, and a group being written when this is called is undone. Close the
     * log afterwards to wait for that group.
     */
    public void fence(int epoch) {
        fenceWith("a writer with epoch " + epoch + " opened " + id);
    }

    private FencedException fenceWith(String why) {
        FencedException f = fenced;
        if (f == null) {
            synchronized (this) {
                if (fenced == null) {
                    fenced = new FencedException(id, lease.epoch(), "the writer of epoch " + lease.epoch() + " of " + id
                            + " is fenced: " + why);
                    log.warn("{}", fenced.getMessage());
                }
                f = fenced;
            }
        }
        return f;
    }

    /** The exception to fail an append with if this writer may not write now; null if it may. */
    private FencedException fencedNow() {
        FencedException f = fenced;
        if (f != null) {
            return f;
        }
        return lease.isValid() ? null : fenceWith("its lease expired");
    }

    // ------------------------------------------------------------------------------ appends

    @Override
    public CompletionStage<Appended> append(ByteBuffer batch, int writerEpoch, Durability durability) {
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(durability, "durability");
        CompletableFuture<Appended> future = new CompletableFuture<>();
        ByteBuffer b = (batch.isReadOnly() ? copy(batch) : batch.slice()).order(ByteOrder.BIG_ENDIAN);
        int size = b.remaining();
        if (size < RecordBatch.HEADER_SIZE || b.getInt(RecordBatch.LENGTH_OFFSET) != size - RecordBatch.LOG_OVERHEAD) {
            future.completeExceptionally(new IllegalArgumentException("not one whole batch: " + size
                    + " bytes, length field " + (size >= RecordBatch.LOG_OVERHEAD ? b.getInt(RecordBatch.LENGTH_OFFSET) : -1)));
            return future;
        }
        int count = b.getInt(RecordBatch.RECORD_COUNT_OFFSET);
        if (count <= 0) {
            future.completeExceptionally(new IllegalArgumentException("batch record count must be positive, was " + count));
            return future;
        }
        if (lease.epoch() != 0 && writerEpoch != lease.epoch()) {
            future.completeExceptionally(new IllegalArgumentException("writer epoch " + writerEpoch + " of an append to "
                    + id + " is not the epoch of the lease the log was opened with, " + lease.epoch()));
            return future;
        }
        FencedException notAllowed = fencedNow();
        if (notAllowed != null) {
            future.completeExceptionally(notAllowed);
            return future;
        }
        if (size > config.segmentBytes()) {
            future.completeExceptionally(new IllegalArgumentException("batch of " + size
                    + " bytes exceeds segment.bytes " + config.segmentBytes() + " of " + id));
            return future;
        }
        if (closed) {
            future.completeExceptionally(closedException());
            return future;
        }
        queue.add(new AppendOp(b, writerEpoch, durability, size, count,
                b.getLong(RecordBatch.MAX_TIMESTAMP_OFFSET), future));
        scheduleDrain();
        return future;
    }

    private static ByteBuffer copy(ByteBuffer readOnly) {
        ByteBuffer c = ByteBuffer.allocate(readOnly.remaining());
        c.put(readOnly.duplicate()).flip();
        return c;
    }

    private void scheduleDrain() {
        if (draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                draining.set(false);
                failQueued(new StorageUnavailableException("the I/O executor of " + id + " rejected work", e));
            }
        }
    }

    /** Runs one unit of queued work (an append group or a control operation), then yields. */
    private void drain() {
        try {
            if (terminated) {
                failQueued(closedException());
                return;
            }
            runOneUnit();
        } catch (RuntimeException | Error e) {
            log.error("Unexpected failure draining the queue of {}", id, e);
        } finally {
            draining.set(false);
            if (!queue.isEmpty()) {
                scheduleDrain();
            }
        }
    }

    private void runOneUnit() {
        List<AppendOp> group = new ArrayList<>();
        long groupBytes = 0;
        for (Op op = queue.peek(); op != null; op = queue.peek()) {
            if (op instanceof AppendOp a) {
                if (!group.isEmpty() && (group.size() >= MAX_GROUP_BATCHES || groupBytes + a.size() > MAX_GROUP_BYTES)) {
                    break;
                }
                queue.poll();
                group.add(a);
                groupBytes += a.size();
            } else {
                if (group.isEmpty()) {
                    queue.poll();
                    ((ControlOp) op).action().run();
                }
                break;
            }
        }
        if (!group.isEmpty()) {
            writeGroup(group, groupBytes);
        }
    }

    private void failQueued(Throwable cause) {
        for (Op op = queue.poll(); op != null; op = queue.poll()) {
            if (op instanceof AppendOp a) {
                a.future().completeExceptionally(cause);
            } else {
                ((ControlOp) op).onRejected().accept(cause);
            }
        }
    }

    private void writeGroup(List<AppendOp> group, long groupBytes) {
        if (failure != null) {
            group.forEach(a -> a.future().completeExceptionally(failure));
            return;
        }
        FencedException refused = fencedNow();
        if (refused != null) {
            group.forEach(a -> a.future().completeExceptionally(refused));
            return;
        }
        State before = state;
        Segment active = segments.get(segments.size() - 1);
        int pos = before.activeSize;
        long next = before.endOffset;
        long[] baseOffsets = new long[group.size()];
        List<Segment> created = new ArrayList<>();
        List<ByteBuffer> run = new ArrayList<>(group.size());
        long runBytes = 0;
        int runStart = pos;
        boolean force = false;
        long now = System.currentTimeMillis();
        try {
            for (int i = 0; i < group.size(); i++) {
                AppendOp a = group.get(i);
                boolean full = pos + (long) a.size() > config.segmentBytes()
                        || next + a.recordCount() - active.baseOffset > Integer.MAX_VALUE;
                if (pos > 0 && full) {
                    active.write(run.toArray(new ByteBuffer[0]), runStart, runBytes);
                    active.setSize(pos);
                    dirty.add(active);
                    run.clear();
                    runBytes = 0;
                    active.writeIndexes(engineConfig.fsync() != FsyncPolicy.NEVER);
                    active = Segment.create(dir, next, engineConfig.indexIntervalBytes());
                    created.add(active);
                    syncDirectory();
                    pos = 0;
                    runStart = 0;
                }
                ByteBuffer b = a.batch();
                b.putLong(RecordBatch.BASE_OFFSET_OFFSET, next);
                b.putInt(RecordBatch.WRITER_EPOCH_OFFSET, a.writerEpoch());
                active.indexBatch(next, pos, a.size(), a.maxTimestamp());
                run.add(b);
                runBytes += a.size();
                baseOffsets[i] = next;
                next += a.recordCount();
                pos += a.size();
                force |= a.durability() == Durability.DURABLE && engineConfig.fsync() == FsyncPolicy.ALWAYS;
            }
            active.write(run.toArray(new ByteBuffer[0]), runStart, runBytes);
            active.setSize(pos);
            dirty.add(active);
            if (force) {
                forceDirty();
            }
        } catch (IOException | RuntimeException e) {
            StorageUnavailableException error = new StorageUnavailableException("append of " + group.size()
                    + " batches (" + groupBytes + " bytes) to " + id + " failed; the log must be reopened", e);
            log.error("Disk error on {}; failing its appends until it is reopened", id, e);
            undo(before, created);
            failure = error;
            group.forEach(a -> a.future().completeExceptionally(error));
            return;
        }
        // The lease may have run out while the group was written: then a newer writer may already
        // own the partition, and the group must be neither acknowledged nor visible.
        FencedException lost = fencedNow();
        if (lost != null) {
            undo(before, created);
            indexesStale = true;
            group.forEach(a -> a.future().completeExceptionally(lost));
            return;
        }
        segments.addAll(created);
        state = new State(created.isEmpty() ? before.segments : segments.toArray(new Segment[0]), next, pos);
        for (int i = 0; i < group.size(); i++) {
            AppendOp a = group.get(i);
            a.future().complete(new Appended(baseOffsets[i], a.recordCount(), next, now));
        }
    }

    /** Best effort: removes what a failed group wrote, so a reopen cannot serve it. */
    private void undo(State before, List<Segment> created) {
        try {
            for (Segment s : created) {
                dirty.remove(s);
                s.deleteFiles();
            }
            segments.get(segments.size() - 1).truncateFile(before.activeSize);
        } catch (IOException | RuntimeException e) {
            log.error("Could not undo a failed append to {}; recovery at reopen will decide", id, e);
        }
    }

    private void forceDirty() throws IOException {
        for (Segment s : dirty) {
            s.force();
            forceCount.incrementAndGet();
        }
        dirty.clear();
    }

    private void syncDirectory() {
        if (engineConfig.fsync() == FsyncPolicy.NEVER) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some platforms cannot open a directory; the segment file itself is still forced.
            log.debug("Cannot force directory {}", dir, e);
        }
    }

    // ------------------------------------------------------------------------------ control operations

    private <T> CompletionStage<T> submitControl(WriterTask<T> task) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(closedException());
            return future;
        }
        queue.add(new ControlOp(() -> {
            try {
                future.complete(task.run());
            } catch (IOException | RuntimeException e) {
                future.completeExceptionally(e instanceof IOException
                        ? new StorageUnavailableException(e.getMessage() + " on " + id, e) : e);
            }
        }, future::completeExceptionally));
        scheduleDrain();
        return future;
    }

    private interface WriterTask<T> {
        T run() throws IOException;
    }

    @Override
    public CompletionStage<Void> flush() {
        return submitControl(() -> {
            forceDirty();
            return null;
        });
    }

    /** The periodic flush of {@link FsyncPolicy#INTERVAL}; failures are logged, not returned. */
    public void flushInBackground() {
        if (!closed) {
            flush().whenComplete((v, e) -> {
                if (e != null) {
                    log.warn("Background flush of {} failed", id, e);
                }
            });
        }
    }

    @Override
    public CompletionStage<Long> applyRetention(long nowMs) {
        return submitControl(() -> retain(nowMs));
    }

    private long retain(long nowMs) throws IOException {
        State s = state;
        long total = 0;
        for (int i = 0; i < s.segments.length; i++) {
            total += s.limit(i);
        }
        int drop = 0;
        while (drop < segments.size() - 1) {
            Segment seg = segments.get(drop);
            boolean expired = config.retentionMs() > 0 && seg.maxTimestamp() < nowMs - config.retentionMs();
            boolean oversize = config.retentionBytes() > 0 && total > config.retentionBytes();
            if (!expired && !oversize) {
                break;
            }
            total -= seg.size();
            drop++;
        }
        if (drop > 0) {
            List<Segment> removed = new ArrayList<>(segments.subList(0, drop));
            segments.subList(0, drop).clear();
            state = new State(segments.toArray(new Segment[0]), s.endOffset, s.activeSize);
            for (Segment seg : removed) {
                dirty.remove(seg);
                seg.deleteFiles();
            }
            log.info("Retention removed {} segments of {}; log start is now {}", drop, id, segments.get(0).baseOffset);
        }
        return segments.get(0).baseOffset;
    }

    // ------------------------------------------------------------------------------ reads

    @Override
    public CompletionStage<LogSlice> read(long offset, int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        return onExecutor(() -> {
            try {
                return doRead(offset, maxBytes);
            } catch (ClosedChannelException e) {
                throw outOfRangeOr(offset, e);
            }
        });
    }

    private LogSlice doRead(long offset, int maxBytes) throws IOException {
        State s = state;
        if (offset < s.startOffset() || offset > s.endOffset) {
            throw new OffsetOutOfRangeException(id, offset, s.startOffset(), s.endOffset);
        }
        if (offset == s.endOffset) {
            return new LogSlice(ByteBuffer.allocate(0), s.startOffset(), s.endOffset);
        }
        int i = s.indexOf(offset);
        int limit = s.limit(i);
        Segment.BatchPosition first = s.segments[i].locate(offset, limit);
        long available = limit - first.position();
        for (int j = i + 1; j < s.segments.length && available < maxBytes; j++) {
            available += s.limit(j);
        }
        ByteBuffer out = ByteBuffer.allocate((int) Math.max(first.size(), Math.min(maxBytes, available)));
        int pos = first.position();
        while (true) {
            int want = Math.min(out.remaining(), limit - pos);
            int start = out.position();
            out.limit(start + want);
            s.segments[i].readFully(out, pos);
            int whole = wholeBatchBytes(out, start, want);
            out.position(start + whole);
            out.limit(out.capacity());
            if (whole < want || pos + want < limit || ++i == s.segments.length || !out.hasRemaining()) {
                break;
            }
            limit = s.limit(i);
            pos = 0;
        }
        return new LogSlice(out.flip(), s.startOffset(), s.endOffset);
    }

    /** Length of the whole batches in {@code buf[start, start + length)}. */
    private static int wholeBatchBytes(ByteBuffer buf, int start, int length) {
        int p = 0;
        while (length - p >= RecordBatch.LOG_OVERHEAD) {
            int size = buf.getInt(start + p + RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
            if (size > length - p) {
                break;
            }
            p += size;
        }
        return p;
    }

    @Override
    public CompletionStage<Optional<TimestampOffset>> offsetForTimestamp(long timestamp) {
        return onExecutor(() -> {
            try {
                return findTimestamp(timestamp);
            } catch (ClosedChannelException e) {
                // Retention removed a segment under us: the answer now lies in the retained ones.
                return findTimestamp(timestamp);
            }
        });
    }

    private Optional<TimestampOffset> findTimestamp(long timestamp) throws IOException {
        State s = state;
        for (int i = 0; i < s.segments.length; i++) {
            int limit = s.limit(i);
            Segment seg = s.segments[i];
            if (limit == 0 || seg.maxTimestamp() < timestamp) {
                continue;
            }
            Optional<TimestampOffset> found = seg.findTimestamp(timestamp, limit, s.endOffsetOf(i));
            if (found.isPresent()) {
                TimestampOffset t = found.get();
                return Optional.of(new TimestampOffset(Math.max(t.offset(), s.startOffset()), t.timestamp()));
            }
        }
        return Optional.empty();
    }

    private RuntimeException outOfRangeOr(long offset, IOException e) {
        State s = state;
        if (offset < s.startOffset()) {
            return new OffsetOutOfRangeException(id, offset, s.startOffset(), s.endOffset);
        }
        return new StorageUnavailableException("read of " + id + " at " + offset + " failed", e);
    }

    private interface IoTask<T> {
        T run() throws IOException;
    }

    private <T> CompletionStage<T> onExecutor(IoTask<T> task) {
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    future.complete(task.run());
                } catch (IOException e) {
                    future.completeExceptionally(new StorageUnavailableException(e.getMessage() + " on " + id, e));
                } catch (RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(new StorageUnavailableException("the I/O executor of " + id + " rejected work", e));
        }
        return future;
    }

    // ------------------------------------------------------------------------------ close

    public boolean isClosed() {
        return closed;
    }

    /**
     * Finishes the queued operations, forces the data, writes the indexes and the clean-shutdown
     * marker, and closes the files. Blocks until the current drain task yields; do not call it
     * from a task of a single-threaded I/O executor.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        boolean owner;
        while (!(owner = draining.compareAndSet(false, true)) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
        if (!owner) {
            log.warn("Closing {} while its drain task still runs after {} s", id, TimeUnit.NANOSECONDS.toSeconds(CLOSE_WAIT_NANOS));
        }
        try {
            while (!queue.isEmpty()) {
                runOneUnit();
            }
            terminated = true;
            closeFiles();
        } finally {
            failQueued(closedException());
            if (owner) {
                draining.set(false);
            }
            onClose.accept(this);
        }
    }

    private void closeFiles() {
        try {
            if (failure == null && !indexesStale) {
                forceDirty();
                segments.get(segments.size() - 1).writeIndexes(true);
                Files.createFile(dir.resolve(CLEAN_SHUTDOWN_FILE));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Clean close of {} failed; it will be recovered at the next open", id, e);
        }
        for (Segment s : segments) {
            try {
                s.close();
            } catch (IOException e) {
                log.warn("Closing {} failed", s, e);
            }
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("log " + id + " is closed");
    }

    @Override
    public String toString() {
        return "LocalPartitionLog[" + id + ", " + dir + ", " + lease + (fenced != null ? ", fenced" : "") + "]";
    }
}
