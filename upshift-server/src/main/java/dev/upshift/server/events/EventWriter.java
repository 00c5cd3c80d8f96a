package dev.upshift.server.events;

import dev.upshift.server.events.FactTally.DailyKey;
import dev.upshift.server.events.FactTally.DeviceDay;
import dev.upshift.server.events.FactTally.DeviceSeen;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes in the caller's transaction: a batch of reports (raw rows, one multi-row insert per chunk, skipping reports
 * whose client event id is already stored, and the daily roll-ups of exactly the reports inserted), or the facts {@link FactTally} summed (roll-ups and devices only: server facts get no raw row,
 * decisions 0018 and 0021). Nothing here commits; {@link EventQueue} does.
 *
 * <p>Why a report's roll-ups go in its own transaction: a statistic then never disagrees with the raw rows it
 * summarises (no lost or doubled increments after a crash), and queries never scan raw events.
 */
final class EventWriter {
    /** 16 parameters a row: 500 rows stay well under SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
    private static final int ROWS_PER_STATEMENT = 500;
    private static final int ROWS_PER_BATCH = 1_000;
    private static final String COLUMNS = "tenant_id, app_id, event_type, occurred_at, received_at, client_event_id, "
            + "version_code, target_version_code, target_version_id, strategy_id, result_code, device_key, "
            + "device_model, platform, arch";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final ZoneId zone;

    EventWriter(ZoneId zone) {
        this.zone = zone;
    }

    /** The report-zone day of an instant, as days since 1970-01-01 (the roll-ups' {@code day}). */
    static long day(long epochMillis, ZoneId zone) {
        return Instant.ofEpochMilli(epochMillis).atZone(zone).toLocalDate().toEpochDay();
    }

