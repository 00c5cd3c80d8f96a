package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.server.db.Database;
import dev.upshift.server.testing.KilledProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports acknowledged through the report journal on a real SQLite database (decision 0025): acknowledged while the
 * database cannot take them, stored once it can, stored exactly once across restarts and across {@code kill -9}.
 */
class EventQueueJournalTest {
    private static final ZoneId UTC = ZoneId.of("UTC");

    @TempDir
    Path dir;
    private Path journalDir;
    private String url;

    @BeforeEach
    void createDatabase() {
        journalDir = dir.resolve("reports");
        url = "jdbc:sqlite:" + dir.resolve("q.db");
        EventTestDatabase.open(url).close();
    }

    private static Event report(String device, String eventId) {
        return new Event(1, 1, Event.APP_START, 1, System.currentTimeMillis(), eventId, 1, 0, null, null, 0, device,
                "", "", "");
    }

    private static long count(Database db, String sql) {
        return db.jdbi().withHandle(h -> h.createQuery(sql).mapTo(Long.class).one());
    }

    private List<Path> journalFiles() throws IOException {
        try (Stream<Path> list = Files.list(journalDir)) {
            return list.toList();
        }
    }

    @Test
    void reportsAreAcknowledgedWhileTheDatabaseIsLockedAndStoredOnceItIsFree() throws Exception {
        try (Database db = Database.open(url, null, null);
             Connection lock = DriverManager.getConnection(url); Statement s = lock.createStatement()) {
            EventQueue queue = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir);
            s.execute("BEGIN EXCLUSIVE");
            long started = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                assertThat(queue.report(report("d" + i, "e" + i))).isTrue();
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .as("no report waited for the locked database (its busy timeout is 10 s)").isLessThan(5_000);
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isZero();
            s.execute("ROLLBACK");
            queue.flush();
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(50);
            assertThat(count(db, "SELECT applied_through FROM event_journal")).isEqualTo(50);
            queue.close();
            assertThat(journalFiles()).as("a clean stop leaves no journal file").isEmpty();
        }
    }

    @Test
    void reportsArrivingOneByOneWaitForTheirBatchToFillAndFlushWritesThemAtOnce() throws Exception {
        try (Database db = Database.open(url, null, null);
             EventQueue queue = new EventQueue(db, Clock.systemUTC(), UTC, 0, EventQueue.DEFAULT_CAPACITY, journalDir,
                     TimeUnit.MINUTES.toNanos(1))) {
            // After each commit (reports, and the facts of their devices): how many reports are stored by then.
            List<Long> storedAfterEachCommit = new CopyOnWriteArrayList<>();
            queue.setBatchListener(nanos -> storedAfterEachCommit.add(count(db, "SELECT COUNT(*) FROM events")));
            for (int i = 0; i < 40; i++) {
                assertThat(queue.report(report("d" + i, "e" + i))).isTrue();
                Thread.sleep(5);
            }
            assertThat(count(db, "SELECT COUNT(*) FROM events")).as("the batch is still filling").isZero();
            assertThat(storedAfterEachCommit).isEmpty();
            queue.flush(); // gives up after 10 s if the writer kept lingering
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(40);
            assertThat(storedAfterEachCommit).as("one commit stored all of them").first().isEqualTo(40L);
        }
    }

    @Test
    void aFullBatchIsWrittenWithoutWaitingForMoreReports() throws Exception {
        try (Database db = Database.open(url, null, null);
             EventQueue queue = new EventQueue(db, Clock.systemUTC(), UTC, 0, EventQueue.DEFAULT_CAPACITY, journalDir,
                     TimeUnit.MINUTES.toNanos(1))) {
            int reports = EventQueue.MAX_BATCH + 5;
            for (int i = 0; i < reports; i++) {
                queue.report(report("d" + i, "e" + i));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (count(db, "SELECT COUNT(*) FROM events") < EventQueue.MAX_BATCH && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(count(db, "SELECT COUNT(*) FROM events")).as("the full batch, without a flush")
                    .isEqualTo(EventQueue.MAX_BATCH);
            queue.flush();
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(reports);
        }
    }

    @Test
    void theWritersConnectionKeepsALargerPageCacheAndStatementJournalsInMemoryAndCheckpointsLessOften() throws Exception {
        try (Database db = Database.open(url, null, null);
             EventQueue queue = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
            queue.report(report("d", "e"));
            queue.flush();
            assertThat(count(db, "PRAGMA wal_autocheckpoint")).isEqualTo(10_000);
            // The pool hands a thread the connection it used last; the writer's is one of its four.
            // Per connection: its page cache and where it keeps temporary data (0 default, 1 file, 2 memory).
            List<String> settings = new java.util.ArrayList<>();
            try (Connection c1 = db.dataSource().getConnection(); Connection c2 = db.dataSource().getConnection();
                 Connection c3 = db.dataSource().getConnection(); Connection c4 = db.dataSource().getConnection()) {
                for (Connection c : List.of(c1, c2, c3, c4)) {
                    try (Statement s = c.createStatement(); var cache = s.executeQuery("PRAGMA cache_size")) {
                        long pages = cache.getLong(1);
                        try (var temp = s.executeQuery("PRAGMA temp_store")) {
                            settings.add(pages + "/" + temp.getInt(1));
                        }
                    }
                }
            }
            // The writer's statement journals stay in memory instead of a temporary file.
            assertThat(settings).contains("-32768/2", "-2000/0");
        }
    }

    @Test
    void stoppingWithAFailingBatchKeepsItAndEveryLaterReportInTheJournal() throws Exception {
        int reports = EventQueue.MAX_BATCH + 10;
        try (Database db = Database.open(url, null, null)) {
            db.jdbi().useHandle(h -> h.execute("CREATE TRIGGER poison BEFORE INSERT ON events "
                    + "WHEN NEW.device_key = 'poison' BEGIN SELECT RAISE(ABORT, 'a poisoned report'); END"));
            EventQueue queue = new EventQueue(db, Clock.systemUTC(), UTC, 0, EventQueue.DEFAULT_CAPACITY, journalDir,
                    TimeUnit.MINUTES.toNanos(1));
            queue.report(report("poison", null));
            for (int i = 1; i < reports; i++) {
                queue.report(report("d" + i, null));
            }
            // The batch with the poisoned report fails at every attempt; a later batch would commit, and its applied
            // mark would pass over the failed one's reports.
            queue.close();
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isZero();
            assertThat(count(db, "SELECT applied_through FROM event_journal")).isZero();
            db.jdbi().useHandle(h -> h.execute("DROP TRIGGER poison"));
            try (EventQueue restarted = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
                assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(reports);
            }
        }
    }

    @Test
    void aFailingBatchIsRetriedUntilItCommitsAndNothingIsLost() throws Exception {
        try (Database db = Database.open(url, null, null); Connection other = DriverManager.getConnection(url);
             Statement s = other.createStatement()) {
            s.execute("ALTER TABLE events RENAME TO events_away"); // every insert now fails: no such table
            try (EventQueue queue = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
                for (int i = 0; i < 20; i++) {
                    assertThat(queue.report(report("d" + i, null))).isTrue();
                }
                Thread.sleep(300); // a few failed attempts
                assertThat(count(db, "SELECT applied_through FROM event_journal")).isZero();
                s.execute("ALTER TABLE events_away RENAME TO events");
                queue.flush();
                assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(20);
                assertThat(count(db, "SELECT SUM(events) FROM event_daily WHERE event_type = 'app_start'"))
                        .isEqualTo(20);
            }
        }
    }

    @Test
    void reportsAcknowledgedButNotCommittedAreStoredAtTheNextStartExactlyOnce() throws Exception {
        try (Database db = Database.open(url, null, null)) {
            try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
                EventQueue queue = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir);
                queue.report(report("before", null));
                queue.flush();
                s.execute("ALTER TABLE events RENAME TO events_away");
                for (int i = 0; i < 30; i++) {
                    queue.report(report("d" + i, i % 2 == 0 ? "e" + i : null));
                }
                // Stopped while the database refuses them: the writer gives up, the journal keeps the reports.
                queue.close();
                assertThat(journalFiles()).isNotEmpty();
                s.execute("ALTER TABLE events_away RENAME TO events");
            }
            assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(1);
            try (EventQueue restarted = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
                assertThat(count(db, "SELECT COUNT(*) FROM events")).isEqualTo(31);
            }
            try (EventQueue again = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
                assertThat(count(db, "SELECT COUNT(*) FROM events")).as("a second restart adds nothing").isEqualTo(31);
                assertThat(count(db, "SELECT COUNT(DISTINCT device_key) FROM events")).isEqualTo(31);
                assertThat(count(db, "SELECT SUM(events) FROM event_daily WHERE event_type = 'app_start'"))
                        .isEqualTo(31);
            }
            assertThat(journalFiles()).isEmpty();
        }
    }

    @Test
    void everyAcknowledgedReportSurvivesKillMinus9ExactlyOnce() throws Exception {
        List<String> done = KilledProbe.runUntil(dir, ReportJournalCrashProbe.class, 20_000, 60_000,
                dir.resolve("q.db").toString(), journalDir.toString());
        try (Database db = Database.open(url, null, null)) {
            try (EventQueue restarted = EventQueue.journaled(db, Clock.systemUTC(), UTC, 0, journalDir)) {
                assertThat(count(db, "SELECT COUNT(*) FROM events WHERE device_key IN ('probe-0', 'probe-"
                        + done.get(done.size() - 1) + "')")).isEqualTo(2);
                long missing = db.jdbi().withHandle(h -> {
                    h.execute("CREATE TEMP TABLE acked (device_key TEXT PRIMARY KEY)");
                    var batch = h.prepareBatch("INSERT INTO acked VALUES (?)");
                    done.forEach(n -> batch.add("probe-" + n));
                    batch.execute();
                    return h.createQuery("SELECT COUNT(*) FROM acked WHERE device_key NOT IN (SELECT device_key "
                            + "FROM events)").mapTo(Long.class).one();
                });
                assertThat(missing).as("acknowledged reports missing after kill -9").isZero();
                assertThat(count(db, "SELECT COUNT(*) FROM (SELECT device_key FROM events GROUP BY device_key "
                        + "HAVING COUNT(*) > 1) d")).as("reports stored twice").isZero();
                assertThat(count(db, "SELECT SUM(events) FROM event_daily WHERE event_type = 'app_start'"))
                        .as("roll-ups agree with the rows").isEqualTo(count(db, "SELECT COUNT(*) FROM events"));
            }
        }
    }
}
