package dev.upshift.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.db.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue's overload behaviour on a real SQLite database whose write lock another connection holds: a tiny
 * queue fills up and the next report is refused at once (retry after 1 s), while facts are still counted; once the
 * lock is released every queued report is committed and acknowledged, and the fact is stored.
 */
class EventQueueTest {
    @TempDir
    Path dir;

    static Event report(String id) {
        return new Event(1, 1, Event.APP_START, 1, 1, id, 1, 0, null, null, 0, "d", "", "", "");
    }

    @Test
    void aFullQueueRefusesReportsAndDropsFactsWhileTheDatabaseIsBusy() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("q.db");
        try (Database db = EventTestDatabase.open(url)) {
            AtomicLong batches = new AtomicLong();
            try (Connection lock = DriverManager.getConnection(url); Statement s = lock.createStatement();
                 EventQueue queue = new EventQueue(db, Clock.systemUTC(), ZoneId.of("UTC"), 0, 4, null)) {
                queue.setBatchListener(nanos -> batches.incrementAndGet());
                s.execute("BEGIN EXCLUSIVE");
                List<CompletableFuture<Boolean>> waiting = new ArrayList<>();
                waiting.add(CompletableFuture.supplyAsync(() -> queue.report(report("first"))));
                // The writer takes the first report and blocks on the lock; then four more fill the queue.
                long deadline = System.currentTimeMillis() + 5_000;
                while (queue.depth() > 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                Thread.sleep(100);
                for (int i = 0; i < 4; i++) {
                    String id = "queued-" + i;
                    waiting.add(CompletableFuture.supplyAsync(() -> queue.report(report(id))));
                }
                while (queue.depth() < 4 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(5);
                }
                assertThat(queue.depth()).isEqualTo(4);
                assertThat(queue.capacity()).isEqualTo(4);
                assertThatThrownBy(() -> queue.report(report("refused")))
                        .isInstanceOf(EventQueue.UnavailableException.class)
                        .hasMessageContaining("full (4 of 4 queued)")
                        .satisfies(e -> assertThat(((EventQueue.UnavailableException) e).retryAfterSeconds()).isEqualTo(1));
                // Facts never take room in the queue: one recorded now is counted, not dropped.
                queue.record(Event.fact(1, 1, Event.CHECKED, 1, 1, 0, null, null, "d", "", "", ""));
                assertThat(queue.dropped()).isZero();

                lock.createStatement().execute("ROLLBACK");
                for (CompletableFuture<Boolean> f : waiting) {
                    assertThat(f.get(10, TimeUnit.SECONDS)).isTrue();
                }
                queue.flush();
                assertThat(queue.written()).isEqualTo(6);
                assertThat(batches.get()).isPositive();
            }
            long stored = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM events").mapTo(Long.class).one());
            assertThat(stored).isEqualTo(5);
            long checked = db.jdbi().withHandle(h -> h.createQuery("SELECT SUM(events) FROM event_daily "
                    + "WHERE event_type = 'checked'").mapTo(Long.class).one());
            assertThat(checked).isEqualTo(1);
        }
    }
}
