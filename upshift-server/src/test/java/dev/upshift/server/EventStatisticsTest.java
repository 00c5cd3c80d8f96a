package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static dev.upshift.server.TestData.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.config.EventsConfig;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A scripted scenario over two days in Asia/Shanghai (report-zone), driven by a settable clock: checks, offers,
 * downloads, upgrades with failures and app starts. {@code /v1/app/statistics/info} and the admin statistics
 * must match it exactly, days must follow the report zone (the second day is still the first one in UTC), and
 * the retention delete must remove raw events but keep the statistics.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class EventStatisticsTest {
    static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

    /** An instant given as Shanghai local time. */
    static Instant shanghai(String localDateTime) {
        return java.time.LocalDateTime.parse(localDateTime).atZone(SHANGHAI).toInstant();
    }

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    final TestClock clock = new TestClock(Instant.EPOCH);
    TestServer server;
    TestServer.Key key;

    @BeforeEach
    void start() {
        clock.set(shanghai("2025-03-10T10:00:00"));
        server = TestServer.start(database, dir, c -> c.withEvents(new EventsConfig(SHANGHAI, 90)), clock);
        key = server.createKey();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Signed with the server's clock, as a client whose clock agrees with it. */
    HttpRequest.Builder signed(String path, String body) {
        String ts = OffsetDateTime.ofInstant(clock.instant(), SHANGHAI).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        return server.signedRequest(key, path, body, TestServer.nonce(), ts);
    }

    JsonNode call(HttpRequest request) {
        HttpResponse<String> r = TestServer.send(request);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.parse(r.body());
    }

    JsonNode check(String app, String device, long code) {
        return call(signed("/v1/file/upgrade", TestServer.json(map("fileKey", app, "versionCode", code,
                "devKey", device, "devModelKey", "model-" + device.charAt(device.length() - 1))).toString()).build());
    }

    void download(String url) {
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(url)).build());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    void report(String app, String type, String device, Map<String, Object> data) {
        Map<String, Object> eventData = map("versionCode", 1, "devKey", device, "launchTime",
                OffsetDateTime.ofInstant(clock.instant(), SHANGHAI).toString());
        eventData.putAll(data);
        JsonNode b = call(signed("/v1/app/report", TestServer.json(map("eventType", type, "appKey", app,
                "timestamp", OffsetDateTime.ofInstant(clock.instant(), SHANGHAI).toString(), "eventData", eventData)))
                .build());
        assertThat(b.get("code").asInt()).as(b.toString()).isZero();
    }

    JsonNode info(String app) {
        JsonNode b = call(signed("/v1/app/statistics/info?appKey=" + app, "").GET().build());
        assertThat(b.get("code").asInt()).isZero();
        return b.get("data");
    }

    @Test
    void statisticsMatchATwoDayScenarioInTheReportZone() throws Exception {
        String app = server.createApp("file", "Scenario");
        long v1 = server.createVersion(app, TestServer.json(map("versionName", "1.0", "versionCode", 1))).get("id").asLong();
        server.upload(app, v1, "install", "app-1.bin", bytes(300, 1));
        long v2 = server.createVersion(app, TestServer.json(map("versionName", "2.0", "versionCode", 2))).get("id").asLong();
        server.upload(app, v2, "install", "app-2.bin", bytes(400, 2));
        long strategy = server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                TestServer.json(map("versionId", v2, "promptText", "Update")), 201).get("id").asLong();

        // Day 1, 2025-03-10 in Shanghai: 3 checks (2 offers), 2 downloads, 1 upgrade, 1 failed upgrade, 2 starts.
        String url = check(app, "dev-a", 1).get("data").get("urlPath").asText();
        assertThat(check(app, "dev-b", 1).get("code").asInt()).isEqualTo(200);
        assertThat(check(app, "dev-c", 2).get("code").asInt()).isZero();
        download(url);
        download(url);
        report(app, "app_upgrade_upgrade", "dev-a", map("upgradeVersionCode", 2, "code", 0));
        report(app, "app_upgrade_upgrade", "dev-b", map("upgradeVersionCode", 2, "code", 1004));
        report(app, "app_start", "dev-a", map("versionCode", 2));
        report(app, "app_start", "dev-c", map("versionCode", 2));
        server.server().events().flush();

        // Day 2, 2025-03-11 07:00 in Shanghai, which is still 2025-03-10 in UTC: 1 check and offer, 1 download,
        // 1 failed download report, 1 upgrade, 3 starts.
        clock.set(shanghai("2025-03-11T07:00:00"));
        check(app, "dev-b", 1);
        download(url);
        report(app, "app_upgrade_download", "dev-b", map("downloadVersionCode", 2, "code", 1001));
        report(app, "app_upgrade_upgrade", "dev-b", map("upgradeVersionCode", 2, "code", 0));
        report(app, "app_start", "dev-a", map("versionCode", 2));
        report(app, "app_start", "dev-b", map("versionCode", 2));
        report(app, "app_start", "dev-c", map("versionCode", 2));
        server.server().events().flush();

        // Asked on 2025-03-12: "yesterday" is day 2.
        clock.set(shanghai("2025-03-12T12:00:00"));
        JsonNode info = info(app);
        assertThat(TestData.fieldNames(info)).containsExactly("yesterdayDownloadCount", "totalDownloadCount",
                "yesterdayAppGetStrategyCount", "totalAppGetStrategyCount", "yesterdayAppUpgradeCount",
                "totalAppUpgradeCount", "yesterdayAppStartCount", "totalAppStartCount", "downloadCount7Day",
                "appGetStrategyCount7Day", "appUpgradeCount7Day", "appStartCount7Day");
        assertThat(info.get("yesterdayDownloadCount").asLong()).isEqualTo(1);
        assertThat(info.get("totalDownloadCount").asLong()).isEqualTo(3);
        assertThat(info.get("yesterdayAppGetStrategyCount").asLong()).isEqualTo(1);
        assertThat(info.get("totalAppGetStrategyCount").asLong()).isEqualTo(3);
        assertThat(info.get("yesterdayAppUpgradeCount").asLong()).isEqualTo(1);
        assertThat(info.get("totalAppUpgradeCount").asLong()).isEqualTo(2);
        assertThat(info.get("yesterdayAppStartCount").asLong()).isEqualTo(3);
        assertThat(info.get("totalAppStartCount").asLong()).isEqualTo(5);
        assertThat(info.get("appStartCount7Day").toString()).isEqualTo("[{\"timeData\":\"2025-03-06\",\"data\":0},"
                + "{\"timeData\":\"2025-03-07\",\"data\":0},{\"timeData\":\"2025-03-08\",\"data\":0},"
                + "{\"timeData\":\"2025-03-09\",\"data\":0},{\"timeData\":\"2025-03-10\",\"data\":2},"
                + "{\"timeData\":\"2025-03-11\",\"data\":3},{\"timeData\":\"2025-03-12\",\"data\":0}]");
        assertThat(series(info, "downloadCount7Day")).isEqualTo("0,0,0,0,2,1,0");
        assertThat(series(info, "appGetStrategyCount7Day")).isEqualTo("0,0,0,0,2,1,0");
        assertThat(series(info, "appUpgradeCount7Day")).isEqualTo("0,0,0,0,1,1,0");

        JsonNode s = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/statistics?from=2025-03-10&to=2025-03-11",
                null, 200);
        assertThat(s.get("zone").asText()).isEqualTo("Asia/Shanghai");
        assertThat(s.get("funnel").toString()).isEqualTo("{\"checked\":4,\"offered\":3,\"downloaded\":3,"
                + "\"upgraded\":2,\"failed\":2,\"failuresByCode\":{\"1001\":1,\"1004\":1}}");
        assertThat(s.get("byVersion")).hasSize(1);
        assertThat(s.get("byVersion").get(0).toString()).isEqualTo("{\"versionId\":" + v2 + ",\"versionCode\":2,"
                + "\"versionName\":\"2.0\",\"offered\":3,\"downloaded\":3,\"upgraded\":2,\"failed\":2,"
                + "\"failuresByCode\":{\"1001\":1,\"1004\":1}}");
        assertThat(s.get("byStrategy")).hasSize(1);
        assertThat(s.get("byStrategy").get(0).get("strategyId").asLong()).isEqualTo(strategy);
        assertThat(s.get("byStrategy").get(0).get("upgraded").asLong()).isEqualTo(2);
        assertThat(s.get("adoption").get("upgradesByVersion").toString()).isEqualTo(
                "[{\"day\":\"2025-03-10\",\"versionCode\":2,\"versionId\":" + v2 + ",\"upgrades\":1},"
                        + "{\"day\":\"2025-03-11\",\"versionCode\":2,\"versionId\":" + v2 + ",\"upgrades\":1}]");
        assertThat(s.get("adoption").get("checksByClientVersion").toString()).isEqualTo(
                "[{\"day\":\"2025-03-10\",\"versionCode\":1,\"checks\":2},"
                        + "{\"day\":\"2025-03-10\",\"versionCode\":2,\"checks\":1},"
                        + "{\"day\":\"2025-03-11\",\"versionCode\":1,\"checks\":1}]");
        assertThat(s.get("activeDevices").toString()).isEqualTo(
                "[{\"day\":\"2025-03-10\",\"devices\":3},{\"day\":\"2025-03-11\",\"devices\":3}]");
        assertThat(s.get("distinctDevices").asLong()).isEqualTo(3);
        assertThat(s.get("topDeviceModels").toString()).isEqualTo("[{\"model\":\"model-a\",\"devices\":1},"
                + "{\"model\":\"model-b\",\"devices\":1},{\"model\":\"model-c\",\"devices\":1}]");
        assertThat(s.get("platforms").toString()).isEqualTo("[{\"platform\":\"\",\"arch\":\"\",\"checks\":4,"
                + "\"appStarts\":5}]");

        // Filters: one day, one version; a strategy with no events.
        JsonNode day2 = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/statistics?from=2025-03-11&to=2025-03-11"
                + "&versionId=" + v2, null, 200);
        assertThat(day2.get("funnel").toString()).isEqualTo("{\"checked\":1,\"offered\":1,\"downloaded\":1,"
                + "\"upgraded\":1,\"failed\":1,\"failuresByCode\":{\"1001\":1}}");
        JsonNode none = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/statistics?from=2025-03-10&to=2025-03-11"
                + "&strategyId=999999", null, 200);
        assertThat(none.get("funnel").get("offered").asLong()).isZero();
        assertThat(none.get("byStrategy")).isEmpty();

        // Raw events past the retention are deleted; the statistics, read from roll-ups, stay.
        clock.set(shanghai("2025-06-30T12:00:00"));
        long deadline = System.currentTimeMillis() + 10_000;
        while (rawEvents() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(rawEvents()).isZero();
        assertThat(info(app).get("totalAppStartCount").asLong()).isEqualTo(5);
    }

    @Test
    void badRangesAreRefusedWithAMessage() {
        String app = server.createApp("file", "Ranges");
        String base = "/api/admin/v1/apps/" + app + "/statistics";
        assertThat(server.admin("GET", base + "?from=2025-13-01", null).statusCode()).isEqualTo(400);
        HttpResponse<String> reversed = server.admin("GET", base + "?from=2025-03-02&to=2025-03-01", null);
        assertThat(reversed.statusCode()).isEqualTo(400);
        assertThat(reversed.body()).contains("after");
        HttpResponse<String> long_ = server.admin("GET", base + "?from=2024-01-01&to=2025-03-01", null);
        assertThat(long_.statusCode()).isEqualTo(400);
        assertThat(long_.body()).contains("at most 366 days");
        assertThat(server.admin("GET", base + "?versionId=abc", null).statusCode()).isEqualTo(400);
        assertThat(server.admin("GET", "/api/admin/v1/apps/nope/statistics", null).statusCode()).isEqualTo(404);
        assertThat(server.admin("GET", base, null, null).statusCode()).isEqualTo(401);
        JsonNode defaults = server.adminOk("GET", base, null, 200);
        assertThat(defaults.get("to").asText()).isEqualTo("2025-03-10");
        assertThat(defaults.get("from").asText()).isEqualTo("2025-02-09");
        assertThat(defaults.get("activeDevices")).hasSize(30);
    }

    static String series(JsonNode info, String field) {
        StringBuilder sb = new StringBuilder();
        info.get(field).forEach(p -> sb.append(sb.length() == 0 ? "" : ",").append(p.get("data").asLong()));
        return sb.toString();
    }

    long rawEvents() throws Exception {
        try (Connection c = DriverManager.getConnection(server.dbUrl); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
