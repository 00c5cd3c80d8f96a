package dev.upshift.bench.load;

import dev.upshift.server.db.Database;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Random;

/**
 * The event writer's cost per report row on SQLite, outside the server (decision 0028): the benchmark's report rows
 * (1 000 apps, a target version each, sequential event ids, 100 000 devices) inserted into a new database migrated by
 * Upshift's own migrations, the way {@code EventWriter} inserts them (multi-row {@code INSERT ... ON CONFLICT DO
 * NOTHING RETURNING}), first {@code WARM} rows (320 000) and then {@code RUN} measured rows (192 000). Prints the
 * CPU time per row on the inserting thread, the wall time, and the part spent in commits.
 *
 * <pre>java -cp upshift-bench.jar dev.upshift.bench.load.EventInsertCost ROWS_PER_STATEMENT ROWS_PER_COMMIT
 *     CACHE_KIB CHECKPOINT_PAGES [WARM RUN]</pre>
 * {@code CACHE_KIB} 0 and {@code CHECKPOINT_PAGES} 0 keep SQLite's defaults (2 000 KiB, 1 000 pages).
 */
public final class EventInsertCost {
    private static final String COLUMNS = "tenant_id, app_id, event_type, occurred_at, received_at, client_event_id, "
            + "version_code, target_version_code, target_version_id, strategy_id, result_code, device_key, "
            + "device_model, platform, arch";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    public static void main(String[] args) throws Exception {
        if (args.length != 4 && args.length != 6) {
            System.err.println("usage: EventInsertCost ROWS_PER_STATEMENT ROWS_PER_COMMIT CACHE_KIB CHECKPOINT_PAGES "
                    + "[WARM RUN]");
            System.exit(2);
        }
        int perStatement = Integer.parseInt(args[0]);
        int perCommit = Integer.parseInt(args[1]);
        int cacheKib = Integer.parseInt(args[2]);
        int checkpointPages = Integer.parseInt(args[3]);
        int warm = args.length == 6 ? Integer.parseInt(args[4]) : 320_000;
        int run = args.length == 6 ? Integer.parseInt(args[5]) : 192_000;
        if (perStatement <= 0 || perCommit % perStatement != 0 || warm % perCommit != 0 || run % perCommit != 0) {
            System.err.println("ROWS_PER_COMMIT must be a multiple of ROWS_PER_STATEMENT, WARM and RUN of ROWS_PER_COMMIT");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("upshift-insert-cost");
        try (Database db = Database.open("jdbc:sqlite:" + dir.resolve("events.db"), null, null)) {
            db.migrate();
            try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement()) {
                if (cacheKib > 0) {
                    s.execute("PRAGMA cache_size = -" + cacheKib);
                }
                s.execute("PRAGMA wal_autocheckpoint = " + (checkpointPages > 0 ? checkpointPages : 1000));
                c.setAutoCommit(false);
                Random random = new Random(1);
                long[] serial = {0};
                insert(c, warm, perStatement, perCommit, random, serial);
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long wall0 = System.nanoTime();
                long cpu0 = threads.getCurrentThreadCpuTime();
                long commitNanos = insert(c, run, perStatement, perCommit, random, serial);
                long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                long wall = System.nanoTime() - wall0;
                System.out.printf("rows/statement=%d rows/commit=%d cache=%s checkpoint=%s: cpu %.1f µs/row, wall %.1f "
                                + "µs/row, commits %.1f µs/row (wall)%n", perStatement, perCommit,
                        cacheKib > 0 ? cacheKib + " KiB" : "default", checkpointPages > 0 ? checkpointPages : "default",
                        cpu / 1000.0 / run, wall / 1000.0 / run, commitNanos / 1000.0 / run);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    /** Inserts {@code rows} report rows; returns the nanoseconds spent in commits. */
    private static long insert(Connection c, int rows, int perStatement, int perCommit, Random random, long[] serial)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO events (").append(COLUMNS).append(") VALUES ");
        for (int i = 0; i < perStatement; i++) {
            sql.append(i == 0 ? ROW : ", " + ROW);
        }
        sql.append(" ON CONFLICT DO NOTHING RETURNING app_id, client_event_id");
        long commitNanos = 0;
        for (int done = 0; done < rows; done += perStatement) {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (int i = 0; i < perStatement; i++) {
                    int app = random.nextInt(1000);
                    long now = System.currentTimeMillis();
                    ps.setLong(p++, 1);
                    ps.setLong(p++, app);
                    ps.setString(p++, "upgrade");
                    ps.setLong(p++, now);
                    ps.setLong(p++, now);
                    ps.setString(p++, "e" + Long.toHexString(serial[0]++));
                    ps.setLong(p++, 3);
                    ps.setLong(p++, 4);
                    ps.setLong(p++, app * 50L + 49);
                    ps.setNull(p++, Types.BIGINT);
                    ps.setLong(p++, 0);
                    ps.setString(p++, "dev-" + random.nextInt(100_000));
                    ps.setString(p++, "Pixel 7");
                    ps.setString(p++, "android");
                    ps.setString(p++, "arm64");
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rs.getString(2);
                    }
                }
            }
            if ((done + perStatement) % perCommit == 0) {
                long t = System.nanoTime();
                c.commit();
                commitNanos += System.nanoTime() - t;
            }
        }
        return commitNanos;
    }
}
