package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rollout health over real HTTP: upgrade reports sent with {@code POST /v1/app/report} pause a strategy exactly when
 * its failure threshold is crossed (not before, not below the minimum number of reports), the audit log says why,
 * an operator resumes it, and a staged rollout widens stage by stage while healthy.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class RolloutHealthTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String app;
    long v2;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
        app = server.createApp("win", "Health");
        server.createVersion(app, "{\"versionName\":\"1\",\"versionCode\":1,\"arch\":\"x64\"}");
        v2 = server.createVersion(app, "{\"versionName\":\"2\",\"versionCode\":2,\"arch\":\"x64\"}").get("id").asLong();
        server.upload(app, v2, "install", "Health-2.exe", bytes(1000, 1));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    long strategy(String extra) {
        return server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + v2 + extra + "}", 201).get("id").asLong();
    }

    void report(String device, int code) {
        String body = "{\"eventType\":\"app_upgrade_upgrade\",\"appKey\":\"" + app + "\",\"timestamp\":\""
                + OffsetDateTime.now(ZoneOffset.UTC).withNano(0) + "\",\"eventData\":{\"versionCode\":1,"
                + "\"upgradeVersionCode\":2,\"code\":" + code + ",\"devKey\":\"" + device + "\",\"arch\":\"x64\"}}";
        HttpResponse<String> r = server.signedPost(key, "/v1/app/report", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    void reports(int successes, int failures) {
        for (int i = 0; i < successes; i++) {
            report("ok-" + System.nanoTime(), 0);
        }
        for (int i = 0; i < failures; i++) {
            report("bad-" + System.nanoTime(), 1004);
        }
    }

    boolean offered() {
        HttpResponse<String> r = server.signedPost(key, "/v1/win/upgrade",
                "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"x64\",\"devKey\":\"probe\"}");
        return TestServer.parse(r.body()).get("code").asInt() == 200;
    }

    JsonNode strategyJson(long id) {
        return server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies/" + id, null, 200);
    }

    /** One health pass over every acknowledged report (with SQLite, acknowledged means journaled: decision 0025). */
    List<String> runHealth() {
        server.server().events().flush();
        return server.server().rolloutHealth().runOnce();
    }

    @Test
    void aStrategyPausesItselfWhenFailuresCrossTheThresholdAndNotBefore() {
        long id = strategy(",\"health\":{\"failureThreshold\":10,\"minAttempts\":20}");
        assertThat(offered()).isTrue();

        reports(0, 19); // every report failed, but fewer than minAttempts: not judged yet
        assertThat(runHealth()).isEmpty();
        assertThat(offered()).isTrue();

        reports(181, 1); // 20 failures of 201 = 9.95%: not above 10%
        assertThat(runHealth()).isEmpty();
        reports(0, 1); // 21 of 202 = 10.4%: above
        assertThat(runHealth()).singleElement().asString().contains("paused strategy " + id).contains("21 of 202");
        assertThat(offered()).isFalse();

        JsonNode s = strategyJson(id);
        assertThat(s.get("enabled").asBoolean()).isFalse();
        assertThat(s.at("/paused/reason").asText()).contains("21 of 202 upgrade reports failed").contains("10.00%");
        JsonNode audit = server.adminOk("GET", "/api/admin/v1/audit-log?action=strategy.auto_pause", null, 200)
                .get("items").get(0);
        assertThat(audit.get("actor").asText()).isEqualTo("upshift");
        assertThat(audit.get("targetId").asText()).isEqualTo(Long.toString(id));
        assertThat(audit.at("/detail/failures").asLong()).isEqualTo(21);
        assertThat(audit.at("/detail/attempts").asLong()).isEqualTo(202);
        assertThat(runHealth()).as("a paused strategy is not paused twice").isEmpty();

        JsonNode resumed = server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies/" + id + "/resume", null, 200);
        assertThat(resumed.get("enabled").asBoolean()).isTrue();
        assertThat(resumed.get("paused").isNull()).isTrue();
        assertThat(offered()).isTrue();
        assertThat(runHealth()).as("old failures do not pause it again").isEmpty();
        assertThat(server.adminOk("GET", "/api/admin/v1/audit-log", null, 200).get("items").get(0).get("action").asText())
                .isEqualTo("strategy.resume");
    }

    @Test
    void theHealthCountReadsAnIndexOfUpgradeReportsOnly() throws Exception {
        reports(3, 2);
        server.server().events().flush();
        try (Connection c = DriverManager.getConnection(server.dbUrl); Statement s = c.createStatement()) {
            if (database == TestDatabase.SQLITE) {
                // the query RolloutHealth.evidence runs
                try (ResultSet rs = s.executeQuery("EXPLAIN QUERY PLAN SELECT COUNT(*), COALESCE(SUM(CASE WHEN "
                        + "result_code <> 0 THEN 1 ELSE 0 END), 0) FROM events WHERE target_version_id = " + v2
                        + " AND event_type = 'upgrade' AND received_at >= 0")) {
                    StringBuilder plan = new StringBuilder();
                    while (rs.next()) {
                        plan.append(rs.getString("detail")).append('\n');
                    }
                    assertThat(plan.toString()).contains("COVERING INDEX ix_events_upgrades");
                }
            } else {
                try (ResultSet rs = s.executeQuery(
                        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_events_upgrades'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).contains("(target_version_id, received_at, result_code)")
                            .contains("WHERE ((event_type)::text = 'upgrade'::text)");
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events WHERE event_type = 'upgrade'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(5);
            }
        }
    }

    @Test
    void aStagedRolloutWidensWhileHealthyAndHoldsWhileItIsNot() {
        long id = strategy(",\"health\":{\"successThreshold\":90,\"minAttempts\":5},\"stages\":["
                + "{\"percentage\":1,\"holdMinutes\":0},{\"percentage\":50,\"holdMinutes\":0},"
                + "{\"percentage\":100,\"holdMinutes\":60}]");
        JsonNode s = strategyJson(id);
        assertThat(s.get("percentage").asText()).isEqualTo("1");
        assertThat(s.at("/stage/index").asInt()).isZero();

        assertThat(runHealth()).as("no evidence yet").isEmpty();
        reports(4, 1); // 80% successes: below 90%
        assertThat(runHealth()).isEmpty();
        reports(5, 0); // 9 of 10 = 90%: enough
        assertThat(runHealth()).singleElement().asString().contains("advanced to stage 1");
        assertThat(strategyJson(id).get("percentage").asText()).isEqualTo("50");
        assertThat(runHealth()).singleElement().asString().contains("advanced to stage 2");
        assertThat(strategyJson(id).get("percentage").asText()).isEqualTo("100");
        assertThat(runHealth()).as("the last stage stays").isEmpty();
        HttpResponse<String> manual = server.admin("PATCH", "/api/admin/v1/apps/" + app + "/strategies/" + id,
                "{\"percentage\":20}");
        assertThat(manual.statusCode()).isEqualTo(400);
        assertThat(manual.body()).contains("follows the current stage");
        JsonNode unstaged = server.adminOk("PATCH", "/api/admin/v1/apps/" + app + "/strategies/" + id,
                "{\"stages\":[]}", 200);
        assertThat(unstaged.get("stage").isNull()).isTrue();
        assertThat(server.adminOk("PATCH", "/api/admin/v1/apps/" + app + "/strategies/" + id,
                "{\"percentage\":20}", 200).get("percentage").asText()).isEqualTo("20");
        assertThat(server.adminOk("GET", "/api/admin/v1/audit-log?action=strategy.stage_advance", null, 200)
                .get("items")).hasSize(2);
    }

    @Test
    void healthAndStagesAreValidatedWithMessagesThatNameTheField() {
        HttpResponse<String> both = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + v2 + ",\"percentage\":5,\"stages\":[{\"percentage\":1}]}");
        assertThat(both.statusCode()).isEqualTo(400);
        assertThat(both.body()).contains("either 'percentage' or 'stages'");
        HttpResponse<String> shrinking = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + v2 + ",\"stages\":[{\"percentage\":10},{\"percentage\":5}]}");
        assertThat(shrinking.body()).contains("stages[1].percentage");
        HttpResponse<String> badThreshold = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + v2 + ",\"health\":{\"failureThreshold\":150}}");
        assertThat(badThreshold.body()).contains("health.failureThreshold");
        HttpResponse<String> unknown = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + v2 + ",\"health\":{\"failures\":1}}");
        assertThat(unknown.statusCode()).isEqualTo(400);

        long id = strategy(",\"health\":{\"failureThreshold\":2.5}");
        JsonNode s = strategyJson(id);
        assertThat(s.at("/health/failureThreshold").asText()).isEqualTo("2.5");
        assertThat(s.at("/health/minAttempts").asInt()).isEqualTo(20);
        JsonNode off = server.adminOk("PATCH", "/api/admin/v1/apps/" + app + "/strategies/" + id,
                "{\"health\":{\"failureThreshold\":null}}", 200);
        assertThat(off.at("/health/failureThreshold").isNull()).isTrue();
        JsonNode paused = server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies/" + id + "/pause",
                "{\"reason\":\"investigating crash reports\"}", 200);
        assertThat(paused.at("/paused/reason").asText()).isEqualTo("investigating crash reports");
    }
}
