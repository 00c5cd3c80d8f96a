package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static dev.upshift.server.TestData.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /v1/app/report} over real HTTP: every event type in the documented and the Java SDK 1.3.0 shape,
 * the 400003/404001/401001 answers, idempotent event ids, 503001 when the database refuses events, and a graceful
 * stop under load that loses no acknowledged report.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class EventReportTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String report(String eventType, String appKey, Map<String, Object> eventData, Object... topLevel) {
        Map<String, Object> body = map("eventType", eventType, "appKey", appKey,
                "timestamp", "2025-02-17T10:34:55+08:00", "eventData", eventData);
        for (int i = 0; i < topLevel.length; i += 2) {
            body.put((String) topLevel[i], topLevel[i + 1]);
        }
        return TestServer.json(body);
    }

    HttpResponse<String> post(String json) {
        return server.signedPost(key, "/v1/app/report", json);
    }

    JsonNode ok(String json) {
        HttpResponse<String> r = post(json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = TestServer.parse(r.body());
        assertThat(TestData.fieldNames(b)).containsExactly("code", "msg", "traceId", "docs", "data");
        assertThat(b.get("code").asInt()).isZero();
        assertThat(b.get("data").isTextual()).isTrue();
        assertThat(b.get("data").asText()).isEmpty();
        assertThat(b.get("docs").asText()).isEmpty();
        return b;
    }

    void refused(String json, int status, int code, String messagePart) {
        HttpResponse<String> r = post(json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).as(r.body()).isEqualTo(code);
        assertThat(b.get("msg").asText()).contains(messagePart);
    }

    /** Rows of the database once every acknowledged report is written (with SQLite, acknowledged means journaled). */
    List<Map<String, Object>> rows(String sql) {
        server.server().events().flush();
        try (Connection c = DriverManager.getConnection(server.dbUrl); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            List<Map<String, Object>> out = new ArrayList<>();
            while (rs.next()) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.put(rs.getMetaData().getColumnLabel(i).toLowerCase(java.util.Locale.ROOT),
                            v instanceof Number n ? (Object) n.longValue() : v);
                }
                out.add(row);
            }
            return out;
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    long count(String sql) {
        return (Long) rows(sql).get(0).values().iterator().next();
    }

    @Test
    void aReportThatArrivesWholeIsAnsweredOnTheSelectorThreadWithSqliteAndOnAPoolThreadWithPostgres() {
        String app = server.createApp("apk", "OneWrite");
        String body = report("app_start", app, map("versionCode", 1, "devKey", "dev-one-write",
                "launchTime", "2025-02-17T10:34:50+08:00"), "eventId", "one-write-1");
        long before = handOffs();
        for (int i = 0; i < 3; i++) {
            TestServer.RawAnswer a = server.signedPostInOneWrite(key, "/v1/app/report", body, TestServer.nonce());
            assertThat(a.status()).as(a.body()).isEqualTo(200);
            assertThat(TestServer.parse(a.body()).get("code").asInt()).as(a.body()).isZero();
        }
        // With SQLite a report waits only for its write into the report journal, so the selector thread that read it
        // answers it; with PostgreSQL it waits for its commit, on a pool thread.
        long handedOff = database == TestDatabase.SQLITE ? 0 : 3;
        assertThat(handOffs()).isEqualTo(before + handedOff);
        assertThat(count("SELECT COUNT(*) FROM events WHERE device_key = 'dev-one-write'")).as("one event id")
                .isEqualTo(1);
    }

    private long handOffs() {
        return Math.round(PrometheusText.parse(TestServer.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.base() + "/metrics")).build()).body())
                .value("upshift_http_selector_handoffs_total", Map.of()).orElseThrow());
    }

    @Test
    void everyEventTypeIsStoredInBothShapes() {
        String app = server.createApp("tauri", "Reporter");
        long v2 = server.createVersion(app, TestServer.json(map("versionName", "0.2.0", "target", "windows",
                "arch", "x86_64"))).get("id").asLong();
        String desktop = server.createApp("win", "Desk");
        long w5 = server.createVersion(desktop, TestServer.json(map("versionName", "5.0", "versionCode", 5,
                "arch", "x64"))).get("id").asLong();

        ok(report("app_start", app, map("versionCode", 1000, "devKey", "dev-1", "devModelKey", "pc", "target",
                "windows", "arch", "x86_64", "launchTime", "2025-02-17T10:34:50+08:00", "code", 0)));
        ok(report("app_upgrade_download", app, map("versionCode", 1000, "devKey", "dev-1", "target", "windows",
                "arch", "x86_64", "downloadVersionCode", 2000, "code", 1001)));
        ok(report("app_upgrade_upgrade", app, map("versionCode", 1000, "devKey", "dev-1", "target", "windows",
                "arch", "x86_64", "upgradeVersionCode", 2000, "code", 0)));
        // Java SDK 1.3.0: versionCode, devKey and devModelKey at the top level.
        ok(report("app_start", desktop, map("launchTime", "2025-02-17T02:34:50Z", "arch", "x64"),
                "versionCode", 4, "devKey", "dev-2", "devModelKey", "laptop"));
        ok(report("app_upgrade_upgrade", desktop, map("arch", "x64", "upgradeVersionCode", 5, "code", 0),
                "versionCode", 4, "devKey", "dev-2", "devModelKey", "laptop"));

        List<Map<String, Object>> rows = rows("SELECT event_type, version_code, target_version_code, target_version_id, "
                + "result_code, device_key, device_model, platform, arch, occurred_at FROM events ORDER BY id");
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).containsEntry("event_type", "app_start").containsEntry("version_code", 1000L)
                .containsEntry("device_key", "dev-1").containsEntry("device_model", "pc")
                .containsEntry("platform", "windows").containsEntry("arch", "x86_64")
                .containsEntry("occurred_at", 1739759695000L);
        assertThat(rows.get(1)).containsEntry("event_type", "download").containsEntry("target_version_code", 2000L)
                .containsEntry("target_version_id", v2).containsEntry("result_code", 1001L);
        assertThat(rows.get(2)).containsEntry("event_type", "upgrade").containsEntry("target_version_id", v2)
                .containsEntry("result_code", 0L);
        assertThat(rows.get(3)).containsEntry("event_type", "app_start").containsEntry("version_code", 4L)
                .containsEntry("device_key", "dev-2").containsEntry("device_model", "laptop");
        assertThat(rows.get(4)).containsEntry("event_type", "upgrade").containsEntry("target_version_id", w5)
                .containsEntry("device_model", "laptop");
        // Reports register their devices like checks do, with the next flush of the facts (within a second).
        server.server().events().flush();
        assertThat(server.adminOk("GET", "/api/admin/v1/devices/dev-2", null, 200).get("modelKey").asText())
                .isEqualTo("laptop");
    }

    @Test
    void invalidReportsAreAnswered400003WithAMessage() {
        String app = server.createApp("file", "Strict");
        Map<String, Object> start = map("versionCode", 1, "launchTime", "2025-02-17T10:34:50+08:00");
        refused(report("app_crash", app, start), 400, 400003, "eventType must be one of");
        refused(report("app_start", app, start, "timestamp", "yesterday"), 400, 400003, "RFC 3339");
        refused(report("app_start", app, start, "timestamp", "2025-02-17 10:34:55"), 400, 400003, "timestamp");
        refused(TestServer.json(map("eventType", "app_start", "appKey", app, "eventData", start)), 400, 400003,
                "timestamp is required");
        refused(report("app_start", app, map("versionCode", 1)), 400, 400003, "launchTime is required");
        refused(report("app_start", app, map("versionCode", 1, "launchTime", "soon")), 400, 400003, "launchTime");
        refused(report("app_start", app, start, "eventId", "x".repeat(65)), 400, 400003, "eventId");
        refused(report("app_start", app, start, "eventId", "has space"), 400, 400003, "eventId");
        refused(report("app_upgrade_upgrade", app, map("upgradeVersionCode", "two")), 400, 400003, "upgradeVersionCode");
        refused(report("app_start", app, map("versionCode", 1, "launchTime", "2025-02-17T10:34:50Z", "code", 1.5)),
                400, 400003, "code");
        refused(TestServer.json(map("appKey", app, "timestamp", "2025-02-17T10:34:55+08:00")), 400, 400002, "eventType");
        refused(report("app_start", "no-such-app", start), 404, 404001, "no-such-app");
        assertThat(count("SELECT COUNT(*) FROM events")).isZero();
    }

    @Test
    void anAppOfAnotherTenantIsRefused401001() {
        JsonNode tenant = server.adminOk("POST", "/api/admin/v1/tenants", "{\"name\":\"other\"}", 201);
        String token = tenant.get("adminToken").asText();
        HttpResponse<String> created = server.admin("POST", "/api/admin/v1/apps",
                "{\"kind\":\"url\",\"name\":\"Theirs\"}", token);
        String theirs = TestServer.parse(created.body()).get("key").asText();
        refused(report("app_start", theirs, map("launchTime", "2025-02-17T10:34:50+08:00")), 401, 401001, "tenant");
    }

    @Test
    void aRepeatedEventIdIsAcknowledgedAndCountedOnce() {
        String app = server.createApp("file", "Once");
        long v2 = server.createVersion(app, TestServer.json(map("versionName", "2.0", "versionCode", 2))).get("id").asLong();
        String upgrade = report("app_upgrade_upgrade", app, map("versionCode", 1, "upgradeVersionCode", 2, "code", 0,
                "eventId", "evt-0001"));
        ok(upgrade);
        ok(upgrade);
        // The same id at the top level is the same event; another app may use the same id.
        ok(report("app_upgrade_upgrade", app, map("versionCode", 1, "upgradeVersionCode", 2), "eventId", "evt-0001"));
        String other = server.createApp("file", "Other");
        ok(report("app_start", other, map("launchTime", "2025-02-17T10:34:50+08:00"), "eventId", "evt-0001"));

        assertThat(count("SELECT COUNT(*) FROM events WHERE client_event_id = 'evt-0001'")).isEqualTo(2);
        assertThat(count("SELECT SUM(events) FROM event_daily WHERE event_type = 'upgrade' AND target_version_id = "
                + v2)).isEqualTo(1);
        JsonNode info = statisticsInfo(app);
        assertThat(info.get("totalAppUpgradeCount").asLong()).isEqualTo(1);
    }

    JsonNode statisticsInfo(String app) {
        String path = "/v1/app/statistics/info?appKey=" + app;
        HttpResponse<String> r = TestServer.send(server.signedRequest(key, path, "", TestServer.nonce(),
                TestServer.timestamp(0)).GET().build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).isZero();
        return b.get("data");
    }

    @Test
    void whenTheDatabaseRefusesEventsReportsAreAnswered503001OrKeptInTheJournalUntilItTakesThem() throws Exception {
        String app = server.createApp("file", "Refused");
        String start = report("app_start", app, map("launchTime", "2025-02-17T10:34:50+08:00"), "eventId", "e-503");
        try (Connection c = DriverManager.getConnection(server.dbUrl); Statement s = c.createStatement()) {
            // A trigger that fails every insert into events: the database is up, but this table cannot be written.
            if (database == TestDatabase.SQLITE) {
                s.execute("CREATE TRIGGER refuse_events BEFORE INSERT ON events BEGIN "
                        + "SELECT RAISE(ABORT, 'events refused by the test'); END");
            } else {
                s.execute("CREATE FUNCTION refuse_events() RETURNS trigger AS $$ BEGIN "
                        + "RAISE EXCEPTION 'events refused by the test'; END $$ LANGUAGE plpgsql");
                s.execute("CREATE TRIGGER refuse_events BEFORE INSERT ON events FOR EACH STATEMENT "
                        + "EXECUTE FUNCTION refuse_events()");
            }
            HttpResponse<String> r = post(start);
            if (database == TestDatabase.SQLITE) {
                // Acknowledged from the report journal (decision 0025): the writer retries until the table takes it.
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(TestServer.parse(r.body()).get("code").asInt()).isZero();
                Thread.sleep(300);
                try (ResultSet rs = s.executeQuery("SELECT (SELECT applied_through FROM event_journal), "
                        + "(SELECT COUNT(*) FROM events)")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).as("nothing applied while the table refuses").isZero();
                    assertThat(rs.getLong(2)).isZero();
                }
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                JsonNode b = TestServer.parse(r.body());
                assertThat(b.get("code").asInt()).isEqualTo(503001);
                assertThat(b.get("msg").asText()).contains("retry later").doesNotContain("refused by the test");
                assertThat(r.headers().firstValue("Retry-After")).hasValueSatisfying(v ->
                        assertThat(Integer.parseInt(v)).isPositive());
            }
            s.execute("DROP TRIGGER refuse_events" + (database == TestDatabase.SQLITE ? "" : " ON events"));
        }
        // The retry with the same event id is stored once.
        ok(start);
        ok(start);
        assertThat(count("SELECT COUNT(*) FROM events WHERE client_event_id = 'e-503'")).isEqualTo(1);
    }

    @Test
    void aGracefulStopUnderLoadLosesNoAcknowledgedReport() throws Exception {
        String app = server.createApp("file", "Stopping");
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger sent = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> clients = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            clients.add(pool.submit(() -> {
                for (int i = 0; !stop.get(); i++) {
                    String id = "g-" + thread + "-" + i;
                    sent.incrementAndGet();
                    try {
                        HttpResponse<String> r = post(report("app_start", app,
                                map("launchTime", "2025-02-17T10:34:50+08:00"), "eventId", id));
                        if (r.statusCode() == 200 && TestServer.parse(r.body()).get("code").asInt() == 0) {
                            acknowledged.add(id);
                        }
                    } catch (RuntimeException e) {
                        return; // the server is gone
                    }
                }
            }));
        }
        while (acknowledged.size() < 500) {
            Thread.sleep(10);
        }
        // Graceful: HTTP stops, the queue drains, then a new server starts on the same database. Clients that
        // reach the new server keep going until told to stop; their acknowledged reports must be stored too.
        server.restart();
        stop.set(true);
        for (Future<?> f : clients) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        Set<String> stored = ConcurrentHashMap.newKeySet();
        rows("SELECT client_event_id FROM events").forEach(r -> stored.add((String) r.get("client_event_id")));
        assertThat(stored).as("acknowledged reports stored after restart (of %d sent)", sent.get())
                .containsAll(acknowledged);
        assertThat(count("SELECT SUM(events) FROM event_daily WHERE event_type = 'app_start'"))
                .isEqualTo(stored.size());
    }
}
