package dev.upshift.server.events;

import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.db.Database;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jdbi.v3.core.Handle;

/**
 * Statistics read from the daily roll-ups ({@code event_daily}, {@code event_daily_devices}), never from raw
 * events, so their cost depends on the number of days and distinct dimensions, not on traffic. Days are calendar
 * days in the report zone, counted by the time the server received each event.
 *
 * <p>Definitions: "get strategy" is an {@code offered} fact; a download is a {@code downloaded} fact (a whole-file
 * download counted by the server); an upgrade is an {@code app_upgrade_upgrade} report with code 0 (UpgradeLink
 * counted every code); a failure is a download or upgrade report with any other code.
 */
public final class EventStatistics {
    private final Database db;
    private final Clock clock;
    private final ZoneId zone;

    public EventStatistics(Database db, Clock clock, ZoneId zone) {
        this.db = db;
        this.clock = clock;
        this.zone = zone;
    }

    public ZoneId zone() {
        return zone;
    }

    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), zone);
    }

    /**
     * The {@code data} of {@code GET /v1/app/statistics/info}, in UpgradeLink's field order: yesterday's and
     * all-time counts, and the last 7 days (today included, oldest first, zero-filled).
     */
    public Map<String, Object> info(long appId) {
        long today = today().toEpochDay();
        // series name -> day -> count
        Map<String, Map<Long, Long>> series = new LinkedHashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("SELECT event_type, day, SUM(events) FROM event_daily WHERE app_id = :a "
                        + "AND (event_type IN ('downloaded', 'offered', 'app_start') OR (event_type = 'upgrade' "
                        + "AND result_code = 0)) GROUP BY event_type, day")
                .bind("a", appId)
                .map((rs, ctx) -> new Object[] {rs.getString(1), rs.getLong(2), rs.getLong(3)})
                .forEach(r -> series.computeIfAbsent((String) r[0], k -> new TreeMap<>()).put((Long) r[1], (Long) r[2])));
        Map<String, Object> out = new LinkedHashMap<>();
        String[][] names = {{"downloaded", "DownloadCount"}, {"offered", "AppGetStrategyCount"},
                {"upgrade", "AppUpgradeCount"}, {"app_start", "AppStartCount"}};
        for (String[] n : names) {
            Map<Long, Long> days = series.getOrDefault(n[0], Map.of());
            out.put("yesterday" + n[1], days.getOrDefault(today - 1, 0L));
            out.put("total" + n[1], days.values().stream().mapToLong(Long::longValue).sum());
        }
        String[][] weekly = {{"downloaded", "downloadCount7Day"}, {"offered", "appGetStrategyCount7Day"},
                {"upgrade", "appUpgradeCount7Day"}, {"app_start", "appStartCount7Day"}};
        for (String[] n : weekly) {
            Map<Long, Long> days = series.getOrDefault(n[0], Map.of());
            List<Map<String, Object>> list = new ArrayList<>();
            for (long d = today - 6; d <= today; d++) {
                Map<String, Object> point = new LinkedHashMap<>();
                point.put("timeData", LocalDate.ofEpochDay(d).toString());
                point.put("data", days.getOrDefault(d, 0L));
                list.add(point);
            }
            out.put(n[1], list);
        }
        return out;
    }

    /** What the admin statistics report covers: an app, an inclusive day range and optional filters. */
    public record Query(long appId, LocalDate from, LocalDate to, Long versionId, Long strategyId) {
    }

    /** One grouped roll-up row. */
    private record Row(String type, long versionId, long versionCode, long strategyId, long resultCode, long events) {
    }

    /** A funnel: counts per stage plus failures by result code. */
    private static final class Funnel {
        long checked;
        long offered;
        long downloaded;
        long upgraded;
        long failed;
        final Map<String, Long> failuresByCode = new TreeMap<>();

        void add(Row r) {
            switch (r.type()) {
                case Event.CHECKED -> checked += r.events();
                case Event.OFFERED -> offered += r.events();
                case Event.DOWNLOADED -> downloaded += r.events();
                case Event.UPGRADE, Event.DOWNLOAD -> {
                    if (r.resultCode() != 0) {
                        failed += r.events();
                        failuresByCode.merge(Long.toString(r.resultCode()), r.events(), Long::sum);
                    } else if (r.type().equals(Event.UPGRADE)) {
                        upgraded += r.events();
                    }
                }
                default -> { }
            }
        }

        Map<String, Object> render(Map<String, Object> head, boolean withChecked) {
            Map<String, Object> m = new LinkedHashMap<>(head);
            if (withChecked) {
                m.put("checked", checked);
            }
            m.put("offered", offered);
            m.put("downloaded", downloaded);
            m.put("upgraded", upgraded);
            m.put("failed", failed);
            m.put("failuresByCode", failuresByCode);
            return m;
        }
    }

    /** The admin statistics report (see docs/api/admin.md, "Statistics"). */
    public Map<String, Object> report(Query q, CatalogSnapshot snap) {
        long from = q.from().toEpochDay();
        long to = q.to().toEpochDay();
        return db.jdbi().withHandle(h -> {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("from", q.from().toString());
            out.put("to", q.to().toString());
            out.put("zone", zone.getId());
            List<Row> rows = h.createQuery("SELECT event_type, target_version_id, target_version_code, strategy_id, "
                            + "result_code, SUM(events) FROM event_daily WHERE app_id = :a AND day BETWEEN :f AND :t "
                            + "GROUP BY event_type, target_version_id, target_version_code, strategy_id, result_code")
                    .bind("a", q.appId()).bind("f", from).bind("t", to)
                    .map((rs, ctx) -> new Row(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4),
                            rs.getLong(5), rs.getLong(6)))
                    .list();
            Funnel total = new Funnel();
            Map<List<Long>, Funnel> byVersion = new TreeMap<>((a, b) -> a.get(1).equals(b.get(1))
                    ? Long.compare(a.get(0), b.get(0)) : Long.compare(a.get(1), b.get(1)));
            Map<Long, Funnel> byStrategy = new TreeMap<>();
            for (Row r : rows) {
                // A check has no target version and (unless flow-limited) no strategy: it is counted for the app,
                // whatever the filters.
                if (r.type().equals(Event.CHECKED)) {
                    total.add(r);
                    continue;
                }
                if (r.type().equals(Event.APP_START) || !matches(q, r)) {
                    continue;
                }
                total.add(r);
                byVersion.computeIfAbsent(List.of(r.versionId(), r.versionCode()), k -> new Funnel()).add(r);
                byStrategy.computeIfAbsent(r.strategyId(), k -> new Funnel()).add(r);
            }
            out.put("funnel", total.render(Map.of(), true));
            List<Map<String, Object>> versions = new ArrayList<>();
            byVersion.forEach((k, f) -> {
                Map<String, Object> head = new LinkedHashMap<>();
                head.put("versionId", k.get(0) == 0 ? null : k.get(0));
                head.put("versionCode", k.get(1));
                head.put("versionName", k.get(0) == 0 ? null : snap.version(k.get(0)).map(Version::name).orElse(null));
                versions.add(f.render(head, false));
            });
            out.put("byVersion", versions);
            List<Map<String, Object>> strategies = new ArrayList<>();
            byStrategy.forEach((id, f) -> {
                Map<String, Object> head = new LinkedHashMap<>();
                head.put("strategyId", id == 0 ? null : id);
                head.put("name", id == 0 ? null : snap.strategy(id).map(StrategyEntry::name).orElse(null));
                strategies.add(f.render(head, false));
            });
            out.put("byStrategy", strategies);
            out.put("adoption", adoption(h, q, from, to));
            out.put("activeDevices", activeDevices(h, q.appId(), from, to));
            out.put("distinctDevices", h.createQuery("SELECT COUNT(DISTINCT device_key) FROM event_daily_devices "
                            + "WHERE app_id = :a AND day BETWEEN :f AND :t")
                    .bind("a", q.appId()).bind("f", from).bind("t", to).mapTo(Long.class).one());
            out.put("topDeviceModels", h.createQuery("SELECT device_model, COUNT(DISTINCT device_key) AS n "
                            + "FROM event_daily_devices WHERE app_id = :a AND day BETWEEN :f AND :t AND device_model <> '' "
                            + "GROUP BY device_model ORDER BY n DESC, device_model LIMIT 20")
                    .bind("a", q.appId()).bind("f", from).bind("t", to)
                    .map((rs, ctx) -> item("model", rs.getString(1), "devices", rs.getLong(2))).list());
            out.put("platforms", h.createQuery("SELECT platform, arch, "
                            + "SUM(CASE WHEN event_type = 'checked' THEN events ELSE 0 END), "
                            + "SUM(CASE WHEN event_type = 'app_start' THEN events ELSE 0 END) FROM event_daily "
                            + "WHERE app_id = :a AND day BETWEEN :f AND :t AND event_type IN ('checked', 'app_start') "
                            + "GROUP BY platform, arch ORDER BY platform, arch")
                    .bind("a", q.appId()).bind("f", from).bind("t", to)
                    .map((rs, ctx) -> {
                        Map<String, Object> m = item("platform", rs.getString(1), "arch", rs.getString(2));
                        m.put("checks", rs.getLong(3));
                        m.put("appStarts", rs.getLong(4));
                        return m;
                    }).list());
            return out;
        });
    }

    private static boolean matches(Query q, Row r) {
        return (q.versionId() == null || q.versionId() == r.versionId())
                && (q.strategyId() == null || q.strategyId() == r.strategyId());
    }

    /**
     * Adoption, the simple documented form: successful upgrades per target version per day, and checks per client
     * version per day (what versions the fleet runs).
     */
    private static Map<String, Object> adoption(Handle h, Query q, long from, long to) {
        Map<String, Object> out = new LinkedHashMap<>();
        var upgrades = h.createQuery("SELECT day, target_version_code, target_version_id, SUM(events) "
                        + "FROM event_daily WHERE app_id = :a AND day BETWEEN :f AND :t AND event_type = 'upgrade' "
                        + "AND result_code = 0" + (q.versionId() != null ? " AND target_version_id = :v" : "")
                        + (q.strategyId() != null ? " AND strategy_id = :s" : "")
                        + " GROUP BY day, target_version_code, target_version_id ORDER BY day, target_version_code")
                .bind("a", q.appId()).bind("f", from).bind("t", to);
        if (q.versionId() != null) {
            upgrades.bind("v", q.versionId());
        }
        if (q.strategyId() != null) {
            upgrades.bind("s", q.strategyId());
        }
        out.put("upgradesByVersion", upgrades
                .map((rs, ctx) -> {
                    Map<String, Object> m = item("day", LocalDate.ofEpochDay(rs.getLong(1)).toString(),
                            "versionCode", rs.getLong(2));
                    m.put("versionId", rs.getLong(3) == 0 ? null : rs.getLong(3));
                    m.put("upgrades", rs.getLong(4));
                    return m;
                }).list());
        out.put("checksByClientVersion", h.createQuery("SELECT day, version_code, SUM(events) FROM event_daily "
                        + "WHERE app_id = :a AND day BETWEEN :f AND :t AND event_type = 'checked' "
                        + "GROUP BY day, version_code ORDER BY day, version_code")
                .bind("a", q.appId()).bind("f", from).bind("t", to)
                .map((rs, ctx) -> {
                    Map<String, Object> m = item("day", LocalDate.ofEpochDay(rs.getLong(1)).toString(),
                            "versionCode", rs.getLong(2));
                    m.put("checks", rs.getLong(3));
                    return m;
                }).list());
        return out;
    }

    /** Distinct device keys seen per day, every day of the range (zero-filled). */
    private static List<Map<String, Object>> activeDevices(Handle h, long appId, long from, long to) {
        Map<Long, Long> perDay = new TreeMap<>();
        h.createQuery("SELECT day, COUNT(*) FROM event_daily_devices WHERE app_id = :a AND day BETWEEN :f AND :t "
                        + "GROUP BY day")
                .bind("a", appId).bind("f", from).bind("t", to)
                .map((rs, ctx) -> Map.entry(rs.getLong(1), rs.getLong(2)))
                .forEach(e -> perDay.put(e.getKey(), e.getValue()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (long d = from; d <= to; d++) {
            out.add(item("day", LocalDate.ofEpochDay(d).toString(), "devices", perDay.getOrDefault(d, 0L)));
        }
        return out;
    }

    private static Map<String, Object> item(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }
}
