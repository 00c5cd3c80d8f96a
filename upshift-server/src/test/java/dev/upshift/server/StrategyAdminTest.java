package dev.upshift.server;

import static dev.upshift.server.TestData.map;
import static dev.upshift.server.TestData.at;
import static dev.upshift.server.TestData.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The strategy and device admin API over real HTTP: create, read, patch and delete strategies with their effect on
 * update checks, whole-strategy validation with messages that name the problem, gray rule identity across a PATCH,
 * and devices, device groups and models (including the refusal to delete a targeted group).
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class StrategyAdminTest {
    static final List<String> STRATEGY_FIELDS = List.of("id", "appKey", "versionId", "versionName", "name", "description",
            "enabled", "offerable", "begin", "end", "upgradeType", "promptText", "targeting", "source", "channel", "percentage", "rollback", "health", "stages", "stage", "paused",
            "grayRules", "flowRules", "createdAt", "updatedAt");

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String app;
    String base;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
        app = server.createApp("url", "Links");
        base = "/api/admin/v1/apps/" + app + "/strategies";
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------




    private long version(String appKey, long code, boolean preRelease) {
        return server.createVersion(appKey, TestServer.json(map("versionName", code + ".0", "versionCode", code,
                "urlPath", "https://example.com/" + code, "isPreRelease", preRelease))).get("id").asLong();
    }

    private long version(long code) {
        return version(app, code, false);
    }

    private JsonNode create(Map<String, Object> fields) {
        return server.adminOk("POST", base, TestServer.json(fields), 201);
    }

    private JsonNode patch(long id, Map<String, Object> fields) {
        return server.adminOk("PATCH", base + "/" + id, TestServer.json(fields), 200);
    }

    private JsonNode get(long id) {
        return server.adminOk("GET", base + "/" + id, null, 200);
    }

    private JsonNode adminError(String method, String path, String json, int status, String code) {
        HttpResponse<String> r = server.admin(method, path, json);
        assertThat(r.statusCode()).as(method + " " + path + " " + json + " -> " + r.body()).isEqualTo(status);
        JsonNode b = TestServer.parse(r.body());
        assertThat(fieldNames(b)).containsExactly("code", "message", "traceId");
        assertThat(b.get("code").asText()).isEqualTo(code);
        return b;
    }

    private String invalid(Map<String, Object> fields) {
        return adminError("POST", base, TestServer.json(fields), 400, "invalid_request").get("message").asText();
    }

    /** The code of a signed url check: 200 offered, 0 up to date. */
    private int check(long versionCode, String devKey) {
        Map<String, Object> body = map("urlKey", app, "versionCode", versionCode);
        if (devKey != null) {
            body.put("devKey", devKey);
        }
        HttpResponse<String> r = server.signedPost(key, "/v1/url/upgrade", TestServer.json(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        int code = TestServer.parse(r.body()).get("code").asInt();
        assertThat(code).isIn(0, 200);
        return code;
    }

    private static List<Long> ids(JsonNode rules) {
        List<Long> out = new ArrayList<>();
        rules.forEach(r -> out.add(r.get("id").asLong()));
        return out;
    }

    // ---- strategies ------------------------------------------------------------------------------------------

    @Test
    void strategyCreateGetListPatchAndDeleteRoundTripAndDriveChecks() {
        long v2 = version(2);
        String begin = at(-60);
        String end = at(86_400);
        JsonNode s = create(map("name", "Spring rollout", "description", "first wave", "versionId", v2,
                "upgradeType", 2, "promptText", "Faster sync", "begin", begin, "end", end, "channel", "stable",
                "percentage", 100, "targeting", map("type", "all"), "source", map("type", "all"),
                "flowRules", List.of(map("dimension", "hour", "limit", 1000))));
        long id = s.get("id").asLong();
        assertThat(fieldNames(s)).containsExactlyElementsOf(STRATEGY_FIELDS);
        assertThat(s.get("appKey").asText()).isEqualTo(app);
        assertThat(s.get("versionId").asLong()).isEqualTo(v2);
        assertThat(s.get("versionName").asText()).isEqualTo("2.0");
        assertThat(s.get("offerable").asBoolean()).as("url versions need no file").isTrue();
        assertThat(s.get("name").asText()).isEqualTo("Spring rollout");
        assertThat(s.get("description").asText()).isEqualTo("first wave");
        assertThat(s.get("enabled").asBoolean()).isTrue();
        assertThat(s.get("begin").asText()).isEqualTo(begin);
        assertThat(s.get("end").asText()).isEqualTo(end);
        assertThat(s.get("upgradeType").asInt()).isEqualTo(2);
        assertThat(s.get("promptText").asText()).isEqualTo("Faster sync");
        assertThat(s.get("targeting")).isEqualTo(TestServer.parse("{\"type\":\"all\"}"));
        assertThat(s.get("source")).isEqualTo(TestServer.parse("{\"type\":\"all\"}"));
        assertThat(s.get("channel").asText()).isEqualTo("stable");
        assertThat(s.get("percentage").decimalValue()).isEqualByComparingTo("100");
        assertThat(s.get("grayRules")).isEmpty();
        JsonNode flow = s.get("flowRules").get(0);
        assertThat(fieldNames(flow)).containsExactly("id", "enabled", "begin", "end", "dimension", "limit", "soft");
        assertThat(flow.get("begin").asText()).isEqualTo("00:00:00");
        assertThat(flow.get("end").asText()).isEqualTo("23:59:59");
        assertThat(flow.get("dimension").asText()).isEqualTo("hour");
        assertThat(flow.get("limit").asLong()).isEqualTo(1000);
        assertThat(flow.get("soft").asBoolean()).isFalse();

        assertThat(get(id)).isEqualTo(s);
        JsonNode list = server.adminOk("GET", base, null, 200).get("items");
        assertThat(list).hasSize(1);
        assertThat(list.get(0)).isEqualTo(s);
        assertThat(check(1, null)).isEqualTo(200);

        JsonNode patched = patch(id, map("upgradeType", 3, "promptText", "Now required"));
        assertThat(patched.get("upgradeType").asInt()).isEqualTo(3);
        assertThat(patched.get("promptText").asText()).isEqualTo("Now required");
        assertThat(patched.get("name").asText()).isEqualTo("Spring rollout");
        assertThat(patched.get("begin").asText()).isEqualTo(begin);
        assertThat(ids(patched.get("flowRules"))).isEqualTo(ids(s.get("flowRules")));
        assertThat(get(id)).isEqualTo(patched);
        JsonNode offer = TestServer.parse(server.signedPost(key, "/v1/url/upgrade",
                "{\"urlKey\":\"" + app + "\",\"versionCode\":1}").body()).get("data");
        assertThat(offer.get("upgradeType").asInt()).isEqualTo(3);
        assertThat(offer.get("promptUpgradeContent").asText()).isEqualTo("Now required");

        assertThat(server.admin("DELETE", base + "/" + id, null).statusCode()).isEqualTo(204);
        assertThat(check(1, null)).isZero();
        adminError("GET", base + "/" + id, null, 404, "not_found");
        adminError("DELETE", base + "/" + id, null, 404, "not_found");
        adminError("PATCH", base + "/" + id, "{\"upgradeType\":1}", 404, "not_found");
        assertThat(server.adminOk("GET", base, null, 200).get("items")).isEmpty();
    }

    @Test
    void defaultsAreAStableOpenEndedPromptForEveryone() {
        long v2 = server.createVersion(app, "{\"versionName\":\"2.0\",\"versionCode\":2,\"urlPath\":\"https://e.com/2\","
                + "\"releaseNote\":\"What is new\"}").get("id").asLong();
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        JsonNode s = create(map("versionId", v2));
        assertThat(s.get("enabled").asBoolean()).isTrue();
        assertThat(s.get("upgradeType").asInt()).isEqualTo(1);
        assertThat(s.get("promptText").asText()).isEqualTo("What is new");
        assertThat(s.get("channel").asText()).isEqualTo("stable");
        assertThat(s.get("percentage").decimalValue()).isEqualByComparingTo("100");
        assertThat(Instant.parse(s.get("begin").asText())).isBetween(before, Instant.now());
        assertThat(Instant.parse(s.get("end").asText())).isAfter(Instant.parse("2099-01-01T00:00:00Z"));
        assertThat(s.get("name").asText()).isNotBlank();
        assertThat(check(1, null)).isEqualTo(200);
        // Percentages are plain JSON numbers, not scientific notation such as 1E+2.
        assertThat(server.admin("GET", base + "/" + s.get("id").asLong(), null).body()).contains("\"percentage\":100,");
        long other = create(map("versionId", v2, "percentage", 2.5)).get("id").asLong();
        assertThat(server.admin("GET", base + "/" + other, null).body()).contains("\"percentage\":2.5,");
    }

    @Test
    void invalidStrategiesAreRefusedWithAMessageNamingTheProblem() {
        long v2 = version(2);
        long preRelease = version(app, 3, true);
        String otherApp = server.createApp("url", "Other");
        long otherVersion = version(otherApp, 2, false);
        String otherToken = server.adminOk("POST", "/api/admin/v1/tenants", "{\"name\":\"other\"}", 201)
                .get("adminToken").asText();
        HttpResponse<String> g = server.admin("POST", "/api/admin/v1/device-groups", "{\"name\":\"theirs\"}", otherToken);
        assertThat(g.statusCode()).as(g.body()).isEqualTo(201);
        long foreignGroup = TestServer.parse(g.body()).get("id").asLong();

        assertThat(invalid(map("versionId", v2, "begin", at(3600), "end", at(60)))).contains("'begin'", "after 'end'");
        assertThat(invalid(map("versionId", v2, "grayRules", List.of(
                map("begin", at(-3600), "end", at(3600), "limit", 1),
                map("begin", at(0), "end", at(7200), "limit", 1))))).contains("overlap");
        assertThat(invalid(map("versionId", otherVersion))).contains("Version " + otherVersion, "not a version of app " + app);
        assertThat(invalid(map("versionId", 999_999))).contains("999999");
        assertThat(invalid(map("versionId", v2, "targeting", map("type", "groups", "groupIds", List.of(999_999)))))
                .contains("Unknown device group 999999");
        assertThat(invalid(map("versionId", v2, "targeting", map("type", "groups", "groupIds", List.of(foreignGroup)))))
                .contains("Unknown device group " + foreignGroup);
        assertThat(invalid(map("versionId", v2, "targeting", map("type", "models", "modelKeys", List.of("no-such-model")))))
                .contains("Unknown device model 'no-such-model'");
        assertThat(invalid(map("versionId", v2, "percentage", 101))).contains("'percentage'", "101");
        assertThat(invalid(map("versionId", v2, "percentage", 2.345))).contains("'percentage'", "two decimals");
        assertThat(invalid(map("versionId", v2, "percentage", -1))).contains("'percentage'");
        assertThat(invalid(map("versionId", v2, "percentage", "10"))).contains("'percentage'");
        assertThat(invalid(map("versionId", preRelease, "channel", "stable"))).contains("pre-release", "stable");
        assertThat(invalid(map("versionId", v2, "bogus", 1))).contains("Unknown field", "bogus");
        assertThat(invalid(map("upgradeType", 1))).contains("'versionId'");
        assertThat(invalid(map("versionId", v2, "upgradeType", 4))).contains("'upgradeType'");
        assertThat(invalid(map("versionId", v2, "channel", "Beta Testers"))).contains("'channel'");
        assertThat(invalid(map("versionId", v2, "targeting", map("type", "everyone")))).contains("targeting.type");
        assertThat(invalid(map("versionId", v2, "source", map("type", "listed", "versionIds", List.of(otherVersion)))))
                .contains("Source version " + otherVersion);
        assertThat(invalid(map("versionId", v2, "source", map("type", "range", "from", 5, "to", 3)))).contains("'from' is above 'to'");
        assertThat(invalid(map("versionId", v2, "grayRules", List.of(map("begin", at(60), "end", at(0), "limit", 1)))))
                .contains("grayRules[0]", "begin must be before end");
        assertThat(invalid(map("versionId", v2, "flowRules", List.of(map("dimension", "week", "limit", 1)))))
                .contains("flowRules[0].dimension");
        assertThat(invalid(map("versionId", v2, "begin", "tomorrow"))).contains("'begin'", "RFC 3339");
        // Nothing was stored by the refused requests.
        assertThat(server.adminOk("GET", base, null, 200).get("items")).isEmpty();

        // Overlapping windows are fine while one of them is disabled; a pre-release goes to a pre-release channel.
        create(map("versionId", v2, "grayRules", List.of(
                map("begin", at(-3600), "end", at(3600), "limit", 1),
                map("begin", at(0), "end", at(7200), "limit", 1, "enabled", false))));
        assertThat(create(map("versionId", preRelease, "channel", "beta")).get("channel").asText()).isEqualTo("beta");
        create(map("versionId", v2, "percentage", 2.25));

        // PATCH validates the merged strategy: a begin after the stored end is refused and nothing changes.
        long id = create(map("versionId", v2, "end", at(3600))).get("id").asLong();
        JsonNode before = get(id);
        String msg = adminError("PATCH", base + "/" + id, TestServer.json(map("begin", at(7200))), 400, "invalid_request")
                .get("message").asText();
        assertThat(msg).contains("'begin'", "after 'end'");
        assertThat(get(id)).isEqualTo(before);
    }

    @Test
    void aPreReleaseVersionDefaultsToAPreReleaseChannel() {
        // SemVer kinds take the channel from the pre-release tag.
        String tauri = server.createApp("tauri", "Tapp");
        long beta = server.createVersion(tauri, "{\"versionName\":\"1.2.0-beta.1\",\"target\":\"linux\",\"arch\":\"x86_64\","
                + "\"signature\":\"c2ln\"}").get("id").asLong();
        long rc = server.createVersion(tauri, "{\"versionName\":\"1.2.0-rc.1\",\"target\":\"linux\",\"arch\":\"x86_64\","
                + "\"signature\":\"c2ln\"}").get("id").asLong();
        String tauriStrategies = "/api/admin/v1/apps/" + tauri + "/strategies";
        assertThat(server.adminOk("POST", tauriStrategies, "{\"versionId\":" + beta + "}", 201).get("channel").asText())
                .isEqualTo("beta");
        assertThat(server.adminOk("POST", tauriStrategies, "{\"versionId\":" + rc + "}", 201).get("channel").asText())
                .isEqualTo("rc");

        // Integer kinds mark a pre-release with isPreRelease: their default channel is beta (a default of 'stable'
        // would be refused by the server's own pre-release rule).
        long preRelease = version(app, 3, true);
        HttpResponse<String> r = server.admin("POST", base, TestServer.json(map("versionId", preRelease)));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(TestServer.parse(r.body()).get("channel").asText()).isEqualTo("beta");
    }

    @Test
    void patchingOnlyTheVersionKeepsTheChannel() {
        long v2 = version(2);
        long v3 = version(3);
        long id = create(map("versionId", v2, "channel", "beta")).get("id").asLong();
        assertThat(check(1, null)).as("stable clients do not get a beta strategy").isZero();
        JsonNode p = patch(id, map("versionId", v3));
        assertThat(p.get("versionId").asLong()).isEqualTo(v3);
        // PATCH merges only the given fields: moving a beta rollout to a newer build keeps it on beta.
        assertThat(p.get("channel").asText()).isEqualTo("beta");
        assertThat(check(1, null)).as("stable clients still do not get it").isZero();
    }

    @Test
    void patchKeepsGrayRulesSentWithTheirIdAndRemovesRulesLeftOut() {
        long v2 = version(2);
        String b1 = at(-3600);
        String e1 = at(3600);
        JsonNode s = create(map("versionId", v2, "grayRules", List.of(
                map("begin", b1, "end", e1, "limit", 1),
                map("begin", at(7200), "end", at(10_800), "limit", 5))));
        long id = s.get("id").asLong();
        List<Long> ruleIds = ids(s.get("grayRules"));
        assertThat(ruleIds).hasSize(2);
        long r1 = ruleIds.get(0);
        long r2 = ruleIds.get(1);

        assertThat(check(1, "dev-a")).isEqualTo(200);
        assertThat(check(1, "dev-b")).isZero();
        assertThat(get(id).get("grayRules").get(0).get("admitted").asLong()).isEqualTo(1);

        // Keep r1 (raising its limit), leave r2 out.
        JsonNode p = patch(id, map("grayRules", List.of(map("id", r1, "begin", b1, "end", e1, "limit", 2))));
        assertThat(ids(p.get("grayRules"))).containsExactly(r1);
        assertThat(p.get("grayRules").get(0).get("limit").asLong()).isEqualTo(2);
        assertThat(p.get("grayRules").get(0).get("admitted").asLong()).isEqualTo(1);
        assertThat(check(1, "dev-a")).as("admitted before the PATCH").isEqualTo(200);
        assertThat(check(1, "dev-b")).as("room made by the raised limit").isEqualTo(200);
        assertThat(check(1, "dev-c")).isZero();
        assertThat(check(1, "dev-a")).isEqualTo(200);
        assertThat(get(id).get("grayRules").get(0).get("admitted").asLong()).isEqualTo(2);

        // The removed rule's id can no longer be referenced; neither can a rule of another strategy.
        String gone = adminError("PATCH", base + "/" + id, TestServer.json(map("grayRules", List.of(
                map("id", r2, "begin", at(7200), "end", at(10_800), "limit", 5)))), 400, "invalid_request")
                .get("message").asText();
        assertThat(gone).contains(Long.toString(r2), "not a gray rule of this strategy");
        long other = create(map("versionId", version(3), "grayRules", List.of(
                map("begin", at(-3600), "end", at(3600), "limit", 1)))).get("id").asLong();
        adminError("PATCH", base + "/" + other, TestServer.json(map("grayRules", List.of(
                map("id", r1, "begin", b1, "end", e1, "limit", 9)))), 400, "invalid_request");
        assertThat(get(id).get("grayRules").get(0).get("limit").asLong()).isEqualTo(2);
        assertThat(server.admin("DELETE", base + "/" + other, null).statusCode()).isEqualTo(204);

        // A PATCH without grayRules leaves them alone.
        assertThat(ids(patch(id, map("promptText", "x")).get("grayRules"))).containsExactly(r1);
        // A rule sent without id is a new rule; the old one is removed.
        JsonNode fresh = patch(id, map("grayRules", List.of(map("begin", b1, "end", e1, "limit", 1))));
        assertThat(ids(fresh.get("grayRules"))).hasSize(1).doesNotContain(r1, r2);
        assertThat(fresh.get("grayRules").get(0).get("admitted").asLong()).isZero();
        // No rules: everyone gets it.
        assertThat(patch(id, map("grayRules", List.of())).get("grayRules")).isEmpty();
        assertThat(check(1, "dev-z")).isEqualTo(200);
        assertThat(check(1, null)).isEqualTo(200);
    }

    @Test
    void deletingATargetedDeviceGroupOrModelIsAConflict() {
        long group = server.adminOk("POST", "/api/admin/v1/device-groups", "{\"name\":\"beta-testers\"}", 201).get("id").asLong();
        server.adminOk("POST", "/api/admin/v1/device-models", "{\"modelKey\":\"pixel-8\"}", 201);
        long v2 = version(2);
        long byGroup = create(map("versionId", v2, "targeting", map("type", "groups", "groupIds", List.of(group))))
                .get("id").asLong();
        long byModel = create(map("versionId", v2, "targeting", map("type", "models", "modelKeys", List.of("pixel-8"))))
                .get("id").asLong();

        String msg = adminError("DELETE", "/api/admin/v1/device-groups/" + group, null, 409, "conflict").get("message").asText();
        assertThat(msg).contains("strategy " + byGroup);
        server.adminOk("GET", "/api/admin/v1/device-groups/" + group, null, 200);
        assertThat(adminError("DELETE", "/api/admin/v1/device-models/pixel-8", null, 409, "conflict").get("message").asText())
                .contains("strategy " + byModel);

        assertThat(server.admin("DELETE", base + "/" + byGroup, null).statusCode()).isEqualTo(204);
        assertThat(server.admin("DELETE", "/api/admin/v1/device-groups/" + group, null).statusCode()).isEqualTo(204);
        adminError("GET", "/api/admin/v1/device-groups/" + group, null, 404, "not_found");
        assertThat(server.admin("DELETE", base + "/" + byModel, null).statusCode()).isEqualTo(204);
        assertThat(server.admin("DELETE", "/api/admin/v1/device-models/pixel-8", null).statusCode()).isEqualTo(204);
        assertThat(server.adminOk("GET", "/api/admin/v1/device-models", null, 200).get("items")).isEmpty();
    }

    // ---- devices ---------------------------------------------------------------------------------------------

    @Test
    void devicesGroupsAndModelsCanBeManagedAndDriveTargeting() {
        JsonNode g = server.adminOk("POST", "/api/admin/v1/device-groups", "{\"name\":\"qa\",\"description\":\"QA phones\"}", 201);
        long group = g.get("id").asLong();
        assertThat(fieldNames(g)).containsExactly("id", "name", "description", "createdAt", "deviceKeys");
        assertThat(g.get("name").asText()).isEqualTo("qa");
        assertThat(g.get("description").asText()).isEqualTo("QA phones");
        assertThat(g.get("deviceKeys")).isEmpty();
        adminError("POST", "/api/admin/v1/device-groups", "{\"name\":\"qa\"}", 409, "conflict");

        JsonNode members = server.adminOk("POST", "/api/admin/v1/device-groups/" + group + "/members",
                "{\"deviceKeys\":[\"d2\",\"d1\"]}", 200);
        assertThat(members.get("deviceKeys")).extracting(JsonNode::asText).containsExactly("d1", "d2");
        // Adding a member twice is harmless.
        server.adminOk("POST", "/api/admin/v1/device-groups/" + group + "/members", "{\"deviceKeys\":[\"d1\"]}", 200);
        adminError("POST", "/api/admin/v1/device-groups/" + group + "/members", "{\"deviceKeys\":[]}", 400, "invalid_request");
        adminError("POST", "/api/admin/v1/device-groups/999999/members", "{\"deviceKeys\":[\"d1\"]}", 404, "not_found");

        JsonNode d3 = server.adminOk("POST", "/api/admin/v1/devices", "{\"deviceKey\":\"d3\",\"modelKey\":\"pixel-8\"}", 201);
        assertThat(d3.get("deviceKey").asText()).isEqualTo("d3");
        assertThat(d3.get("modelKey").asText()).isEqualTo("pixel-8");
        assertThat(d3.get("firstSeenAt").isNull()).isTrue();
        adminError("POST", "/api/admin/v1/devices", "{\"deviceKey\":\"d3\"}", 409, "conflict");
        adminError("POST", "/api/admin/v1/devices", "{\"deviceKey\":\"has space\"}", 400, "invalid_request");

        JsonNode devices = server.adminOk("GET", "/api/admin/v1/devices", null, 200).get("items");
        Map<String, JsonNode> byKey = new LinkedHashMap<>();
        devices.forEach(d -> byKey.put(d.get("deviceKey").asText(), d));
        assertThat(byKey.keySet()).containsExactlyInAnyOrder("d1", "d2", "d3");
        assertThat(byKey.get("d1").get("groupIds")).extracting(JsonNode::asLong).containsExactly(group);
        assertThat(byKey.get("d2").get("groupIds")).extracting(JsonNode::asLong).containsExactly(group);
        assertThat(byKey.get("d3").get("groupIds")).isEmpty();
        assertThat(byKey.get("d1").get("lastSeenAt").isNull()).isTrue();

        JsonNode m = server.adminOk("POST", "/api/admin/v1/device-models", "{\"modelKey\":\"pixel-8\",\"name\":\"Pixel 8\"}", 201);
        assertThat(m).isEqualTo(TestServer.parse("{\"modelKey\":\"pixel-8\",\"name\":\"Pixel 8\"}"));
        adminError("POST", "/api/admin/v1/device-models", "{\"modelKey\":\"pixel-8\"}", 409, "conflict");
        JsonNode models = server.adminOk("GET", "/api/admin/v1/device-models", null, 200).get("items");
        assertThat(models).hasSize(1);
        assertThat(models.get(0).get("name").asText()).isEqualTo("Pixel 8");

        // Membership drives targeting, and removing a member takes effect on the next check.
        create(map("versionId", version(2), "targeting", map("type", "groups", "groupIds", List.of(group))));
        assertThat(check(1, "d1")).isEqualTo(200);
        assertThat(check(1, "d3")).isZero();
        assertThat(server.admin("DELETE", "/api/admin/v1/device-groups/" + group + "/members/d1", null).statusCode())
                .isEqualTo(204);
        assertThat(check(1, "d1")).isZero();
        assertThat(check(1, "d2")).isEqualTo(200);

        // Another tenant sees none of it.
        String otherToken = server.adminOk("POST", "/api/admin/v1/tenants", "{\"name\":\"other\"}", 201)
                .get("adminToken").asText();
        HttpResponse<String> theirs = server.admin("GET", "/api/admin/v1/devices", null, otherToken);
        assertThat(TestServer.parse(theirs.body()).get("items")).isEmpty();
        assertThat(server.admin("GET", "/api/admin/v1/device-groups/" + group, null, otherToken).statusCode()).isEqualTo(404);
        assertThat(server.admin("GET", "/api/admin/v1/device-models", null, otherToken).body()).doesNotContain("pixel-8");
    }
}
