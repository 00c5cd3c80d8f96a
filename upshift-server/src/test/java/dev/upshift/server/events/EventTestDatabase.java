package dev.upshift.server.events;

import dev.upshift.server.db.Database;

/** The database the event tests write to: SQLite at a URL, migrated, with the one tenant their events name (id 1). */
final class EventTestDatabase {
    private EventTestDatabase() {
    }

    static Database open(String url) {
        Database db = Database.open(url, null, null);
        try {
            db.migrate();
            db.jdbi().useHandle(h -> h.execute("INSERT INTO tenants (name, created_at) VALUES ('t', 0)"));
            return db;
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }
}
