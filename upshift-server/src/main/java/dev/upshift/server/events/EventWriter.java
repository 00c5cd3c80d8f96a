package dev.upshift.server.events;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one batch of events in the caller's transaction: the raw rows of reports (one multi-row insert per chunk,
 * skipping reports whose client event id is already stored), the daily roll-ups of exactly the reports inserted and
 * of every server fact, and the device registrations. Server facts (checked, offered, downloaded) get no raw row:
 * nothing reads them one by one, and a row with four indexes per check was the writer's largest cost (decision
 * 0018). Nothing here commits; {@link EventQueue} does, once per batch.
 *
 * <p>Why roll-ups in the same transaction: a statistic then never disagrees with the raw rows it summarises (no
 * lost or doubled increments after a crash), and queries never scan raw events.
 */
final class EventWriter {
    /** 16 parameters a row: 500 rows stay well under SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
    private static final int ROWS_PER_STATEMENT = 500;
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
        registerDevices(c, batch, inserted);
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

    private record DailyKey(long appId, long day, String type, long versionCode, long targetVersionCode,
                            long targetVersionId, long strategyId, long resultCode, String platform, String arch) {
    }

    private record DeviceDay(long appId, long day, String deviceKey) {
    }

    private void rollUp(Connection c, List<Event> batch, boolean[] inserted) throws SQLException {
        // Summed per key first: one upsert per key and batch, which PostgreSQL requires of ON CONFLICT DO UPDATE.
        Map<DailyKey, Long> counts = new LinkedHashMap<>();
        Map<DeviceDay, String> devices = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            if (!inserted[i]) {
                continue;
            }
            Event e = batch.get(i);
            long day = day(e.receivedAt(), zone);
            counts.merge(new DailyKey(e.appId(), day, e.type(), e.versionCode(), e.targetVersionCode(),
                    orZero(e.targetVersionId()), orZero(e.strategyId()), e.resultCode(), e.platform(), e.arch()),
                    1L, Long::sum);
            if (!e.deviceKey().isEmpty()) {
                devices.merge(new DeviceDay(e.appId(), day, e.deviceKey()), e.deviceModel(),
                        (old, now) -> now.isEmpty() ? old : now);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_daily (app_id, day, event_type, version_code, "
                + "target_version_code, target_version_id, strategy_id, result_code, platform, arch, events) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, day, event_type, version_code, "
                + "target_version_code, target_version_id, strategy_id, result_code, platform, arch) "
                + "DO UPDATE SET events = event_daily.events + excluded.events")) {
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
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO event_daily_devices (app_id, day, device_key, "
                + "device_model) VALUES (?, ?, ?, ?) ON CONFLICT (app_id, day, device_key) DO UPDATE SET device_model = "
                + "CASE WHEN excluded.device_model <> '' THEN excluded.device_model ELSE event_daily_devices.device_model END")) {
            for (Map.Entry<DeviceDay, String> en : devices.entrySet()) {
                ps.setLong(1, en.getKey().appId());
                ps.setLong(2, en.getKey().day());
                ps.setString(3, en.getKey().deviceKey());
                ps.setString(4, en.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /**
     * Registers unseen devices for the tenant and moves their last-seen time (as the check-event log did): sets
     * {@code first_seen_at} once, {@code last_seen_at} every time, and keeps the last non-empty model key.
     */
    private static void registerDevices(Connection c, List<Event> batch, boolean[] inserted) throws SQLException {
        Map<String, Event> latest = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Event e = batch.get(i);
            if (inserted[i] && !e.deviceKey().isEmpty()) {
                latest.merge(e.tenantId() + "\n" + e.deviceKey(), e,
                        (old, now) -> now.deviceModel().isEmpty() && !old.deviceModel().isEmpty()
                                ? new Event(now.tenantId(), now.appId(), now.type(), now.occurredAt(), now.receivedAt(),
                                now.clientEventId(), now.versionCode(), now.targetVersionCode(), now.targetVersionId(),
                                now.strategyId(), now.resultCode(), now.deviceKey(), old.deviceModel(), now.platform(),
                                now.arch())
                                : now);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO devices (tenant_id, device_key, model_key, "
                + "first_seen_at, last_seen_at, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, device_key) "
                + "DO UPDATE SET last_seen_at = excluded.last_seen_at, "
                + "first_seen_at = COALESCE(devices.first_seen_at, excluded.first_seen_at), "
                + "model_key = CASE WHEN excluded.model_key <> '' THEN excluded.model_key ELSE devices.model_key END")) {
            for (Event e : latest.values()) {
                ps.setLong(1, e.tenantId());
                ps.setString(2, e.deviceKey());
                ps.setString(3, e.deviceModel());
                ps.setLong(4, e.receivedAt());
                ps.setLong(5, e.receivedAt());
                ps.setLong(6, e.receivedAt());
                ps.addBatch();
            }
            ps.executeBatch();
        }
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
