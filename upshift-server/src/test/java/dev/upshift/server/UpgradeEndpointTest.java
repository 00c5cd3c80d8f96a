package dev.upshift.server;

import static dev.upshift.server.TestData.map;
import static dev.upshift.server.TestData.at;
import static dev.upshift.server.TestData.fieldNames;
import static dev.upshift.server.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.rollout.RolloutEngine;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /v1/<kind>/upgrade} over real HTTP for the seven signed kinds: the offer and "already latest" shapes
 * field by field, and every rule of strategy selection (upgrade type, appointed version, device groups and models,
 * source versions, channels, gray rules, percentage, flow limits, windows, deleted versions, APK patches), plus
 * device auto-registration and gray admission under concurrency.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class UpgradeEndpointTest {
    static final List<String> KINDS = List.of("url", "file", "apk", "configuration", "win", "mac", "lnx");
    static final Set<String> DESKTOP = Set.of("win", "mac", "lnx");
    static final Set<String> NUMERIC = Set.of("versionCode", "urlFileSize", "patchAlgo", "patchUrlFileSize", "upgradeType");

    /** The data fields of each kind, in the order UpgradeEndpoint renders them. */
    static List<String> fields(String kind) {
        return switch (kind) {
            case "url" -> List.of("urlKey", "versionName", "versionCode", "urlPath", "upgradeType", "promptUpgradeContent");
            case "file" -> List.of("fileKey", "versionName", "versionCode", "urlPath", "urlFileSize", "upgradeType",
                    "promptUpgradeContent");
            case "apk" -> List.of("apkKey", "packageName", "versionName", "versionCode", "urlPath", "urlFileSize",
                    "urlFileMd5", "patchAlgo", "patchUrlPath", "patchUrlFileSize", "patchUrlFileMd5", "upgradeType",
                    "promptUpgradeContent");
            case "configuration" -> List.of("configurationKey", "versionName", "versionCode", "upgradeType",
                    "promptUpgradeContent", "content");
            default -> List.of(kind + "Key", "packageName", "versionName", "versionCode", "urlPath", "urlFileSize",
                    "urlFileMd5", "upgradeType", "promptUpgradeContent", "arch");
        };
    }

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    private int apps;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------




    static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }


    static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
        return r.body();
    }

    private String app(String kind) {
        return server.createApp(kind, "App" + kind + (++apps));
    }

    /** Creates version {@code code} of a kind with sensible required fields; returns its id. */
    private long version(String app, String kind, long code, Map<String, Object> extra) {
        Map<String, Object> v = map("versionName", code + ".0", "versionCode", code);
        switch (kind) {
            case "url" -> v.put("urlPath", "https://downloads.example.com/app-" + code + ".zip");
            case "configuration" -> v.put("content", map("version", code));
            case "win", "mac", "lnx" -> v.put("arch", "x64");
            default -> { }
        }
        v.putAll(extra);
        long id = server.createVersion(app, TestServer.json(v)).get("id").asLong();
        if (!kind.equals("url") && !kind.equals("configuration")) {
            // Only versions with a file can be offered by kinds that download one.
            server.upload(app, id, "install", "app-" + code + ".bin", bytes(500 + (int) code, (int) code));
        }
        return id;
    }

    private long version(String app, String kind, long code) {
        return version(app, kind, code, Map.of());
    }

    /** A version without any uploaded file. */
    private long bareVersion(String app, String kind, long code) {
        Map<String, Object> v = map("versionName", code + ".0", "versionCode", code);
        if (kind.equals("win") || kind.equals("mac") || kind.equals("lnx")) {
            v.put("arch", "x64");
        }
        return server.createVersion(app, TestServer.json(v)).get("id").asLong();
    }

    private JsonNode strategy(String app, Map<String, Object> fields) {
        return server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies", TestServer.json(fields), 201);
    }

    /** A strategy with one gray rule open from an hour ago to an hour from now, admitting {@code limit} devices. */
    private long grayStrategy(String app, long versionId, int limit) {
        return strategy(app, map("versionId", versionId, "grayRules",
                List.of(map("begin", at(-3600), "end", at(3600), "limit", limit)))).get("id").asLong();
    }

    private JsonNode strategy(String app, long versionId) {
        return strategy(app, map("versionId", versionId, "promptText", "Please update"));
    }

    private HttpResponse<String> post(String kind, Map<String, Object> body) {
        return server.signedPost(key, "/v1/" + kind + "/upgrade", TestServer.json(body));
    }

    /** A check that must answer HTTP 200; returns the envelope. */
    private JsonNode check(String kind, String app, long code, Map<String, Object> extra) {
        Map<String, Object> body = map(kind + "Key", app, "versionCode", code);
        if (DESKTOP.contains(kind)) {
            body.put("arch", "x64");
        }
        body.putAll(extra);
        HttpResponse<String> r = post(kind, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = TestServer.parse(r.body());
        assertThat(fieldNames(b)).containsExactly("code", "msg", "traceId", "docs", "data");
        return b;
    }

    private JsonNode check(String kind, String app, long code) {
        return check(kind, app, code, Map.of());
    }

    /** Asserts an offer (code 200) and returns its data. */
    private JsonNode offer(String kind, String app, long code, Map<String, Object> extra) {
        JsonNode b = check(kind, app, code, extra);
        assertThat(b.get("code").asInt()).as(b.toString()).isEqualTo(200);
        assertThat(b.get("msg").asText()).isEqualTo("New version obtained");
        return b.get("data");
    }

    private JsonNode offer(String kind, String app, long code) {
        return offer(kind, app, code, Map.of());
    }

    /** Asserts "already latest" (code 0) and returns the envelope. */
    private JsonNode latest(String kind, String app, long code, Map<String, Object> extra) {
        JsonNode b = check(kind, app, code, extra);
        assertThat(b.get("code").asInt()).as(b.toString()).isZero();
        return b;
    }

    private JsonNode latest(String kind, String app, long code) {
        return latest(kind, app, code, Map.of());
    }

    private boolean offered(String kind, String app, long code, Map<String, Object> extra) {
        int c = check(kind, app, code, extra).get("code").asInt();
        assertThat(c).isIn(0, 200);
        return c == 200;
    }

    // ---- shapes ----------------------------------------------------------------------------------------------

    @Test
    void everyKindOffersItsFieldsInOrderWithWorkingDownloadsAndHashes() throws Exception {
        for (String kind : KINDS) {
            String app = app(kind);
            version(app, kind, 1);
            boolean hasFile = !kind.equals("url") && !kind.equals("configuration");
            long v2 = hasFile ? bareVersion(app, kind, 2) : version(app, kind, 2);
            byte[] file = bytes(50_000 + kind.length(), kind.hashCode());
            if (hasFile) {
                server.upload(app, v2, "install", "app-2." + kind, file);
            }
            strategy(app, map("versionId", v2, "upgradeType", 1, "promptText", "Try 2.0 of " + kind));

            JsonNode b = check(kind, app, 1, Map.of());
            assertThat(b.get("code").asInt()).as(kind + " " + b).isEqualTo(200);
            assertThat(b.get("msg").asText()).isEqualTo("New version obtained");
            assertThat(b.get("docs").asText()).isEmpty();
            assertThat(b.get("traceId").asText()).hasSize(32);
            JsonNode d = b.get("data");
            assertThat(fieldNames(d)).as(kind).containsExactlyElementsOf(fields(kind));
            assertThat(d.get(kind + "Key").asText()).isEqualTo(app);
            assertThat(d.get("versionName").asText()).isEqualTo("2.0");
            assertThat(d.get("versionCode").isIntegralNumber()).isTrue();
            assertThat(d.get("versionCode").asLong()).isEqualTo(2);
            assertThat(d.get("upgradeType").asInt()).isEqualTo(1);
            assertThat(d.get("promptUpgradeContent").asText()).isEqualTo("Try 2.0 of " + kind);
            if (d.has("packageName")) {
                assertThat(d.get("packageName").asText()).isEqualTo("com.example.App" + kind + apps);
            }
            switch (kind) {
                case "url" -> assertThat(d.get("urlPath").asText()).isEqualTo("https://downloads.example.com/app-2.zip");
                case "configuration" -> assertThat(d.get("content")).isEqualTo(TestServer.parse("{\"version\":2}"));
                default -> {
                    assertThat(download(d.get("urlPath").asText())).as(kind).isEqualTo(file);
                    assertThat(d.get("urlFileSize").isIntegralNumber()).isTrue();
                    assertThat(d.get("urlFileSize").asLong()).isEqualTo(file.length);
                    if (!kind.equals("file")) {
                        assertThat(d.get("urlFileMd5").asText()).isEqualTo(hex("MD5", file));
                    }
                }
            }
            if (DESKTOP.contains(kind)) {
                assertThat(d.get("arch").asText()).isEqualTo("x64");
            }
        }
    }

    @Test
    void configurationContentMayBeAnArrayOrAnObject() {
        String arrayApp = app("configuration");
        long a = version(arrayApp, "configuration", 2, map("content", List.of(1, map("a", true), "x")));
        strategy(arrayApp, a);
        assertThat(offer("configuration", arrayApp, 1).get("content"))
                .isEqualTo(TestServer.parse("[1,{\"a\":true},\"x\"]"));

        String objectApp = app("configuration");
        long o = version(objectApp, "configuration", 2, map("content", map("theme", "dark", "limits", map("max", 5))));
        strategy(objectApp, o);
        assertThat(offer("configuration", objectApp, 1).get("content"))
                .isEqualTo(TestServer.parse("{\"theme\":\"dark\",\"limits\":{\"max\":5}}"));
    }

    @Test
    void alreadyLatestHasTheSameKeysAllZeroValued() {
        for (String kind : KINDS) {
            String app = app(kind);
            long v2 = version(app, kind, 2);
            strategy(app, v2);
            for (long code : List.of(2L, 3L)) {
                JsonNode b = latest(kind, app, code, Map.of());
                assertThat(b.get("msg").asText()).isEqualTo("Already latest version");
                assertThat(b.get("docs").asText()).isEqualTo("It's already the latest version and no upgrade is required");
                JsonNode d = b.get("data");
                assertThat(fieldNames(d)).as(kind).containsExactlyElementsOf(fields(kind));
                for (String f : fields(kind)) {
                    JsonNode value = d.get(f);
                    if (f.equals("content")) {
                        assertThat(value.isNull()).as(kind + "." + f).isTrue();
                    } else if (NUMERIC.contains(f)) {
                        assertThat(value.isIntegralNumber()).as(kind + "." + f).isTrue();
                        assertThat(value.asLong()).as(kind + "." + f).isZero();
                    } else {
                        assertThat(value.isTextual()).as(kind + "." + f).isTrue();
                        assertThat(value.asText()).as(kind + "." + f).isEmpty();
                    }
                }
            }
        }
    }

    @Test
    void desktopKindsOfferOnlyTheRequestedArch() {
        String app = app("win");
        long v2 = version(app, "win", 2);
        strategy(app, v2);
        assertThat(offer("win", app, 1).get("arch").asText()).isEqualTo("x64");
        latest("win", app, 1, map("arch", "arm64"));
        // Without arch nothing matches (as in UpgradeLink).
        JsonNode noArch = TestServer.parse(post("win", map("winKey", app, "versionCode", 1)).body());
        assertThat(noArch.get("code").asInt()).isZero();
        HttpResponse<String> bad = post("win", map("winKey", app, "versionCode", 1, "arch", "x86"));
        assertThat(bad.statusCode()).isEqualTo(400);
        JsonNode err = TestServer.parse(bad.body());
        assertThat(err.get("code").asInt()).isEqualTo(400003);
        assertThat(err.get("msg").asText()).contains("x64", "arm64");
    }

    // ---- strategy selection ----------------------------------------------------------------------------------

    @Test
    void upgradeTypeAndPromptComeFromTheStrategyNotTheVersion() {
        for (int type : List.of(3, 2, 1)) {
            String app = app("file");
            long v2 = version(app, "file", 2, map("description", "version description", "releaseNote", "version note"));
            strategy(app, map("versionId", v2, "upgradeType", type, "promptText", "strategy prompt " + type));
            JsonNode d = offer("file", app, 1);
            assertThat(d.get("upgradeType").asInt()).isEqualTo(type);
            assertThat(d.get("promptUpgradeContent").asText()).isEqualTo("strategy prompt " + type);
        }
    }

    @Test
    void appointedVersionCodePicksThatVersionAndAVersionWithoutStrategyGivesLatest() {
        String app = app("apk");
        long v2 = version(app, "apk", 2);
        long v3 = version(app, "apk", 3);
        version(app, "apk", 4); // no strategy
        strategy(app, map("versionId", v2, "upgradeType", 2, "promptText", "two"));
        strategy(app, map("versionId", v3, "upgradeType", 1, "promptText", "three"));

        assertThat(offer("apk", app, 1).get("versionCode").asLong()).isEqualTo(3);
        JsonNode two = offer("apk", app, 1, map("appointVersionCode", 2));
        assertThat(two.get("versionCode").asLong()).isEqualTo(2);
        assertThat(two.get("promptUpgradeContent").asText()).isEqualTo("two");
        assertThat(offer("apk", app, 1, map("appointVersionCode", 3)).get("versionCode").asLong()).isEqualTo(3);
        assertThat(offer("apk", app, 1, map("appointVersionCode", 0)).get("versionCode").asLong()).isEqualTo(3);
        latest("apk", app, 1, map("appointVersionCode", 4));
        latest("apk", app, 1, map("appointVersionCode", 9));
    }

    @Test
    void deviceGroupTargetingGivesTheForcedStrategyOnlyToMembers() {
        long group = server.adminOk("POST", "/api/admin/v1/device-groups", "{\"name\":\"testers\"}", 201).get("id").asLong();
        server.adminOk("POST", "/api/admin/v1/device-groups/" + group + "/members", "{\"deviceKeys\":[\"dev-in\"]}", 200);
        String app = app("file");
        long v2 = version(app, "file", 2);
        long v3 = version(app, "file", 3);
        strategy(app, map("versionId", v2, "upgradeType", 1, "promptText", "everyone"));
        strategy(app, map("versionId", v3, "upgradeType", 3, "promptText", "testers only",
                "targeting", map("type", "groups", "groupIds", List.of(group))));

        JsonNode in = offer("file", app, 1, map("devKey", "dev-in"));
        assertThat(in.get("versionCode").asLong()).isEqualTo(3);
        assertThat(in.get("upgradeType").asInt()).isEqualTo(3);
        // Others fall through to the older strategy for everyone.
        JsonNode out = offer("file", app, 1, map("devKey", "dev-out"));
        assertThat(out.get("versionCode").asLong()).isEqualTo(2);
        assertThat(out.get("upgradeType").asInt()).isEqualTo(1);
        assertThat(offer("file", app, 1).get("versionCode").asLong()).isEqualTo(2);
        // Members already on 2 get 3; others on 2 are up to date.
        assertThat(offer("file", app, 2, map("devKey", "dev-in")).get("versionCode").asLong()).isEqualTo(3);
        latest("file", app, 2, map("devKey", "dev-out"));
    }

    @Test
    void deviceModelTargetingMatchesDevModelKey() {
        server.adminOk("POST", "/api/admin/v1/device-models", "{\"modelKey\":\"pixel-8\",\"name\":\"Pixel 8\"}", 201);
        server.adminOk("POST", "/api/admin/v1/device-models", "{\"modelKey\":\"pixel-7\"}", 201);
        String app = app("apk");
        long v2 = version(app, "apk", 2);
        strategy(app, map("versionId", v2, "targeting", map("type", "models", "modelKeys", List.of("pixel-8"))));
        assertThat(offer("apk", app, 1, map("devModelKey", "pixel-8", "devKey", "d1")).get("versionCode").asLong())
                .isEqualTo(2);
        assertThat(offer("apk", app, 1, map("devModelKey", "pixel-8")).get("versionCode").asLong()).isEqualTo(2);
        latest("apk", app, 1, map("devModelKey", "pixel-7", "devKey", "d2"));
        latest("apk", app, 1, map("devKey", "d3"));
        latest("apk", app, 1, map("devModelKey", ""));
    }

    @Test
    void listedSourceVersionsRestrictWhoMayUpgrade() {
        String app = app("file");
        long v10 = version(app, "file", 10);
        version(app, "file", 20);
        long v30 = version(app, "file", 30);
        strategy(app, map("versionId", v30, "source", map("type", "listed", "versionIds", List.of(v10))));
        assertThat(offer("file", app, 10).get("versionCode").asLong()).isEqualTo(30);
        latest("file", app, 20);
        latest("file", app, 15); // not a known version: not in the list
    }

    @Test
    void sourceVersionRangeIsInclusive() {
        String app = app("url");
        long v100 = version(app, "url", 100);
        strategy(app, map("versionId", v100, "source", map("type", "range", "from", 20, "to", 40)));
        latest("url", app, 10);
        latest("url", app, 19);
        for (long c : List.of(20L, 30L, 40L)) {
            assertThat(offer("url", app, c).get("versionCode").asLong()).isEqualTo(100);
        }
        latest("url", app, 41);
        latest("url", app, 50);
    }

    @Test
    void betaStrategyIsOfferedOnlyToClientsOnTheBetaChannel() {
        String app = app("file");
        long v2 = version(app, "file", 2);
        long v3 = version(app, "file", 3);
        strategy(app, map("versionId", v2));
        strategy(app, map("versionId", v3, "channel", "beta", "promptText", "beta build"));
        assertThat(offer("file", app, 1).get("versionCode").asLong()).isEqualTo(2);
        assertThat(offer("file", app, 1, map("channel", "stable")).get("versionCode").asLong()).isEqualTo(2);
        JsonNode beta = offer("file", app, 1, map("channel", "beta"));
        assertThat(beta.get("versionCode").asLong()).isEqualTo(3);
        assertThat(beta.get("promptUpgradeContent").asText()).isEqualTo("beta build");
        // alpha accepts beta too; stable clients on 2 are up to date.
        assertThat(offer("file", app, 2, map("channel", "alpha")).get("versionCode").asLong()).isEqualTo(3);
        latest("file", app, 2);
    }

    @Test
    void grayRuleAdmitsTheFirstTwoDistinctDevicesStickilyEvenAcrossRestarts() {
        String app = app("apk");
        long v2 = version(app, "apk", 2);
        long id = grayStrategy(app, v2, 2);
        assertThat(offered("apk", app, 1, map("devKey", "dev-a"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-b"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-c"))).isFalse();
        assertThat(offered("apk", app, 1, map("devKey", "dev-a"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-b"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-c"))).isFalse();
        assertThat(offered("apk", app, 1, Map.of())).as("devices without devKey are refused by gray rules").isFalse();
        JsonNode s = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies/" + id, null, 200);
        assertThat(s.get("grayRules").get(0).get("admitted").asLong()).isEqualTo(2);

        server.restart();
        assertThat(offered("apk", app, 1, map("devKey", "dev-a"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-b"))).isTrue();
        assertThat(offered("apk", app, 1, map("devKey", "dev-d"))).isFalse();
    }

    @Test
    void aGrayAdmissionOnTheSelectorThreadRunsAgainOnAPoolThreadAndKeepsItsNonce() {
        String app = app("apk");
        long v2 = version(app, "apk", 2);
        long id = grayStrategy(app, v2, 1);
        long rerunsBefore = reruns();
        String body = TestServer.json(map("apkKey", app, "versionCode", 1, "devKey", "dev-one-write"));
        String nonce = TestServer.nonce();
        TestServer.RawAnswer first = server.signedPostInOneWrite(key, "/v1/apk/upgrade", body, nonce);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(TestServer.parse(first.body()).get("code").asInt()).as(first.body()).isEqualTo(200);
        // With SQLite the admission's insert would have waited on the selector thread: the check ran again on a pool
        // thread, with the nonce its first run reserved (not refused as a replay of itself). With PostgreSQL signed
        // checks run on pool threads from the start, since the nonce store waits for its commit.
        long rerun = database == TestDatabase.SQLITE ? 1 : 0;
        assertThat(reruns()).isEqualTo(rerunsBefore + rerun);
        JsonNode s = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies/" + id, null, 200);
        assertThat(s.get("grayRules").get(0).get("admitted").asLong()).isEqualTo(1);
        // The nonce was reserved once: sending the same request again is a replay.
        TestServer.RawAnswer replay = server.signedPostInOneWrite(key, "/v1/apk/upgrade", body, nonce);
        assertThat(replay.status()).isEqualTo(401);
        assertThat(TestServer.parse(replay.body()).get("code").asInt()).isEqualTo(401001);
        // An admitted device's next check does not wait, and a device over the limit is refused without waiting.
        TestServer.RawAnswer again = server.signedPostInOneWrite(key, "/v1/apk/upgrade", body, TestServer.nonce());
        assertThat(TestServer.parse(again.body()).get("code").asInt()).isEqualTo(200);
        String other = TestServer.json(map("apkKey", app, "versionCode", 1, "devKey", "dev-over-limit"));
        TestServer.RawAnswer refused = server.signedPostInOneWrite(key, "/v1/apk/upgrade", other, TestServer.nonce());
        assertThat(TestServer.parse(refused.body()).get("code").asInt()).isZero();
        assertThat(reruns()).isEqualTo(rerunsBefore + rerun);
    }

    private long reruns() {
        return Math.round(PrometheusText.parse(TestServer.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.base() + "/metrics")).build()).body())
                .value("upshift_http_selector_reruns_total", Map.of()).orElseThrow());
    }

    @Test
    void grayWindowsGateBeforeBetweenAndAfterThem() {
        // Before the first window nobody passes; after the last one everybody does; a disabled rule does not count.
        String future = app("url");
        strategy(future, map("versionId", version(future, "url", 2), "grayRules",
                List.of(map("begin", at(3600), "end", at(7200), "limit", 10))));
        assertThat(offered("url", future, 1, map("devKey", "dev-x"))).isFalse();
        String past = app("url");
        strategy(past, map("versionId", version(past, "url", 2), "grayRules",
                List.of(map("begin", at(-7200), "end", at(-3600), "limit", 1))));
        assertThat(offered("url", past, 1, map("devKey", "dev-x"))).isTrue();
        assertThat(offered("url", past, 1, map("devKey", "dev-y"))).isTrue();
        assertThat(offered("url", past, 1, Map.of())).isTrue();
        String disabled = app("url");
        strategy(disabled, map("versionId", version(disabled, "url", 2), "grayRules",
                List.of(map("begin", at(-3600), "end", at(3600), "limit", 0, "enabled", false))));
        assertThat(offered("url", disabled, 1, map("devKey", "dev-x"))).isTrue();

        // Between windows only devices admitted earlier pass; they do not use the next window's quota.
        String app = app("url");
        String begin = at(-3600);
        JsonNode s = strategy(app, map("versionId", version(app, "url", 2), "grayRules",
                List.of(map("begin", begin, "end", at(3600), "limit", 5))));
        long id = s.get("id").asLong();
        long r1 = s.get("grayRules").get(0).get("id").asLong();
        assertThat(offered("url", app, 1, map("devKey", "early"))).isTrue();
        String path = "/api/admin/v1/apps/" + app + "/strategies/" + id;
        String ended = at(-60);
        server.adminOk("PATCH", path, TestServer.json(map("grayRules", List.of(
                map("id", r1, "begin", begin, "end", ended, "limit", 5),
                map("begin", at(3600), "end", at(7200), "limit", 1)))), 200);
        assertThat(offered("url", app, 1, map("devKey", "early"))).isTrue();
        assertThat(offered("url", app, 1, map("devKey", "late"))).isFalse();
        JsonNode opened = server.adminOk("PATCH", path, TestServer.json(map("grayRules", List.of(
                map("id", r1, "begin", begin, "end", ended, "limit", 5),
                map("begin", at(0), "end", at(7200), "limit", 1)))), 200);
        assertThat(offered("url", app, 1, map("devKey", "early"))).isTrue();
        assertThat(offered("url", app, 1, map("devKey", "late"))).isTrue();
        assertThat(offered("url", app, 1, map("devKey", "later"))).isFalse();
        JsonNode rules = server.adminOk("GET", path, null, 200).get("grayRules");
        assertThat(rules.get(1).get("id").asLong()).isEqualTo(opened.get("grayRules").get(1).get("id").asLong());
        assertThat(rules.get(1).get("admitted").asLong()).isEqualTo(1);
    }

    /*
     * Device and model keys are stored as VARCHAR(128) (gray_admissions, devices, check_events). Longer keys must be
     * refused at the protocol edge (400003) or dropped as identity, never reach the database: on PostgreSQL they
     * used to fail the gray admission insert (HTTP 500) and the whole CheckEventLog batch.
     */

    @Test
    void aLongDevKeyOnAGrayStrategyIsAnsweredNotAServerError() {
        String app = app("file");
        long v2 = version(app, "file", 2);
        strategy(app, map("versionId", v2, "grayRules", List.of(map("begin", at(-3600), "end", at(3600), "limit", 10))));
        // A 200-character devKey is within what the request parser accepts for strings: it must be answered or
        // refused with 400003, never fail inside the server.
        HttpResponse<String> r = post("file", map("fileKey", app, "versionCode", 1, "devKey", "k".repeat(200)));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 400);
        assertThat(TestServer.parse(r.body()).get("code").asInt()).as(r.body()).isIn(200, 400003);
    }

    @Test
    void aLongDevKeyOrModelLosesNoCheckFacts() {
        String app = app("file");
        long v2 = version(app, "file", 2);
        strategy(app, v2);
        HttpResponse<String> r = post("file", map("fileKey", app, "versionCode", 1, "devKey", "k".repeat(200),
                "devModelKey", "m".repeat(200)));
        assertThat(r.statusCode()).as(r.body()).isIn(200, 400);
        offer("file", app, 1, map("devKey", "neighbour"));
        server.server().events().flush();
        assertThat(server.server().events().dropped()).as("facts dropped by the check event log").isZero();
        assertThat(server.adminOk("GET", "/api/admin/v1/devices/neighbour", null, 200).get("deviceKey").asText())
                .isEqualTo("neighbour");
    }

    @Test
    void stagingIdHeaderIsTheDeviceIdentityWhenDevKeyIsAbsent() {
        String app = app("file");
        long v2 = version(app, "file", 2);
        strategy(app, map("versionId", v2, "grayRules", List.of(map("begin", at(-3600), "end", at(3600), "limit", 1))));
        java.util.function.BiFunction<String, String, Integer> check = (devKey, staging) -> {
            String body = TestServer.json(devKey == null ? map("fileKey", app, "versionCode", 1)
                    : map("fileKey", app, "versionCode", 1, "devKey", devKey));
            HttpRequest.Builder b = server.signedRequest(key, "/v1/file/upgrade", body, TestServer.nonce(), TestServer.timestamp(0));
            if (staging != null) {
                b.header("x-user-staging-id", staging);
            }
            HttpResponse<String> r = TestServer.send(b.build());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return TestServer.parse(r.body()).get("code").asInt();
        };
        assertThat(check.apply(null, "staging-a")).isEqualTo(200);
        assertThat(check.apply(null, "staging-b")).isZero();
        assertThat(check.apply(null, "staging-a")).isEqualTo(200);
        assertThat(check.apply(null, null)).isZero();
        // devKey wins over the header.
        assertThat(check.apply("staging-a", "staging-b")).isEqualTo(200);
        assertThat(check.apply("staging-b", "staging-a")).isZero();
    }

    @Test
    void percentageOffersAboutThatShareDeterministicallyPerDevice() throws Exception {
        String app = app("file");
        long v2 = version(app, "file", 2);
        long id = strategy(app, map("versionId", v2, "percentage", 10)).get("id").asLong();
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            devices.add("device-" + i);
        }
        Map<String, Boolean> first = answers(app, devices, 8);
        long offered = first.values().stream().filter(b -> b).count();
        assertThat(offered).isBetween(20L, 60L);
        long expected = devices.stream().filter(d -> RolloutEngine.bucket(id, d) < 1000).count();
        assertThat(offered).isEqualTo(expected);
        for (String d : devices) {
            assertThat(first.get(d)).as(d).isEqualTo(RolloutEngine.bucket(id, d) < 1000);
        }
        Map<String, Boolean> again = answers(app, devices.subList(0, 100), 8);
        again.forEach((d, b) -> assertThat(b).as(d).isEqualTo(first.get(d)));
        assertThat(offered("file", app, 1, Map.of())).as("no devKey: no percentage position").isFalse();
    }

    private Map<String, Boolean> answers(String app, List<String> devices, int threads) throws Exception {
        Map<String, Boolean> out = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (String d : devices) {
                fs.add(pool.submit(() -> out.put(d, offered("file", app, 1, map("devKey", d)))));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** Waits out the last seconds of a minute so that two checks fall into one minute bucket. */
    private static void awayFromAMinuteBoundary() throws InterruptedException {
        int second = OffsetDateTime.now(ZoneOffset.UTC).getSecond();
        if (second >= 55) {
            Thread.sleep((61 - second) * 1000L);
        }
    }

    @Test
    void hardFlowLimitAnswers429001WithRetryAfter() throws Exception {
        String app = app("url");
        long v2 = version(app, "url", 2);
        strategy(app, map("versionId", v2, "flowRules", List.of(map("dimension", "minute", "limit", 1))));
        awayFromAMinuteBoundary();
        offer("url", app, 1);
        HttpResponse<String> r = post("url", map("urlKey", app, "versionCode", 1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).isEqualTo(429001);
        assertThat(b.get("data").isNull()).isTrue();
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        // A client that is up to date is not counted against the limit.
        latest("url", app, 2);
    }

    @Test
    void everyOpenFlowRuleHolds() throws Exception {
        String app = app("url");
        long v2 = version(app, "url", 2);
        strategy(app, map("versionId", v2, "flowRules", List.of(map("dimension", "minute", "limit", 100),
                map("dimension", "hour", "limit", 1))));
        awayFromAMinuteBoundary();
        offer("url", app, 1);
        HttpResponse<String> r = post("url", map("urlKey", app, "versionCode", 1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(TestServer.parse(r.body()).get("code").asInt()).isEqualTo(429001);
    }

    @Test
    void softFlowLimitAnswersAlreadyLatest() throws Exception {
        String app = app("url");
        long v2 = version(app, "url", 2);
        strategy(app, map("versionId", v2, "flowRules", List.of(map("dimension", "minute", "limit", 1, "soft", true))));
        awayFromAMinuteBoundary();
        offer("url", app, 1);
        JsonNode second = latest("url", app, 1);
        assertThat(second.get("msg").asText()).isEqualTo("Already latest version");
    }

    @Test
    void disabledEndedAndFutureStrategiesOfferNothing() {
        String disabled = app("file");
        long d2 = version(disabled, "file", 2);
        long sid = strategy(disabled, map("versionId", d2, "enabled", false)).get("id").asLong();
        latest("file", disabled, 1);
        server.adminOk("PATCH", "/api/admin/v1/apps/" + disabled + "/strategies/" + sid, "{\"enabled\":true}", 200);
        assertThat(offer("file", disabled, 1).get("versionCode").asLong()).isEqualTo(2);

        String ended = app("file");
        long e2 = version(ended, "file", 2);
        strategy(ended, map("versionId", e2, "begin", at(-7200), "end", at(-3600)));
        latest("file", ended, 1);

        String future = app("file");
        long f2 = version(future, "file", 2);
        strategy(future, map("versionId", f2, "begin", at(3600), "end", at(7200)));
        latest("file", future, 1);
    }

    @Test
    void aDeletedVersionIsNeverOffered() {
        String app = app("win");
        long v2 = version(app, "win", 2);
        long v3 = version(app, "win", 3);
        strategy(app, v2);
        strategy(app, v3);
        assertThat(offer("win", app, 1).get("versionCode").asLong()).isEqualTo(3);
        assertThat(server.admin("DELETE", "/api/admin/v1/apps/" + app + "/versions/" + v3, null).statusCode()).isEqualTo(204);
        assertThat(offer("win", app, 1).get("versionCode").asLong()).isEqualTo(2);
        latest("win", app, 1, map("appointVersionCode", 3));
        assertThat(server.admin("DELETE", "/api/admin/v1/apps/" + app + "/versions/" + v2, null).statusCode()).isEqualTo(204);
        latest("win", app, 1);
    }

    @Test
    void aVersionWithoutAnUploadedFileIsNeverOfferedWithoutADownload() {
        for (String kind : List.of("file", "apk", "win")) {
            String app = app(kind);
            long v2 = bareVersion(app, kind, 2); // no artifact uploaded (yet)
            HttpResponse<String> created = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                    TestServer.json(map("versionId", v2)));
            assertThat(created.statusCode()).as(created.body()).isIn(201, 400);
            if (created.statusCode() == 201) {
                JsonNode b = check(kind, app, 1, Map.of());
                // A strategy whose version has no file yet is not offerable: the engine never sees it.
                assertThat(b.get("code").asInt()).as(kind + " " + b).isZero();
            }
        }
    }

    @Test
    void apkPatchIsOfferedToClientsOnTheBaseVersionThatAskForIt() throws Exception {
        String app = app("apk");
        long v1 = bareVersion(app, "apk", 1);
        long v2 = bareVersion(app, "apk", 2);
        byte[] full1 = bytes(40_000, 1);
        byte[] full2 = bytes(60_000, 2);
        byte[] patch = bytes(5_000, 3);
        server.upload(app, v1, "install", "app-1.apk", full1);
        server.upload(app, v2, "install", "app-2.apk", full2);
        strategy(app, v2);
        HttpResponse<String> put = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/"
                        + app + "/versions/" + v2 + "/patches?fromVersionId=" + v1 + "&patchAlgo=1&fileName=p.patch"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(patch)).build());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        JsonNode withPatch = offer("apk", app, 1, map("patchAlgo", 1));
        assertThat(withPatch.get("patchAlgo").asLong()).isEqualTo(1);
        assertThat(download(withPatch.get("patchUrlPath").asText())).isEqualTo(patch);
        assertThat(withPatch.get("patchUrlFileSize").asLong()).isEqualTo(patch.length);
        assertThat(withPatch.get("patchUrlFileMd5").asText()).isEqualTo(hex("MD5", patch));
        assertThat(download(withPatch.get("urlPath").asText())).isEqualTo(full2);
        assertThat(withPatch.get("urlFileMd5").asText()).isEqualTo(hex("MD5", full2));

        for (Map<String, Object> extra : List.<Map<String, Object>>of(Map.of(), map("patchAlgo", 0), map("patchAlgo", 2))) {
            JsonNode full = offer("apk", app, 1, extra);
            assertThat(full.get("patchAlgo").asLong()).as(extra.toString()).isZero();
            assertThat(full.get("patchUrlPath").asText()).isEmpty();
            assertThat(full.get("patchUrlFileSize").asLong()).isZero();
            assertThat(full.get("patchUrlFileMd5").asText()).isEmpty();
            assertThat(download(full.get("urlPath").asText())).isEqualTo(full2);
        }
    }

    // ---- devices ---------------------------------------------------------------------------------------------

    @Test
    void devicesSeenWithADevKeyAreRegisteredAutomatically() throws Exception {
        String app = app("file");
        long v2 = version(app, "file", 2);
        strategy(app, v2);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        offer("file", app, 1, map("devKey", "aa:bb:cc:dd", "devModelKey", "phone-x"));
        latest("file", app, 2, map("devKey", "up-to-date-device"));
        latest("file", app, 2); // no devKey: nothing to register
        server.server().events().flush();
        Instant after = Instant.now();

        JsonNode d = server.adminOk("GET", "/api/admin/v1/devices/aa:bb:cc:dd", null, 200);
        assertThat(d.get("deviceKey").asText()).isEqualTo("aa:bb:cc:dd");
        assertThat(d.get("modelKey").asText()).isEqualTo("phone-x");
        Instant first = Instant.parse(d.get("firstSeenAt").asText());
        Instant last = Instant.parse(d.get("lastSeenAt").asText());
        assertThat(first).isBetween(before, after);
        assertThat(last).isBetween(before, after);
        assertThat(server.adminOk("GET", "/api/admin/v1/devices/up-to-date-device", null, 200).get("lastSeenAt").isTextual())
                .isTrue();
        JsonNode all = server.adminOk("GET", "/api/admin/v1/devices", null, 200).get("items");
        assertThat(all).hasSize(2);

        // A later check moves lastSeenAt, keeps firstSeenAt, and updates the model.
        Thread.sleep(1100);
        offer("file", app, 1, map("devKey", "aa:bb:cc:dd", "devModelKey", "phone-y"));
        server.server().events().flush();
        JsonNode again = server.adminOk("GET", "/api/admin/v1/devices/aa:bb:cc:dd", null, 200);
        assertThat(again.get("firstSeenAt").asText()).isEqualTo(d.get("firstSeenAt").asText());
        assertThat(Instant.parse(again.get("lastSeenAt").asText())).isAfter(last);
        assertThat(again.get("modelKey").asText()).isEqualTo("phone-y");
    }

    @Test
    void concurrentChecksAdmitExactlyTheGrayLimitOfDistinctDevices() throws Exception {
        String app = app("apk");
        long v2 = version(app, "apk", 2);
        long id = strategy(app, map("versionId", v2, "grayRules",
                List.of(map("begin", at(-3600), "end", at(3600), "limit", 25)))).get("id").asLong();
        List<String> checks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            checks.add("dev-" + i);
            checks.add("dev-" + i);
        }
        Collections.shuffle(checks, new Random(42));
        Map<String, List<Boolean>> results = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (String d : checks) {
                fs.add(pool.submit(() -> results.computeIfAbsent(d, k -> new CopyOnWriteArrayList<>())
                        .add(offered("apk", app, 1, map("devKey", d)))));
            }
            for (Future<?> f : fs) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        long admitted = results.values().stream().filter(l -> l.contains(true)).count();
        assertThat(admitted).isEqualTo(25);
        // Sticky: a device got the same answer every time.
        results.forEach((d, l) -> assertThat(l).as(d).hasSize(2).containsOnly(l.get(0)));
        JsonNode s = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies/" + id, null, 200);
        assertThat(s.get("grayRules").get(0).get("admitted").asLong()).isEqualTo(25);
    }
}
