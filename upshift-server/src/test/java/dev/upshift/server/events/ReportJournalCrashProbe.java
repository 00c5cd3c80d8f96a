package dev.upshift.server.events;

import dev.upshift.server.db.Database;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;

/**
 * The process {@link EventQueueJournalTest} kills with SIGKILL: reports forever through a journaled queue, each from
 * its own device and without a client event id (so only the journal's applied mark can keep a replay from counting
 * it twice), and writes each number to a file once {@link EventQueue#report} has acknowledged it.
 *
 * <p>Usage: {@code java -cp <test classpath> dev.upshift.server.events.ReportJournalCrashProbe <db> <journal-dir>
 * <acked-file>}
 */
final class ReportJournalCrashProbe {
    private ReportJournalCrashProbe() {
    }

    static Event report(long i) {
        return new Event(1, 1, Event.APP_START, i, System.currentTimeMillis(), null, 1, 0, null, null, 0,
                "probe-" + i, "", "", "");
    }

    public static void main(String[] args) throws IOException {
        Database db = Database.open("jdbc:sqlite:" + args[0], null, null);
        EventQueue queue = EventQueue.journaled(db, Clock.systemUTC(), ZoneId.of("UTC"), 0, Path.of(args[1]));
        try (PrintStream acked = new PrintStream(new FileOutputStream(args[2]), true)) {
            for (long i = 0; ; i++) {
                queue.report(report(i));
                acked.println(i);
            }
        }
    }
}
