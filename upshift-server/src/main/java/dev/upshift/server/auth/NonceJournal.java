package dev.upshift.server.auth;

import dev.upshift.server.db.Database;
import dev.upshift.server.metrics.Metrics;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NonceStore} of a SQLite installation: a set in memory ({@link NonceSet}) decides every reservation at
 * once, and an append-only journal of memory-mapped files under {@code <data-dir>/nonces/} keeps it across restarts,
 * with no hand-off to another thread on the request path (decisions 0019 and 0023).
 *
 * <h2>Durability</h2>
 * A reservation is copied into the current segment, a shared mapping of the file, before {@link #reserve} returns
 * true. A store into a shared mapping lands in the kernel's page cache at once, so an acknowledged reservation
 * survives {@code kill -9} or a JVM crash without a system call per request: the guarantee SQLite gave in WAL mode
 * with {@code synchronous=NORMAL}. Neither survives a crash of the operating system or a power loss by itself; a
 * daemon thread forces the journal to disk about once a second, so such a crash loses at most about the last
 * second of reservations (a replay of one of those requests would be accepted once).
 *
 * <h2>Opening</h2>
 * The journal is a sequence of {@link NonceSegment} files of {@link #DEFAULT_SEGMENT_BYTES} (the record format is
 * described there). Every segment is read up to its first record whose length is out of range or whose CRC fails:
 * the torn tail a {@code kill -9} in the middle of a copy can leave, never acknowledged. Unexpired records are loaded
 * into memory; segments with none are deleted. Appends then always go to a new segment, so nothing is ever written
 * after a torn tail. A {@code nonces.db} left by an earlier version is imported once and renamed
 * {@code nonces.db.imported}. A lock on {@code nonces/lock} keeps a second process off the same journal.
 *
 * <h2>Threads</h2>
 * Request threads: encode the record, add it to the set (a lock per stripe), and one short lock for the copy into
 * the mapping. One daemon thread, {@code upshift-nonce-journal}, every second: forces the journal, unmaps segments
 * that filled up, and prepares the next segment once the current one is half full, so that a rotation on the request
 * path is a swap rather than 64 MiB of zeros. Every minute it also drops expired entries from memory and deletes segments
 * whose newest record has expired; memory therefore holds about (rate x 11 minutes) entries.
 *
 * <h2>Failures</h2>
 * If a record cannot be written (no new segment can be created: disk full, I/O error; or the journal is closed),
 * {@link #reserve} throws {@link NonceStore.NonceStoreUnavailableException} and the request is refused (fail
 * closed). The nonce stays reserved in memory, so a retry with the same nonce is refused, which is safe. Each such
 * refusal and each failed force counts in {@code upshift_batch_failures_total{writer="nonce"}}; each force is timed
 * as {@code upshift_batch_write_seconds{writer="nonce"}}, though no request waits for it.
 */
public final class NonceJournal implements NonceStore {
    private static final Logger LOG = LoggerFactory.getLogger(NonceJournal.class);
    static final int DEFAULT_SEGMENT_BYTES = 64 << 20;
    static final String DIRECTORY = "nonces";
    static final String LEGACY_DATABASE = "nonces.db";
    private static final long SWEEP_EVERY_MILLIS = 60_000;

    private final Path dir;
    private final int segmentBytes;
    private final Clock clock;
    private final Metrics metrics;
    private final FileChannel lockChannel;
    private final NonceSet reserved = new NonceSet();
    private final ScheduledExecutorService background;

    /** Guards the fields below it: held by request threads only for the copy into the mapping. */
    private final ReentrantLock appendLock = new ReentrantLock();
    private NonceSegment current;
    private NonceSegment spare;
    private final List<NonceSegment> filled = new ArrayList<>();
    private long nextSequence;
    private long appended;
    private boolean closed;

    /** Held by the maintenance pass (and {@link #close}); guards the fields below it. Taken before appendLock. */
    private final Object maintenance = new Object();
    private final List<SealedSegment> sealed = new ArrayList<>();
    private long forcedCount;
    private long lastSweep;

    /** A segment that is no longer written or mapped, kept until its newest record has expired. */
    private record SealedSegment(Path file, long newestExpiresAt) {
    }

    /** One row of an earlier version's {@code nonces.db}. */
    private record LegacyRow(String accessKey, String nonce, long expiresAt) {
    }

    /**
     * Opens (creating if needed) the journal under {@code <dataDir>/nonces/}, loads its unexpired reservations,
     * imports an earlier version's {@code nonces.db}, and starts the background thread.
     *
     * @throws IllegalStateException if the directory cannot be used, another process holds the journal, or a
     *                               segment was written by an unknown (newer) format
     */
    public static NonceJournal open(Path dataDir, Clock clock, Metrics metrics) {
        return open(dataDir, clock, metrics, DEFAULT_SEGMENT_BYTES);
    }

    /** As {@link #open(Path, Clock, Metrics)} with segments of {@code segmentBytes} (tests use small ones). */
    static NonceJournal open(Path dataDir, Clock clock, Metrics metrics, int segmentBytes) {
        if (segmentBytes < 512 || segmentBytes > (1 << 30)) {
            throw new IllegalArgumentException("segmentBytes must be 512 B to 1 GiB, got " + segmentBytes);
        }
        Path dir = dataDir.resolve(DIRECTORY);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create the nonce journal directory " + dir + ": " + e
                    + ". Make the data directory writable by the server's user", e);
        }
        FileChannel lockChannel = lock(dir);
        NonceJournal journal = null;
        try {
            journal = new NonceJournal(dir, segmentBytes, clock, metrics, lockChannel);
            journal.recover();
            journal.importLegacy(dataDir.resolve(LEGACY_DATABASE));
            journal.start();
            return journal;
        } catch (RuntimeException e) {
            if (journal != null) {
                journal.close();
            } else {
                NonceSegment.closeQuietly(lockChannel);
            }
            throw e;
        }
    }

    private NonceJournal(Path dir, int segmentBytes, Clock clock, Metrics metrics, FileChannel lockChannel) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.clock = clock;
        this.metrics = metrics;
        this.lockChannel = lockChannel;
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "upshift-nonce-journal");
            t.setDaemon(true);
            return t;
        });
    }

    private static FileChannel lock(Path dir) {
        Path file = dir.resolve("lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot open the nonce journal lock " + file + ": " + e
                    + ". Make the data directory writable by the server's user", e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            NonceSegment.closeQuietly(channel);
            throw new IllegalStateException("Cannot lock the nonce journal " + file + ": " + e, e);
        }
        if (lock == null) {
            NonceSegment.closeQuietly(channel);
            throw new IllegalStateException("The nonce journal " + dir + " is in use by another Upshift process (it "
                    + "holds the lock on " + file + "). Stop that process, or give this one another data-dir; "
                    + "several nodes need PostgreSQL");
        }
        return channel;
    }

    /** A reservation is a record written to a mapped file; a background thread forces it to disk. */
    @Override
    public boolean reserveWaits() {
        return false;
    }

    @Override
    public boolean reserve(String accessKey, String nonce) {
        long expiresAt = clock.millis() + RETENTION_MILLIS;
        byte[] record = NonceSegment.encode(accessKey, nonce, expiresAt);
        if (record.length > segmentBytes - NonceSegment.HEADER_BYTES) {
            throw new IllegalArgumentException("a nonce journal record of " + record.length + " bytes does not fit "
                    + "in a segment of " + segmentBytes);
        }
        if (!reserved.addIfAbsent(accessKey, nonce, expiresAt)) {
            return false;
        }
        // From here on the nonce stays reserved in memory even if the journal refuses it: a retry is refused, safely.
        try {
            append(record, expiresAt);
        } catch (NonceStoreUnavailableException e) {
            metrics.batchFailure("nonce");
            throw e;
        }
        return true;
    }

    /** Nonces held in memory: those accepted within the last 10 minutes, plus expired ones not yet swept. */
    public int entries() {
        return reserved.size();
    }

    private void append(byte[] record, long expiresAt) {
        appendLock.lock();
        try {
            if (closed) {
                throw new NonceStoreUnavailableException("the nonce journal " + dir + " is closed", null);
            }
            if (!current.fits(record.length)) {
                rotate();
            }
            current.append(record, expiresAt);
            appended++;
        } finally {
            appendLock.unlock();
        }
    }

    /** Under appendLock: the current segment is full; continue in the spare, or in a new one made now. */
    private void rotate() {
        NonceSegment next = spare;
        spare = null;
        if (next == null) {
            long sequence = nextSequence++;
            try {
                next = NonceSegment.create(dir, sequence, segmentBytes);
            } catch (IOException e) {
                throw new NonceStoreUnavailableException("cannot create nonce journal segment "
                        + NonceSegment.name(sequence) + " (" + segmentBytes + " bytes) in " + dir + " after "
                        + appended + " records: " + e + "; signed calls are refused until it can be written", e);
            }
        }
        filled.add(current);
        current = next;
    }

    // ---- opening ------------------------------------------------------------------------------------------------

    /** Loads every segment's unexpired records, deletes the segments without any, and starts a new segment. */
    private void recover() {
        long now = clock.millis();
        long maxSequence = 0;
        int deleted = 0;
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list the nonce journal " + dir + ": " + e, e);
        }
        for (Path file : files) {
            long sequence = NonceSegment.sequenceOf(file);
            if (sequence < 0) {
                continue;
            }
            maxSequence = Math.max(maxSequence, sequence);
            NonceSegment.Scan scan;
            try {
                scan = NonceSegment.scan(file, now, (accessKey, nonce, expiresAt) ->
                        reserved.merge(accessKey, nonce, expiresAt));
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read nonce journal segment " + file + ": " + e, e);
            }
            if (scan.tornAt() >= 0) {
                LOG.warn("nonce journal segment {}: ignoring a torn or corrupt record at byte {} and anything after it "
                        + "({} records before it)", file, scan.tornAt(), scan.records());
            }
            if (scan.newestExpiresAt() > now) {
                sealed.add(new SealedSegment(file, scan.newestExpiresAt()));
            } else {
                try {
                    Files.delete(file);
                    deleted++;
                } catch (IOException e) {
                    throw new IllegalStateException("Cannot delete expired nonce journal segment " + file + ": " + e,
                            e);
                }
            }
        }
        nextSequence = maxSequence + 1;
        try {
            current = NonceSegment.create(dir, nextSequence++, segmentBytes);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create a nonce journal segment (" + segmentBytes + " bytes) in "
                    + dir + ": " + e + ". Free disk space or make the data directory writable", e);
        }
        lastSweep = now;
        LOG.info("nonce journal {}: {} unexpired nonces loaded from {} segments, {} expired or empty segments deleted",
                dir, reserved.size(), sealed.size(), deleted);
    }

    /**
     * Copies the unexpired rows of an earlier version's SQLite nonce file into the journal, forces it, and renames the
     * file (with any WAL files) to {@code nonces.db.imported}, so the import happens once. A crash before the rename
     * imports again at the next start, which is harmless.
     */
    private void importLegacy(Path legacy) {
        if (!Files.exists(legacy)) {
            return;
        }
        long now = clock.millis();
        int[] imported = {0};
        try (Database db = Database.openNonceDatabase(legacy)) {
            db.jdbi().useHandle(h -> h.createQuery(
                            "SELECT access_key, nonce, expires_at FROM nonces WHERE expires_at > :now")
                    .bind("now", now)
                    .map((rs, ctx) -> new LegacyRow(rs.getString(1), rs.getString(2), rs.getLong(3)))
                    .forEach(row -> {
                        reserved.merge(row.accessKey(), row.nonce(), row.expiresAt());
                        append(NonceSegment.encode(row.accessKey(), row.nonce(), row.expiresAt()), row.expiresAt());
                        imported[0]++;
                    }));
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot import the nonces of an earlier version from " + legacy + ": "
                    + e.getMessage() + ". Move the file away to start without them (replays of requests from the last "
                    + "10 minutes before the upgrade could then be accepted once)", e);
        }
        filled.forEach(NonceSegment::force);
        current.force();
        Path target = legacy.resolveSibling(LEGACY_DATABASE + ".imported");
        try {
            for (String suffix : List.of("-wal", "-shm", "")) {
                Path from = legacy.resolveSibling(LEGACY_DATABASE + suffix);
                if (Files.exists(from)) {
                    Files.move(from, target.resolveSibling(target.getFileName() + suffix),
                            StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Imported the nonces of " + legacy + " but cannot rename it to " + target
                    + ": " + e + ". Rename or remove it by hand", e);
        }
        LOG.info("imported {} unexpired nonces from {} into the nonce journal; the file is now {}", imported[0],
                legacy, target);
    }

    private void start() {
        background.scheduleWithFixedDelay(() -> {
            try {
                maintain(false);
            } catch (RuntimeException e) {
                LOG.error("nonce journal maintenance failed, will retry in a second", e);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    // ---- maintenance (background thread) ------------------------------------------------------------------------

    /** One maintenance pass now, sweep included (tests move their clock and call this). */
    void maintain() {
        maintain(true);
    }

    /**
     * Forces what was appended since the last pass, unmaps segments that filled up, prepares a spare segment, and
     * (every minute, or if {@code sweepNow}) drops expired entries and segments. Only this pass and {@link #close}
     * unmap segments, and both hold {@link #maintenance}, so no mapping is released while it is forced.
     */
    private void maintain(boolean sweepNow) {
        synchronized (maintenance) {
            List<NonceSegment> retired;
            NonceSegment writing;
            long count;
            long spareSequence = -1;
            appendLock.lock();
            try {
                if (closed) {
                    return;
                }
                retired = new ArrayList<>(filled);
                filled.clear();
                writing = current;
                count = appended;
                if (spare == null && writing.isHalfFull()) {
                    spareSequence = nextSequence++;
                }
            } finally {
                appendLock.unlock();
            }
            if (count > forcedCount || !retired.isEmpty()) {
                long started = System.nanoTime();
                try {
                    retired.forEach(NonceSegment::force);
                    writing.force();
                    metrics.recordBatch("nonce", System.nanoTime() - started, (int) Math.min(Integer.MAX_VALUE,
                            count - forcedCount));
                    forcedCount = count;
                } catch (RuntimeException e) {
                    // The records are still in the page cache (they survive kill -9); only an OS crash could lose them.
                    LOG.error("forcing the nonce journal {} to disk failed ({} records since the last force): {}", dir,
                            count - forcedCount, e.toString());
                    metrics.batchFailure("nonce");
                }
            }
            for (NonceSegment s : retired) {
                s.release();
                sealed.add(new SealedSegment(s.file, s.newestExpiresAt()));
            }
            if (spareSequence >= 0) {
                prepareSpare(spareSequence);
            }
            long now = clock.millis();
            if (sweepNow || now - lastSweep >= SWEEP_EVERY_MILLIS) {
                lastSweep = now;
                sweep(now);
            }
        }
    }

    private void prepareSpare(long sequence) {
        NonceSegment next;
        try {
            next = NonceSegment.create(dir, sequence, segmentBytes);
        } catch (IOException e) {
            LOG.warn("cannot prepare the next nonce journal segment in {} ({} bytes), will retry: {}", dir,
                    segmentBytes, e.toString());
            return;
        }
        appendLock.lock();
        try {
            if (!closed && spare == null) {
                spare = next;
                return;
            }
        } finally {
            appendLock.unlock();
        }
        next.release();
        NonceSegment.deleteQuietly(next.file);
    }

    private void sweep(long now) {
        int dropped = reserved.removeExpired(now);
        int deleted = 0;
        for (Iterator<SealedSegment> it = sealed.iterator(); it.hasNext(); ) {
            SealedSegment s = it.next();
            if (s.newestExpiresAt() <= now) {
                try {
                    Files.deleteIfExists(s.file());
                    it.remove();
                    deleted++;
                } catch (IOException e) {
                    LOG.warn("cannot delete expired nonce journal segment {}, will retry: {}", s.file(), e.toString());
                }
            }
        }
        LOG.debug("nonce journal sweep: {} expired nonces dropped, {} segments deleted", dropped, deleted);
    }

    /**
     * Refuses further reservations, forces the journal, unmaps and closes its files, deletes an unused spare segment
     * and releases the lock. Idempotent.
     */
    @Override
    public void close() {
        appendLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            appendLock.unlock();
        }
        background.shutdown();
        try {
            background.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (maintenance) {
            List<NonceSegment> open = new ArrayList<>(filled);
            if (current != null) {
                open.add(current);
            }
            for (NonceSegment s : open) {
                try {
                    s.force();
                } catch (RuntimeException e) {
                    LOG.error("forcing nonce journal segment {} at close failed: {}", s.file, e.toString());
                }
                s.release();
            }
            if (spare != null) {
                spare.release();
                NonceSegment.deleteQuietly(spare.file);
            }
            filled.clear();
            current = null;
            spare = null;
            NonceSegment.closeQuietly(lockChannel); // releases the lock
        }
    }
}
