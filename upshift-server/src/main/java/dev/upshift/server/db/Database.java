package dev.upshift.server.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;

/**
 * The relational store: a connection pool, Jdbi over it, and Flyway migrations that run on both SQLite and
 * PostgreSQL from the same files. The single dialect difference in the DDL, the auto-increment key, enters
 * through the {@code ${id}} placeholder.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=NORMAL}: a committed transaction survives a crash of the
 * process (kill -9), though the last transactions may be lost on power failure; writers wait up to 10 s for the
 * write lock instead of failing with SQLITE_BUSY.
 */
public final class Database implements AutoCloseable {

    public enum Dialect { SQLITE, POSTGRESQL }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final Dialect dialect;

    private Database(HikariDataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.jdbi = Jdbi.create(dataSource);
    }

    public static Database open(String url, String user, String password) {
        return open(url, user, password, "upshift-db");
    }

    /**
     * SQLite only: the nonce database {@code nonces.db} that versions before decision 0019 kept beside the main file
     * (decision 0016). It is only read now, by {@code NonceJournal}, to import its unexpired nonces once. Migrated
     * from {@code db/nonce-migration}.
     */
    public static Database openNonceDatabase(java.nio.file.Path file) {
        Database d = open("jdbc:sqlite:" + file, null, null, "upshift-nonces");
        try {
            Flyway.configure().dataSource(d.dataSource).locations("classpath:db/nonce-migration")
                    .validateMigrationNaming(true).ignoreMigrationPatterns(new String[0]).load().migrate();
        } catch (FlywayException e) {
            d.close();
            throw new IllegalStateException("Nonce database migration failed (" + file + "): " + e.getMessage(), e);
        }
        return d;
    }

    private static Database open(String url, String user, String password, String poolName) {
        Dialect dialect = url.startsWith("jdbc:sqlite:") ? Dialect.SQLITE : Dialect.POSTGRESQL;
        if (dialect == Dialect.SQLITE) {
            preloadSqlite();
        }
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(poolName);
        hc.setJdbcUrl(url);
        if (dialect == Dialect.SQLITE) {
            hc.setMaximumPoolSize(4);
            hc.addDataSourceProperty("journal_mode", "WAL");
            hc.addDataSourceProperty("synchronous", "NORMAL");
            hc.addDataSourceProperty("busy_timeout", "10000");
            hc.addDataSourceProperty("foreign_keys", "true");
            // Checkpoint every 10 000 pages (about 40 MiB of WAL) instead of 1 000: an events index page changed by
            // several commits is copied back to the database once, and the checkpoints' fsyncs are fewer
            // (decision 0028). The WAL file keeps its largest size, up to about 60 MiB.
            hc.addDataSourceProperty("wal_autocheckpoint", "10000");
        } else {
            hc.setMaximumPoolSize(10);
            if (user != null) {
                hc.setUsername(user);
            }
            if (password != null) {
                hc.setPassword(password);
            }
        }
        hc.setConnectionTimeout(10_000);
        return new Database(new HikariDataSource(hc), dialect);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean SQLITE_PRELOADED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Starts loading SQLite's native library on another thread while this one sets up logging and the pool (about
     * 0.1 s of a start each). Unless {@link SqliteNativeLibrary} pointed it at a kept copy, sqlite-jdbc also copies the
     * library out of the jar and compares it byte by byte before loading it. The first connection waits for that load (the loader is synchronized and loads once); if it failed
     * here, the connection tries again and reports the failure.
     */
    private static void preloadSqlite() {
        if (SQLITE_PRELOADED.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                try {
                    org.sqlite.SQLiteJDBCLoader.initialize();
                } catch (Exception | LinkageError e) {
                    // the first connection loads it again and reports what fails
                }
            }, "upshift-sqlite-load");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Applies pending migrations. Refuses to start on a schema newer than this binary knows. */
    public void migrate() {
        String id = dialect == Dialect.SQLITE
                ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
        try {
            Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/migration")
                    .placeholders(Map.of("id", id))
                    .validateMigrationNaming(true)
                    // Flyway's default ignores migrations it does not know ("*:future"); an older binary must not
                    // run against a schema a newer one has changed.
                    .ignoreMigrationPatterns(new String[0])
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            throw new IllegalStateException("Database migration failed: " + e.getMessage()
                    + " If the database was migrated by a newer Upshift, run that version or restore a backup.", e);
        }
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