    /**
     * Writes the batch and returns, per event, whether it was inserted: false only for a report whose
     * (app, client event id) was stored before or appears earlier in the same batch.
     */
    boolean[] write(Connection c, List<Event> batch) throws SQLException {
        boolean[] inserted = new boolean[batch.size()];
        // Duplicates within the batch are settled here: the database would keep the first one anyway, but then
        // RETURNING could not tell which of the two copies was the new row.
        Set<String> seen = new HashSet<>();
        List<Integer> toInsert = new java.util.ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Event e = batch.get(i);
            if (!e.isReport()) {
                inserted[i] = true; // server facts are counted in the roll-ups only (decision 0018)
            } else if (e.clientEventId() == null || seen.add(e.appId() + "\n" + e.clientEventId())) {
                toInsert.add(i);
            }
        }
        Set<String> storedIds = new HashSet<>();
        for (int from = 0; from < toInsert.size(); from += ROWS_PER_STATEMENT) {
            List<Integer> chunk = toInsert.subList(from, Math.min(toInsert.size(), from + ROWS_PER_STATEMENT));
            insertRaw(c, batch, chunk, storedIds);
        }
        for (int i : toInsert) {
            Event e = batch.get(i);
            inserted[i] = e.clientEventId() == null || storedIds.contains(e.appId() + "\n" + e.clientEventId());
        }
        rollUp(c, batch, inserted);
        return inserted;
    }

    private static void insertRaw(Connection c, List<Event> batch, List<Integer> chunk, Set<String> storedIds)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO events (").append(COLUMNS).append(") VALUES ");
        for (int i = 0; i < chunk.size(); i++) {
            sql.append(i == 0 ? ROW : ", " + ROW);
        }
        // No conflict target: the only unique index is the partial one on (app_id, client_event_id). RETURNING
        // names exactly the rows that were new, on SQLite >= 3.35 and PostgreSQL alike.
        sql.append(" ON CONFLICT DO NOTHING RETURNING app_id, client_event_id");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int p = 1;
            for (int i : chunk) {
                Event e = batch.get(i);
                ps.setLong(p++, e.tenantId());
                ps.setLong(p++, e.appId());
                ps.setString(p++, e.type());
                ps.setLong(p++, e.occurredAt());
                ps.setLong(p++, e.receivedAt());
                ps.setString(p++, e.clientEventId());
                ps.setLong(p++, e.versionCode());
                ps.setLong(p++, e.targetVersionCode());
                setNullable(ps, p++, e.targetVersionId());
                setNullable(ps, p++, e.strategyId());
                ps.setLong(p++, e.resultCode());
                ps.setString(p++, e.deviceKey());
                ps.setString(p++, e.deviceModel());
                ps.setString(p++, e.platform());
                ps.setString(p++, e.arch());
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString(2);
                    if (id != null) {
                        storedIds.add(rs.getLong(1) + "\n" + id);
                    }
                }
            }
        }
    }

    /**
     * Rolls up exactly the inserted reports. Their devices are registered through {@link FactTally} after the
     * commit: a device-day is a set membership, not a count, and writing it once instead of with every report keeps
     * a batch to the raw rows and a few counters.
     */
    private void rollUp(Connection c, List<Event> batch, boolean[] inserted) throws SQLException {
        // Summed per key first: one upsert per key and batch, which PostgreSQL requires of ON CONFLICT DO UPDATE.
        Map<DailyKey, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            if (!inserted[i]) {
                continue;
            }
            Event e = batch.get(i);
            counts.merge(new DailyKey(e.appId(), day(e.receivedAt(), zone), e.type(), e.versionCode(),
                    e.targetVersionCode(), orZero(e.targetVersionId()), orZero(e.strategyId()), e.resultCode(),
                    e.platform(), e.arch()), 1L, Long::sum);
        }
        upsertDaily(c, counts);
    }

    /** Writes what {@link FactTally} summed since its last flush, in the caller's transaction. */
    static void write(Connection c, FactTally.Drained facts) throws SQLException {
        upsertDaily(c, facts.counts());
        upsertDeviceDays(c, facts.deviceDays());
        upsertDevices(c, facts.devices().values());
    }

    private static void upsertDaily(Connection c, Map<DailyKey, Long> counts) throws SQLException {
        if (counts.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_daily (app_id, day, event_type, version_code, "
                + "target_version_code, target_version_id, strategy_id, result_code, platform, arch, events) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, day, event_type, version_code, "
                + "target_version_code, target_version_id, strategy_id, result_code, platform, arch) "
                + "DO UPDATE SET events = event_daily.events + excluded.events")) {
            int added = 0;
            for (Map.Entry<DailyKey, Long> en : counts.entrySet()) {
                DailyKey k = en.getKey();
                ps.setLong(1, k.appId());
                ps.setLong(2, k.day());
                ps.setString(3, k.type());
                ps.setLong(4, k.versionCode());
                ps.setLong(5, k.targetVersionCode());
                ps.setLong(6, k.targetVersionId());
                ps.setLong(7, k.strategyId());
                ps.setLong(8, k.resultCode());
                ps.setString(9, k.platform());
                ps.setString(10, k.arch());
                ps.setLong(11, en.getValue());
                added = addToBatch(ps, added);
            }
            ps.executeBatch();
        }
    }

    private static void upsertDeviceDays(Connection c, Map<DeviceDay, String> days) throws SQLException {
        if (days.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_daily_devices (app_id, day, device_key, "
                + "device_model) VALUES (?, ?, ?, ?) ON CONFLICT (app_id, day, device_key) DO UPDATE SET device_model = "
                + "CASE WHEN excluded.device_model <> '' THEN excluded.device_model ELSE event_daily_devices.device_model END")) {
            int added = 0;
            for (Map.Entry<DeviceDay, String> en : days.entrySet()) {
                ps.setLong(1, en.getKey().appId());
                ps.setLong(2, en.getKey().day());
                ps.setString(3, en.getKey().deviceKey());
                ps.setString(4, en.getValue());
                added = addToBatch(ps, added);
            }
            ps.executeBatch();
        }
    }

    /**
     * Registers unseen devices for the tenant and moves their last-seen time (as the check-event log did): sets
     * {@code first_seen_at} once, {@code last_seen_at} every time, and keeps the last non-empty model key.
     */
    private static void upsertDevices(Connection c, java.util.Collection<DeviceSeen> devices) throws SQLException {
        if (devices.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices (tenant_id, device_key, model_key, "
                + "first_seen_at, last_seen_at, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, device_key) "
                + "DO UPDATE SET last_seen_at = excluded.last_seen_at, "
                + "first_seen_at = COALESCE(devices.first_seen_at, excluded.first_seen_at), "
                + "model_key = CASE WHEN excluded.model_key <> '' THEN excluded.model_key ELSE devices.model_key END")) {
            int added = 0;
            for (DeviceSeen d : devices) {
                ps.setLong(1, d.tenantId());
                ps.setString(2, d.deviceKey());
                ps.setString(3, d.model());
                ps.setLong(4, d.seenAt());
                ps.setLong(5, d.seenAt());
                ps.setLong(6, d.seenAt());
                added = addToBatch(ps, added);
            }
            ps.executeBatch();
        }
    }

    /**
     * Adds the row and runs the batch every {@link #ROWS_PER_BATCH} rows. Why not one batch per flush: the driver
     * keeps every row's parameters until the batch runs, boxed, which for a flush of 70 000 roll-up keys was 15-20 MB
     * alive for a second or two; young collections in that time copied it, taking 20-40 ms instead of 2-5, and
     * promoted it to the old generation as garbage.
     */
    private static int addToBatch(PreparedStatement ps, int added) throws SQLException {
        ps.addBatch();
        if ((added + 1) % ROWS_PER_BATCH == 0) {
            ps.executeBatch();
        }
        return added + 1;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static void setNullable(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }
}
