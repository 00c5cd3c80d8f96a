package dev.upshift.server.events;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead file of client reports on a SQLite installation (decision 0025): a report is acknowledged once its
 * record is in the journal, and the event writer moves records into the database in large batches, storing in the
 * same transaction the highest sequence number it has applied ({@code event_journal.applied_through}). At the next
 * start every record above that mark is written again, so each acknowledged report is stored exactly once.
 *
 * <h2>Durability</h2>
 * A record goes to the file with one {@code write} before {@link #append} returns: it is in the kernel's page cache
 * and survives {@code kill -9} or a JVM crash, the guarantee SQLite gives in WAL mode with {@code synchronous=NORMAL}.
 * {@link #forceIfDue} (called by the writer thread) forces the file to disk about once a second, so a crash of the
 * operating system loses at most about the last second, as with the nonce journal (decision 0019).
 *
 * <h2>Format</h2>
 * Files {@code <dir>/journal-<n>.log} ({@code n} counting up, 12 digits) start with the 8 bytes {@code UPREPRT1}.
 * Records follow, big-endian: {@code int length} (the bytes after it), {@code long sequence}, the event (see
 * {@link #encode}), {@code int} CRC32C of everything before it in the record. A file is read up to its first record
 * whose length is out of range or whose CRC fails: the torn tail a {@code kill -9} during a write can leave, never
 * acknowledged. Appends always go to a new file after opening, so nothing is written after a torn tail. A file
 * that passed {@link #ROTATE_BYTES} is closed by the writer's next {@link #rotateIfDue}; it is deleted once every
 * record in it is applied.
 *
 * <p>Thread safety: {@link #append} is synchronized (records are written in sequence order); the other methods are
 * called by the event writer thread and synchronize on the same monitor, but do their file-system work (forcing,
 * starting the next file, deleting applied ones) outside it: an append may run on a selector thread (decision
 * 0028), so the one system call it makes under the monitor is its own {@code write}.
 */
final class ReportJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReportJournal.class);
    private static final byte[] MAGIC = "UPREPRT1".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern NAME = Pattern.compile("journal-(\\d{12})\\.log");
    static final long ROTATE_BYTES = 16L * 1024 * 1024;
    private static final long FORCE_EVERY_NANOS = 1_000_000_000L;
    /** Sequence, CRC and the smallest event: a record's length below this is corrupt. */
    private static final int MIN_BODY = 8 + 4 + 8;
    private static final int MAX_BODY = 1024 * 1024;

    /** A record read back at opening: its sequence number and event. */
    record Journaled(long sequence, Event event) {
    }

    private record Sealed(Path file, long lastSequence) {
    }

    private final Path dir;
    private final long rotateBytes;
    private final Deque<Sealed> sealed = new ArrayDeque<>();
    private final List<Journaled> unapplied = new ArrayList<>();
    private long nextFileNumber;
    private long nextSequence;
    private FileChannel current;
    private Path currentFile;
    private long currentBytes;
    private long currentLastSequence;
    private boolean dirty;
    private long lastForce = System.nanoTime();
    private boolean closed;
    /** The last append failed part-way: the current file ends in a torn record and takes no more. */
    private boolean torn;
    private long lastRotateWarning;

    /** Opens a new journal file for writing (tests wrap the channel to make writes fail). */
    @FunctionalInterface
    interface FileOpener {
        FileChannel open(Path file) throws IOException;
    }

    private static final FileOpener CREATE_NEW = file -> FileChannel.open(file, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ, StandardOpenOption.WRITE);

    private final FileOpener opener;

    private ReportJournal(Path dir, long rotateBytes, FileOpener opener) {
        this.dir = dir;
        this.rotateBytes = rotateBytes;
        this.opener = opener;
    }

    /**
     * Opens the journal in {@code dir} (created if missing), reads back the records above {@code appliedThrough}
     * ({@link #unapplied}) and starts a new file.
     *
     * @throws IllegalStateException with a message for the operator if the directory cannot be read or written
     */
    static ReportJournal open(Path dir, long appliedThrough) {
        return open(dir, appliedThrough, ROTATE_BYTES);
    }

    static ReportJournal open(Path dir, long appliedThrough, long rotateBytes) {
        return open(dir, appliedThrough, rotateBytes, CREATE_NEW);
    }

    static ReportJournal open(Path dir, long appliedThrough, long rotateBytes, FileOpener opener) {
        ReportJournal journal = new ReportJournal(dir, rotateBytes, opener);
        try {
            Files.createDirectories(dir);
            journal.recover(appliedThrough);
            journal.startFile();
        } catch (IOException e) {
            journal.close();
            throw new IllegalStateException("Cannot open the report journal " + dir + ": " + e
                    + ". Make the data directory writable by the server's user and free disk space", e);
        }
        return journal;
    }

    /** The records above the applied mark found at opening, in sequence order (to be written before serving). */
    List<Journaled> unapplied() {
        return unapplied;
    }

    /**
     * Writes one report and returns its sequence number once the record is in the page cache. Never rotates: the
     * writer does ({@link #rotateIfDue}), and the event queue's capacity bounds what can be appended between two of
     * its calls, so a file stays below about twice {@link #ROTATE_BYTES}.
     *
     * @throws IOException if it cannot be written (disk full, closed, or a new file not started yet after a failed
     *                     write): the report must then be refused
     */
    synchronized long append(byte[] event) throws IOException {
        if (closed) {
            throw new IOException("the report journal " + dir + " is closed");
        }
        if (torn) {
            throw new IOException("the report journal's last write failed; waiting for a new file");
        }
        long sequence = nextSequence;
        ByteBuffer record = record(sequence, event);
        long at = currentBytes;
        try {
            while (record.hasRemaining()) {
                at += current.write(record, at);
            }
        } catch (IOException e) {
            // A partial record is a torn tail, and reading stops there: nothing may be written after it, so appends
            // are refused until the writer has started a new file.
            torn = true;
            throw e;
        }
        nextSequence++;
        currentBytes = at;
        currentLastSequence = sequence;
        dirty = true;
        return sequence;
    }

    /**
     * Deletes the closed files whose records are all applied (the writer's batch up to {@code sequence} committed).
     * The files are deleted outside the lock, so appends do not wait for the file system.
     */
    void applied(long sequence) {
        List<Sealed> done = new ArrayList<>();
        synchronized (this) {
            while (!sealed.isEmpty() && sealed.peekFirst().lastSequence() <= sequence) {
                done.add(sealed.pollFirst());
            }
        }
        for (int i = 0; i < done.size(); i++) {
            try {
                Files.deleteIfExists(done.get(i).file());
            } catch (IOException e) {
                LOG.warn("cannot delete applied report journal file {}, will retry: {}", done.get(i).file(),
                        e.toString());
                synchronized (this) {
                    for (int j = done.size() - 1; j >= i; j--) {
                        sealed.addFirst(done.get(j));
                    }
                }
                return;
            }
        }
    }

    /**
     * Forces the current file to disk if it changed and a second has passed since the last force. The force runs
     * outside the lock: appends go on meanwhile (a positional write and {@code fdatasync} do not exclude each other).
     */
    void forceIfDue() {
        FileChannel channel;
        Path file;
        synchronized (this) {
            if (closed || !dirty || System.nanoTime() - lastForce < FORCE_EVERY_NANOS) {
                return;
            }
            lastForce = System.nanoTime();
            dirty = false;
            channel = current;
            file = currentFile;
        }
        try {
            channel.force(false);
        } catch (ClosedChannelException e) {
            // Rotated or closed meanwhile (sealing forced the file), or this thread was interrupted while stopping.
        } catch (IOException e) {
            // The records are still in the page cache (they survive kill -9); only an OS crash could lose them.
            LOG.error("forcing the report journal {} to disk failed: {}", file, e.toString());
            synchronized (this) {
                dirty = true;
            }
        }
    }

    /**
     * Called by the writer thread: once the current file has reached its size, or ends in a torn record, starts the
     * next one and seals this one, doing the file-system work (create, force, close) outside the lock, so an append
     * (which may run on a selector thread) never waits for it.
     */
    void rotateIfDue() {
        long number;
        synchronized (this) {
            if (closed || (currentBytes < rotateBytes && !torn)) {
                return;
            }
            number = nextFileNumber++;
        }
        Path file = fileName(number);
        FileChannel next;
        try {
            next = createFile(file);
        } catch (IOException e) {
            if (System.nanoTime() - lastRotateWarning > 60_000_000_000L) { // the writer retries every few ms
                lastRotateWarning = System.nanoTime();
                LOG.warn("cannot start the report journal file {}; {}: {}", file, torn
                        ? "reports are refused until it can" : "appends continue in the current one", e.toString());
            }
            return;
        }
        FileChannel previous;
        Path previousFile;
        synchronized (this) {
            if (closed) {
                closeQuietly(next);
                deleteQuietly(file);
                return;
            }
            previous = current;
            previousFile = currentFile;
            sealed.addLast(new Sealed(previousFile, currentLastSequence));
            use(next, file);
            torn = false;
        }
        forceAndClose(previous, previousFile);
    }

    /** Files held: the current one and those not yet applied. */
    synchronized int files() {
        return sealed.size() + (current == null ? 0 : 1);
    }

    /**
     * Forces and closes the current file; deletes every file if everything up to the last append is applied
     * (a clean stop leaves an empty directory), otherwise keeps them for the next start. Idempotent.
     */
    synchronized void close(long appliedThrough) {
        if (closed) {
            return;
        }
        close();
        if (appliedThrough >= nextSequence - 1) {
            applied(Long.MAX_VALUE);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (current != null) {
            seal(current, currentFile, currentLastSequence);
            current = null;
        }
    }

    // ---- files ----------------------------------------------------------------------------------------------------

    /** Forces and closes a finished file; it is deleted once every record in it is applied. */
    private void seal(FileChannel channel, Path file, long lastSequence) {
        forceAndClose(channel, file);
        sealed.addLast(new Sealed(file, lastSequence));
    }

    private static void forceAndClose(FileChannel channel, Path file) {
        try {
            channel.force(false);
        } catch (IOException e) {
            LOG.error("forcing the report journal file {} failed: {}", file, e.toString());
        } finally {
            closeQuietly(channel);
        }
    }

    private void startFile() throws IOException {
        Path file = fileName(nextFileNumber);
        FileChannel channel = createFile(file);
        nextFileNumber++;
        use(channel, file);
    }

    private Path fileName(long number) {
        return dir.resolve(String.format("journal-%012d.log", number));
    }

    /** A new file holding only the format's magic, its name forced into the directory. */
    private FileChannel createFile(Path file) throws IOException {
        FileChannel channel = opener.open(file);
        try {
            channel.write(ByteBuffer.wrap(MAGIC), 0);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the new name survives an OS crash
            }
        } catch (IOException e) {
            closeQuietly(channel);
            deleteQuietly(file);
            throw e;
        }
        return channel;
    }

    private void use(FileChannel channel, Path file) {
        current = channel;
        currentFile = file;
        currentBytes = MAGIC.length;
        currentLastSequence = nextSequence - 1;
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing was written to it that anyone needs
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // an empty file: read as no records at the next start
        }
    }

    private void recover(long appliedThrough) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> NAME.matcher(f.getFileName().toString()).matches()).sorted().toList();
        }
        long lastSequence = appliedThrough;
        for (Path file : files) {
            Matcher m = NAME.matcher(file.getFileName().toString());
            m.matches();
            nextFileNumber = Math.max(nextFileNumber, Long.parseLong(m.group(1)) + 1);
            long fileLast = read(file, appliedThrough);
            lastSequence = Math.max(lastSequence, fileLast);
            sealed.addLast(new Sealed(file, fileLast));
        }
        nextSequence = lastSequence + 1;
        unapplied.sort((a, b) -> Long.compare(a.sequence(), b.sequence()));
        if (!files.isEmpty()) {
            LOG.info("report journal {}: {} files, {} acknowledged reports not yet in the database", dir, files.size(),
                    unapplied.size());
        }
    }

    /** Reads a file up to its first bad record, collecting records above the mark; returns its last sequence. */
    private long read(Path file, long appliedThrough) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        if (b.limit() < MAGIC.length) {
            return Long.MIN_VALUE; // a crash while the file was being started
        }
        byte[] header = new byte[MAGIC.length];
        b.get(0, header);
        if (!Arrays.equals(header, MAGIC)) {
            throw new IllegalStateException("Report journal file " + file + " has an unknown format (it does not "
                    + "start with UPREPRT1), probably written by a newer Upshift. Run that version, or move the file "
                    + "away (the acknowledged reports in it would then not be stored)");
        }
        long last = Long.MIN_VALUE;
        int p = MAGIC.length;
        CRC32C crc = new CRC32C();
        int records = 0;
        while (p <= b.limit() - 4) {
            int body = b.getInt(p);
            if (body < MIN_BODY || body > MAX_BODY || body > b.limit() - p - 4) {
                warnTorn(file, p, records);
                break;
            }
            crc.reset();
            crc.update(b.slice(p, body));
            if ((int) crc.getValue() != b.getInt(p + body)) {
                warnTorn(file, p, records);
                break;
            }
            long sequence = b.getLong(p + 4);
            if (sequence > appliedThrough) {
                byte[] event = new byte[body - 12];
                b.get(p + 12, event);
                unapplied.add(new Journaled(sequence, decode(event)));
            }
            last = Math.max(last, sequence);
            records++;
            p += 4 + body;
        }
        return last;
    }

    private static void warnTorn(Path file, int at, int records) {
        LOG.warn("report journal file {}: ignoring a torn or corrupt record at byte {} and anything after it ({} "
                + "records before it; a torn record was never acknowledged)", file, at, records);
    }

    private static ByteBuffer record(long sequence, byte[] event) {
        int body = 8 + event.length + 4;
        ByteBuffer b = ByteBuffer.allocate(4 + body);
        b.putInt(body).putLong(sequence).put(event);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, b.position());
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    // ---- events ---------------------------------------------------------------------------------------------------

    /** An event as journal bytes: every field of {@link Event}, nullable ones behind a presence flag. */
    static byte[] encode(Event e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(e.tenantId());
            out.writeLong(e.appId());
            out.writeUTF(e.type());
            out.writeLong(e.occurredAt());
            out.writeLong(e.receivedAt());
            writeNullable(out, e.clientEventId());
            out.writeLong(e.versionCode());
            out.writeLong(e.targetVersionCode());
            writeNullable(out, e.targetVersionId());
            writeNullable(out, e.strategyId());
            out.writeLong(e.resultCode());
            out.writeUTF(e.deviceKey());
            out.writeUTF(e.deviceModel());
            out.writeUTF(e.platform());
            out.writeUTF(e.arch());
        } catch (IOException ex) {
            // Only a field longer than 65535 bytes of UTF-8; the report endpoint limits them far below that.
            throw new IllegalArgumentException("report too large for the journal: " + ex.getMessage(), ex);
        }
        return bytes.toByteArray();
    }

    static Event decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            return new Event(in.readLong(), in.readLong(), in.readUTF(), in.readLong(), in.readLong(),
                    in.readBoolean() ? in.readUTF() : null, in.readLong(), in.readLong(),
                    in.readBoolean() ? in.readLong() : null, in.readBoolean() ? in.readLong() : null, in.readLong(),
                    in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF());
        } catch (IOException e) {
            throw new UncheckedIOException("a report journal record with a valid CRC does not decode", e);
        }
    }

    private static void writeNullable(DataOutputStream out, String v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeUTF(v);
        }
    }

    private static void writeNullable(DataOutputStream out, Long v) throws IOException {
        out.writeBoolean(v != null);
        if (v != null) {
            out.writeLong(v);
        }
    }
}
