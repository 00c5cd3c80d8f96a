package dev.upshift.bench.micro;

import dev.upshift.server.db.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh, migrated SQLite database in its own temporary directory, opened exactly as the server opens it
 * ({@link Database#open} with WAL and synchronous=NORMAL, then {@link Database#migrate}). {@link #close} closes the
 * pool and deletes the directory with the database, its WAL and shared-memory files.
 */
final class TempDatabase implements AutoCloseable {
    private final Path dir;
    private final Database db;

    private TempDatabase(Path dir, Database db) {
        this.dir = dir;
        this.db = db;
    }

    static TempDatabase create(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Database db = Database.open("jdbc:sqlite:" + dir.resolve("upshift.db"), null, null);
            db.migrate();
            return new TempDatabase(dir, db);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Database db() {
        return db;
    }

    @Override
    public void close() {
        db.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
