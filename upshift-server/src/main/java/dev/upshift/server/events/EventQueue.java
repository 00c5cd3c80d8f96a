package dev.upshift.server.events;

import dev.upshift.server.db.Database;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one event pipeline, with one writer thread ({@code upshift-events}): client reports go through a bounded
 * in-process queue, and the writer stores whatever has accumulated (up to 8 000 reports, decision 0028) in one
 * transaction: the raw rows, their daily roll-ups and the device registrations ({@link EventWriter}). Server facts
 * are summed in memory ({@link FactTally}) and written by the same thread every 1-10 s (decisions 0021, 0029).
 *
 * <p>Two guarantees, on purpose different (decisions 0015 and 0021):
 * <ul>
 *   <li><b>Reports</b> ({@link #report}) survive {@code kill -9} once acknowledged. With a {@link ReportJournal}
 *       (SQLite, decision 0025) a report is acknowledged once its record is in the journal; the writer stores it
 *       in a later batch and retries a failed batch until it commits, and a restart stores what was acknowledged
 *       but not yet committed. Without one (PostgreSQL) the request thread waits (at most 5 s) for the commit of
 *       the batch that carries its event (group commit, decision 0015). A full queue, a journal that cannot be
 *       written, a failed batch or no commit within the wait raise {@link UnavailableException} (the client answer
 *       is 503001; the client retries, and a client event id makes the retry harmless).
 *   <li><b>Facts</b> ({@link #record}: checked, offered, downloaded) never wait: they add to counters that the
 *       writer stores every second, or up to every 10 s while a flush takes long. A failed flush keeps them for the
 *       next one; a {@code kill -9} loses those not yet stored. They never take room in the queue, so a flood of
 *       checks cannot crowd out reports.
 * </ul>
 * A graceful {@link #close} drains the queue (for at most 30 s). The writer also deletes raw rows older than the
 * retention (every hour); roll-ups are never deleted.
 */
public final class EventQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventQueue.class);
    public static final int DEFAULT_CAPACITY = 100_000;
    /**
     * Reports in one transaction (decision 0028): with the writer's larger page cache and rarer checkpoints, 8 000
     * cost about half as much CPU per report as 2 000 did with SQLite's defaults.
     */
    static final int MAX_BATCH = 8000;
    /**
     * The SQLite page cache of the connection the writer uses, in KiB (SQLite's default is 2 000). A batch touches
     * a leaf page of each events index per report, and a flush of the facts a page of the roll-ups per key; with the
     * default, pages are read again and spilled to the WAL before the commit.
     */
    private static final int WRITER_CACHE_KIB = 32 * 1024;
    /**
     * The writer's connection keeps temporary data in memory ({@code PRAGMA temp_store = MEMORY}). A multi-row insert
     * of reports needs a statement journal (the original of every page it changes, so that the statement alone can
     * be undone if a row fails a constraint); SQLite writes one larger than 64 KiB to a temporary file, which cost a
     * {@code pwrite} of each such page: about 10 µs of every report under load. In memory it is at most the pages one
     * statement of the writer's (500 rows) changes, a few MiB, freed when the statement ends.
     */
    private static final String WRITER_TEMP_STORE = "MEMORY";
    private static final long REPORT_WAIT_MILLIS = 5_000;
    private static final long SWEEP_EVERY_MILLIS = 3_600_000;
    private static final int SWEEP_CHUNK = 10_000;
    /**
     * How long the writer lets a batch of journaled reports fill before it writes it (decision 0028). Every report
     * dirties a leaf page in each of the events indexes, and a page is written once per commit however many rows
     * changed it, so a larger commit writes fewer pages per report. Under load the queue fills a batch anyway; at a
     * moderate rate this turns many small commits into a few large ones. An acknowledged report is already
     * durable; it only reaches the statistics this much later.
     */
    static final long LINGER_NANOS = 200_000_000L;
    private static final long LINGER_STEP_NANOS = 5_000_000L;

    /**
     * A queued report: the future its request thread waits on (group commit), or its journal sequence number (a
     * journaled report was acknowledged already; {@code stored} is then null).
     */
    private record Pending(Event event, CompletableFuture<Boolean> stored, long sequence) {
    }

    private final Database db;
    private final Clock clock;
    private final EventWriter writer;
    private final long retentionMillis;
    private final int capacity;
    private final BlockingQueue<Pending> queue;
    private final OfferedStrategies offers = new OfferedStrategies();
    private final FactTally facts;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    /** Callers of {@link #flush} waiting: the writer then writes what it has without lingering. */
    private final AtomicInteger flushing = new AtomicInteger();
    private final Thread thread;
    /** Null with PostgreSQL: reports then wait for their commit. */
    private final ReportJournal journal;
    /** Orders journal sequence numbers with queue positions, and appends with {@link #close}. */
    private final Object journalAppend = new Object();
    /** The highest journal sequence committed to the database (the writer thread's; read by close after join). */
    private long appliedThrough;
    private final long lingerNanos;
    private volatile LongConsumer batchListener = nanos -> { };
    private volatile boolean closed;
    private long lastSweep;
    private volatile long lastFactFlush = System.nanoTime();
    private final FlushPacing factPacing = new FlushPacing();

    /**
     * @param zone          the report zone: roll-up days start at midnight there
     * @param retentionDays raw events older than this are deleted; 0 keeps them forever
     */
    public EventQueue(Database db, Clock clock, ZoneId zone, int retentionDays) {
        this(db, clock, zone, retentionDays, DEFAULT_CAPACITY, null);
    }

    /**
     * A queue that acknowledges reports once they are in the report journal under {@code journalDir} (SQLite,
     * decision 0025). Reports acknowledged before the last stop and not yet in the database are written before this
     * returns.
     *
     * @throws IllegalStateException if the journal cannot be opened or its reports cannot be written
     */
    public static EventQueue journaled(Database db, Clock clock, ZoneId zone, int retentionDays, Path journalDir) {
        return new EventQueue(db, clock, zone, retentionDays, DEFAULT_CAPACITY, journalDir);
    }

    /** With a chosen capacity (tests make it tiny to provoke a full queue) and an optional report journal. */
    EventQueue(Database db, Clock clock, ZoneId zone, int retentionDays, int capacity, Path journalDir) {
        this(db, clock, zone, retentionDays, capacity, journalDir, LINGER_NANOS);
    }

    /** With a chosen time a journaled batch may wait to fill (tests make it long). */
    EventQueue(Database db, Clock clock, ZoneId zone, int retentionDays, int capacity, Path journalDir,
               long lingerNanos) {
        this.lingerNanos = lingerNanos;
        this.db = db;
        this.clock = clock;
        this.writer = new EventWriter(zone);
        this.facts = new FactTally(zone);
        this.retentionMillis = retentionDays * 86_400_000L;
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.journal = journalDir == null ? null : openJournal(journalDir);
        this.thread = new Thread(this::run, "upshift-events");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A report or the pipeline could not be stored now; the client should retry after {@code retryAfterSeconds}. */
    public static final class UnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int retryAfterSeconds;

        UnavailableException(String message, int retryAfterSeconds, Throwable cause) {
            super(message, cause);
            this.retryAfterSeconds = retryAfterSeconds;
        }

        public int retryAfterSeconds() {
            return retryAfterSeconds;
        }
    }

    /** Counts a server fact in memory and returns at once; the writer stores the sums every 1-10 s. */
    public void record(Event fact) {
        if (fact.type().equals(Event.OFFERED)) {
            offers.remember(fact);
        }
        if (closed) {
            dropped.incrementAndGet();
            return;
        }
        facts.add(fact);
    }

    /**
     * Stores a client report and returns once it is durable: without a journal once its batch committed, true if it
     * was new and false if a report with the same client event id was already stored for the app; with a journal
     * once its record is written, always true (a duplicate is skipped when the batch is written). Both mean "stored".
     *
     * @throws UnavailableException when the queue is full, the batch failed or did not commit within 5 s; the
     *                              report may still be stored later, so a retry should carry the same event id
     */
    public boolean report(Event report) {
        if (journal != null) {
            journal(report);
            return true;
        }
        Pending p = new Pending(report, new CompletableFuture<>(), 0);
        inFlight.incrementAndGet();
        if (closed || !queue.offer(p)) {
            inFlight.decrementAndGet();
            throw refused();
        }
        try {
            return p.stored().get(REPORT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the report to be stored", 5, e);
        } catch (ExecutionException e) {
            throw new UnavailableException("storing the report failed: " + e.getCause().getMessage(), 5, e.getCause());
        } catch (TimeoutException e) {
            throw new UnavailableException("the report was not stored within " + REPORT_WAIT_MILLIS + " ms ("
                    + queue.size() + " of " + capacity + " queued)", 5, e);
        }
    }

    /**
     * Appends the report to the journal and queues it for the writer; from then on it is acknowledged. A full queue
     * refuses it before anything is written, so a refused report is never stored later.
     */
    private void journal(Event report) {
        byte[] record = ReportJournal.encode(report);
        synchronized (journalAppend) {
            if (closed || queue.remainingCapacity() == 0) {
                throw refused();
            }
            long sequence;
            try {
                sequence = journal.append(record);
            } catch (IOException e) {
                throw new UnavailableException("the report journal cannot be written: " + e.getMessage(), 5, e);
            }
            inFlight.incrementAndGet();
            queue.add(new Pending(report, null, sequence));
        }
    }

    private UnavailableException refused() {
        return new UnavailableException("event queue is " + (closed ? "closed" : "full (" + queue.size() + " of "
                + capacity + " queued)"), 1, null);
    }

    /**
     * True if {@link #report} waits for a commit (PostgreSQL's group commit); false with the report journal, where it
     * waits for nothing but a write into the page cache and may run on a selector thread (decision 0028).
     */
    public boolean reportWaits() {
        return journal == null;
    }

    /** The strategy that offered a version to a device, best effort (see {@link OfferedStrategies}). */
    public OfferedStrategies offers() {
        return offers;
    }

    /** Reports queued and not yet taken by the writer. */
    public int depth() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Facts dropped since start: recorded after close, or device registrations beyond the bound while the database
     * was unreachable. Reports are refused, never dropped.
     */
    public long dropped() {
        return dropped.get() + facts.dropped();
    }

    /** Events committed since start, duplicates of stored reports included. */
    public long written() {
        return written.get();
    }

    /** How long the summed facts wait between flushes now, in seconds ({@link FlushPacing}). */
    public double factFlushIntervalSeconds() {
        return factPacing.intervalNanos() / 1e9;
    }

    /** Called on the writer thread after each batch with its duration in nanoseconds (for metrics). */
    public void setBatchListener(LongConsumer listener) {
        this.batchListener = listener == null ? nanos -> { } : listener;
    }

    /** Waits (up to 10 s) until everything queued so far is written, then writes the facts counted so far (tests). */
    public void flush() {
        long deadline = System.currentTimeMillis() + 10_000;
        flushing.incrementAndGet();
        try {
            while (inFlight.get() > 0 && System.currentTimeMillis() < deadline) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            flushing.decrementAndGet();
        }
        flushFacts();
    }

    /** Stores the facts counted since the last flush in one transaction; on failure they wait for the next one. */
    private synchronized void flushFacts() {
        long start = System.nanoTime();
        lastFactFlush = start;
        FactTally.Drained drained = facts.drain();
        if (drained.isEmpty()) {
            factPacing.flushed(start, 0);
            return;
        }
        try (Connection c = writerConnection()) {
            c.setAutoCommit(false);
            try {
                EventWriter.write(c, drained);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException | RuntimeException e) {
            facts.restore(drained);
            LOG.warn("writing the summed facts failed; they are kept for the next flush: {}", e.getMessage());
            batchListener.accept(System.nanoTime() - start);
            return;
        }
        facts.committed(drained);
        written.addAndGet(drained.facts());
        long took = System.nanoTime() - start;
        factPacing.flushed(start, took);
        batchListener.accept(took);
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, MAX_BATCH - 1);
                    if (journal != null) {
                        linger(batch);
                    }
                    long backoff = 50;
                    // Journaled reports are acknowledged already: a failed batch is retried, never refused. Reports
                    // arriving meanwhile fill the queue and are refused once it is full (the clients retry).
                    boolean written;
                    while (!(written = writeBatch(batch)) && journal != null && !closed) {
                        journal.forceIfDue(); // an outage of the database must not also leave the journal unforced
                        journal.rotateIfDue();
                        Thread.sleep(backoff);
                        backoff = Math.min(5_000, backoff * 2);
                    }
                    if (!written && journal != null) {
                        // Stopping with a batch that failed: a later batch must not commit, since its applied mark
                        // would pass over this one's reports. They all stay in the journal for the next start.
                        batch.forEach(p -> settleFailed(p, null));
                        batch.clear();
                        break;
                    }
                    batch.clear();
                }
                if (journal != null) {
                    journal.forceIfDue();
                    journal.rotateIfDue();
                }
                if (System.nanoTime() - lastFactFlush >= factPacing.intervalNanos()) {
                    flushFacts();
                }
                sweepIfDue();
            } catch (InterruptedException e) {
                if (closed) {
                    break;
                }
            }
        }
        flushFacts();
        // Only reachable with events left after an interrupt or a failing database during close: refuse them
        // rather than leave waiters (journaled ones stay in the journal for the next start).
        for (Pending p; (p = queue.poll()) != null; ) {
            settleFailed(p, new IllegalStateException("event queue closed"));
        }
    }

    /**
     * Lets a batch of journaled reports grow for up to {@code lingerNanos}, draining the queue every few
     * milliseconds (not at every report, which would wake the writer thousands of times a second). Stops early when
     * the batch is full, the queue closes or someone is waiting in {@link #flush}.
     */
    private void linger(List<Pending> batch) {
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < MAX_BATCH && !closed && flushing.get() == 0 && !Thread.currentThread().isInterrupted()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(Math.min(left, LINGER_STEP_NANOS));
            queue.drainTo(batch, MAX_BATCH - batch.size());
        }
    }

    /** Writes a batch in one transaction; false if it failed (its waiters are then refused, journaled ones kept). */
    private boolean writeBatch(List<Pending> batch) {
        long start = System.nanoTime();
        List<Event> events = new ArrayList<>(batch.size());
        batch.forEach(p -> events.add(p.event()));
        long lastSequence = batch.get(batch.size() - 1).sequence();
        boolean[] inserted;
        try {
            inserted = store(events, lastSequence);
        } catch (SQLException | RuntimeException e) {
            if (journal != null) {
                LOG.warn("writing {} acknowledged reports failed; retrying (they are kept in the report journal): {}",
                        batch.size(), e.getMessage());
            } else {
                LOG.warn("writing {} reports failed; they are refused (the clients retry): {}",
                        batch.size(), e.getMessage());
                batch.forEach(p -> settleFailed(p, e));
            }
            batchListener.accept(System.nanoTime() - start);
            return false;
        }
        countStored(events, inserted);
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            if (p.stored() != null) {
                p.stored().complete(inserted[i]);
            }
            inFlight.decrementAndGet();
        }
        if (journal != null) {
            appliedThrough = lastSequence;
            journal.applied(lastSequence);
        }
        batchListener.accept(System.nanoTime() - start);
        return true;
    }

    /**
     * A pool connection with the writer's page cache ({@link #WRITER_CACHE_KIB}) and in-memory statement journals
     * ({@link #WRITER_TEMP_STORE}) with SQLite.
     */
    private Connection writerConnection() throws SQLException {
        Connection c = db.dataSource().getConnection();
        if (db.dialect() == Database.Dialect.SQLITE) {
            // The pool hands this thread the connection it used last, so in practice one connection keeps the
            // larger cache; a no-op when it already has it.
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA cache_size = -" + WRITER_CACHE_KIB);
                st.execute("PRAGMA temp_store = " + WRITER_TEMP_STORE);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.close();
                } catch (SQLException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
        return c;
    }

    /**
     * Stores reports in one transaction and, with a journal, moves the applied mark to {@code lastSequence} in the
     * same transaction, so a report is either in the database and below the mark, or in neither.
     */
    private boolean[] store(List<Event> events, long lastSequence) throws SQLException {
        try (Connection c = writerConnection()) {
            c.setAutoCommit(false);
            try {
                boolean[] inserted = writer.write(c, events);
                if (journal != null) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE event_journal SET applied_through = ? WHERE id = 1")) {
                        ps.setLong(1, lastSequence);
                        ps.executeUpdate();
                    }
                }
                c.commit();
                return inserted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** After a batch committed: the reports are counted as written, and the devices of the new ones registered. */
    private void countStored(List<Event> events, boolean[] inserted) {
        written.addAndGet(events.size());
        for (int i = 0; i < inserted.length; i++) {
            if (inserted[i]) {
                facts.addDevice(events.get(i));
            }
        }
    }

    /**
     * Opens the journal at the database's applied mark and writes the reports acknowledged before the last stop
     * but not yet stored, before any new report is taken.
     */
    private ReportJournal openJournal(Path dir) {
        long mark = db.jdbi().withHandle(h -> h.createQuery("SELECT applied_through FROM event_journal WHERE id = 1")
                .mapTo(Long.class).one());
        ReportJournal opened = ReportJournal.open(dir, mark);
        List<ReportJournal.Journaled> unapplied = opened.unapplied();
        try {
            for (int from = 0; from < unapplied.size(); from += MAX_BATCH) {
                List<ReportJournal.Journaled> chunk = unapplied.subList(from, Math.min(unapplied.size(), from + MAX_BATCH));
                List<Event> events = chunk.stream().map(ReportJournal.Journaled::event).toList();
                countStored(events, store(events, chunk.get(chunk.size() - 1).sequence()));
            }
        } catch (SQLException | RuntimeException e) {
            opened.close();
            throw new IllegalStateException("Cannot store the " + unapplied.size() + " acknowledged reports of the "
                    + "report journal " + dir + " in the database: " + e.getMessage(), e);
        }
        if (!unapplied.isEmpty()) {
            mark = unapplied.get(unapplied.size() - 1).sequence();
            LOG.info("stored {} acknowledged reports from the report journal", unapplied.size());
        }
        appliedThrough = mark;
        opened.applied(mark);
        unapplied.clear();
        return opened;
    }

    private void settleFailed(Pending p, Exception e) {
        if (p.stored() != null) {
            p.stored().completeExceptionally(e);
        }
        inFlight.decrementAndGet();
    }

    /**
     * Deletes raw events past the retention, oldest first, by ranges of the primary key: ids grow with the time
     * received, so the oldest rows are the lowest ids, and the sweep needs no index on {@code received_at} (one
     * index less to update with every report; decision 0021). A range is deleted in one short transaction, so
     * queued reports are not held up for long; the sweep stops at the first range that holds a newer row.
     */
    private void sweepIfDue() {
        long now = clock.millis();
        if (retentionMillis <= 0 || now - lastSweep < SWEEP_EVERY_MILLIS) {
            return;
        }
        lastSweep = now;
        long cutoff = now - retentionMillis;
        try {
            long total = 0;
            while (!closed) {
                Long lowest = db.jdbi().withHandle(h -> h.createQuery("SELECT MIN(id) FROM events")
                        .mapTo(Long.class).findOne().orElse(null));
                if (lowest == null) {
                    break;
                }
                long from = lowest;
                long to = from + SWEEP_CHUNK;
                int deleted = db.jdbi().withHandle(h -> h.createUpdate("DELETE FROM events WHERE id >= :from AND id < :to "
                        + "AND received_at < :cutoff").bind("from", from).bind("to", to).bind("cutoff", cutoff).execute());
                total += deleted;
                boolean newerInRange = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM events WHERE "
                        + "id >= :from AND id < :to").bind("from", from).bind("to", to).mapTo(Long.class).one()) > 0;
                if (newerInRange) {
                    break;
                }
            }
            if (total > 0) {
                LOG.info("deleted {} raw events older than the retention", total);
            }
        } catch (RuntimeException e) {
            LOG.warn("deleting expired events failed, will retry in an hour: {}", e.getMessage());
        }
    }

    /** Refuses new events, writes everything queued (for at most 30 s) and stops the writer. */
    @Override
    public void close() {
        synchronized (journalAppend) {
            closed = true;
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.warn("event writer did not drain within 30 s; {} events were not written{}", queue.size(),
                    journal == null ? "" : " (acknowledged reports stay in the report journal for the next start)");
        }
        if (journal != null) {
            journal.close(thread.isAlive() ? -1 : appliedThrough);
        }
    }
}
