package dev.upshift.server.db;

import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Small database helpers shared by the features. */
public final class Sql {
    private Sql() {
    }

    /** True when the failure is a unique-constraint violation, on SQLite or PostgreSQL. */
    public static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException e) {
                if ("23505".equals(e.getSQLState())) {
                    return true;
                }
                String m = e.getMessage();
                if (m != null && m.contains("UNIQUE constraint failed")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** RFC 3339 in UTC with second precision, e.g. {@code 2025-02-17T02:34:55Z}. */
    public static String rfc3339(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
