package dev.upshift.server.console;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Reading nullable columns the same way on SQLite and PostgreSQL. */
final class Rows {
    private Rows() {
    }

    static Long nullableLong(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }
}
