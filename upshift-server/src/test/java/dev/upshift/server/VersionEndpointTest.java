package dev.upshift.server;

import static dev.upshift.server.TestData.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POST /v1/<kind>/version} over real HTTP for all nine kinds: the documented bodies field by field, the
 * exact-match semantics, and every parameter error.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class VersionEndpointTest {
    /** Field order of the win document (shared/seeds), which mac and lnx mirror. */
    static final List<String> WIN_FIELDS = List.of("winKey", "packageName", "versionName", "versionCode", "description",
            "pubDate", "arch", "releaseNote", "changelog", "upgradeMode", "forcedUpgradeVersionCode",
            "silentUpgradeVersionCode", "target", "releaseUrl", "updateType", "md5", "sha256", "downloadUrl", "fileSize",
            "downloadTimes", "isPreRelease");

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

    private JsonNode ok(String path, String body) {
        HttpResponse<String> r = server.signedPost(key, path, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).isEqualTo(200);
        assertThat(fieldNames(b)).containsExactly("code", "msg", "traceId", "docs", "data");
        assertThat(b.get("traceId").asText()).hasSize(32);
        assertThat(r.headers().firstValue("X-Trace-Id")).contains(b.get("traceId").asText());
        return b;
    }

    private JsonNode error(String path, String body, int code) {
        HttpResponse<String> r = server.signedPost(key, path, body);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).as(r.body()).isEqualTo(code);
        assertThat(r.statusCode()).isEqualTo(code / 1000);
        assertThat(fieldNames(b)).containsExactly("code", "msg", "traceId", "docs", "data");
        assertThat(b.get("data").isNull()).isTrue();
        return b;
    }


    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }

    @Test
    void winVersionFillsEveryDocumentedFieldFromRealData() throws Exception {
        String app = server.createApp("win", "Demo");
        JsonNode v2 = server.createVersion(app, TestServer.json(Map.ofEntries(Map.entry("versionName", "v2"),
                Map.entry("versionCode", 2), Map.entry("arch", "x64"), Map.entry("description", "Description content"),
                Map.entry("releaseNote", "Release note content"), Map.entry("changelog", "Changelog content"),
                Map.entry("releaseUrl", "https://example.com/windows-app-v2.exe"), Map.entry("upgradeMode", 3),
                Map.entry("forcedUpgradeVersionCode", 1), Map.entry("silentUpgradeVersionCode", 1),
                Map.entry("isPreRelease", true))));
        byte[] file = new byte[300_000];
        new Random(3).nextBytes(file);
        server.upload(app, v2.get("id").asLong(), "install", "demo-setup.exe", file);

        JsonNode before = ok("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":2,\"arch\":\"x64\"}");
        assertThat(before.get("msg").asText()).isEqualTo("Version details found");
        assertThat(before.get("docs").asText()).isEmpty();
        JsonNode d = before.get("data");
        assertThat(fieldNames(d)).containsExactlyElementsOf(WIN_FIELDS);
        assertThat(d.get("winKey").asText()).isEqualTo(app);
        assertThat(d.get("packageName").asText()).isEqualTo("com.example.Demo");
        assertThat(d.get("versionName").asText()).isEqualTo("v2");
        assertThat(d.get("versionCode").isIntegralNumber()).isTrue();
        assertThat(d.get("versionCode").asLong()).isEqualTo(2);
        assertThat(d.get("description").asText()).isEqualTo("Description content");
        assertThat(java.time.OffsetDateTime.parse(d.get("pubDate").asText()).toInstant())
                .isBetween(java.time.Instant.now().minusSeconds(120), java.time.Instant.now().plusSeconds(1));
        assertThat(d.get("arch").asText()).isEqualTo("x64");
        assertThat(d.get("releaseNote").asText()).isEqualTo("Release note content");
        assertThat(d.get("changelog").asText()).isEqualTo("Changelog content");
        assertThat(d.get("upgradeMode").asInt()).isEqualTo(3);
        assertThat(d.get("forcedUpgradeVersionCode").asLong()).isEqualTo(1);
        assertThat(d.get("silentUpgradeVersionCode").asLong()).isEqualTo(1);
        assertThat(d.get("target").asText()).isEqualTo("win");
        assertThat(d.get("releaseUrl").asText()).isEqualTo("https://example.com/windows-app-v2.exe");
        assertThat(d.get("updateType").asText()).isEqualTo("manual");
        assertThat(d.get("md5").asText()).isEqualTo(hex("MD5", file));
        assertThat(d.get("sha256").asText()).isEqualTo(hex("SHA-256", file));
        assertThat(d.get("fileSize").isIntegralNumber()).isTrue();
        assertThat(d.get("fileSize").asLong()).isEqualTo(file.length);
        assertThat(d.get("downloadTimes").asLong()).isZero();
        assertThat(d.get("isPreRelease").isBoolean()).isTrue();
        assertThat(d.get("isPreRelease").asBoolean()).isTrue();

        // downloadUrl works: GET with Range, ETag and HEAD, and every full download is counted.
        URI url = URI.create(d.get("downloadUrl").asText().replace("http://localhost:", "http://127.0.0.1:"));
        HttpResponse<byte[]> full = TestServer.HTTP.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(full.statusCode()).isEqualTo(200);
        assertThat(full.body()).isEqualTo(file);
        assertThat(full.headers().firstValue("ETag")).contains("\"" + hex("SHA-256", file) + "\"");
        HttpResponse<byte[]> part = TestServer.HTTP.send(HttpRequest.newBuilder(url).header("Range", "bytes=100-199").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(file, 100, 200));
        HttpResponse<Void> head = TestServer.HTTP.send(HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(file.length);
        TestServer.HTTP.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding());

        JsonNode after = ok("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":2,\"arch\":\"x64\"}");
        assertThat(after.get("data").get("downloadTimes").asLong()).isEqualTo(2);
    }

    @Test
    void macAndLnxReturnTheSameSupersetAsWin() {
        for (String kind : List.of("mac", "lnx")) {
            String app = server.createApp(kind, "Desk" + kind);
            server.createVersion(app, "{\"versionName\":\"1.0\",\"versionCode\":5,\"arch\":\"arm64\"}");
            JsonNode d = ok("/v1/" + kind + "/version", "{\"" + kind + "Key\":\"" + app + "\",\"versionCode\":5,\"arch\":\"arm64\"}").get("data");
            List<String> expected = new ArrayList<>(WIN_FIELDS);
            expected.set(0, kind + "Key");
            assertThat(fieldNames(d)).containsExactlyElementsOf(expected);
            assertThat(d.get("target").asText()).isEqualTo(kind);
            assertThat(d.get("downloadUrl").asText()).isEmpty();
            assertThat(d.get("fileSize").asLong()).isZero();
        }
    }

    @Test
    void versionEndpointDescribesTheClientsOwnVersionNotTheNewest() {
        String app = server.createApp("win", "Demo");
        server.createVersion(app, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\",\"description\":\"one\"}");
        server.createVersion(app, "{\"versionName\":\"v2\",\"versionCode\":2,\"arch\":\"x64\",\"description\":\"two\"}");
        server.createVersion(app, "{\"versionName\":\"v1-arm\",\"versionCode\":1,\"arch\":\"arm64\",\"description\":\"arm\"}");
        JsonNode d = ok("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"x64\"}").get("data");
        assertThat(d.get("versionCode").asLong()).isEqualTo(1);
        assertThat(d.get("description").asText()).isEqualTo("one");
        JsonNode arm = ok("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"arm64\"}").get("data");
        assertThat(arm.get("versionName").asText()).isEqualTo("v1-arm");
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":3,\"arch\":\"x64\"}", 404001);
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":2,\"arch\":\"arm64\"}", 404001);
    }

    @Test
    void tauriAnswersTheDocumentedShapeWithLowercaseKeysAndTheIntegerMapping() {
        String app = server.createApp("tauri", "Tapp");
        server.createVersion(app, "{\"versionName\":\"1.0.1\",\"target\":\"windows\",\"arch\":\"x86_64\",\"description\":\"Description content\"}");
        JsonNode b = ok("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"v1.0.1\",\"target\":\"windows\",\"arch\":\"x86_64\"}");
        assertThat(b.get("msg").asText()).isEqualTo("New version obtained");
        JsonNode d = b.get("data");
        assertThat(fieldNames(d)).containsExactly("tauriKey", "versionName", "versionCode", "target", "arch", "description");
        assertThat(d.get("versionCode").asLong()).isEqualTo(1_000_001L);
        assertThat(d.get("target").asText()).isEqualTo("windows");
        assertThat(d.get("arch").asText()).isEqualTo("x86_64");
        assertThat(d.get("versionName").asText()).isEqualTo("1.0.1");
        // The integer versionCode alternative finds the same version.
        JsonNode byCode = ok("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionCode\":1000001,\"target\":\"windows\",\"arch\":\"x86_64\"}").get("data");
        assertThat(byCode.get("versionName").asText()).isEqualTo("1.0.1");
        // Another target or arch is another version.
        error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"1.0.1\",\"target\":\"linux\",\"arch\":\"x86_64\"}", 404001);
    }

    @Test
    void tauriDocumentExampleBodyWithArchX86IsRefusedListingTheAllowedValues() {
        String app = server.createApp("tauri", "Tapp");
        JsonNode b = error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionCode\":1,\"target\":\"linux\",\"arch\":\"x86\"}", 400003);
        assertThat(b.get("msg").asText()).contains("x86_64", "i686", "aarch64", "armv7");
        JsonNode t = error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"1.0.0\",\"target\":\"beos\",\"arch\":\"x86_64\"}", 400003);
        assertThat(t.get("msg").asText()).contains("linux", "darwin", "windows");
        error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"1.0\",\"target\":\"linux\",\"arch\":\"x86_64\"}", 400003);
        error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"target\":\"linux\",\"arch\":\"x86_64\"}", 400002);
        error("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"1.0.0\",\"arch\":\"x86_64\"}", 400002);
    }

    @Test
    void tauriPreReleaseIsMatchedByItsFullSemVer() {
        String app = server.createApp("tauri", "Tapp");
        server.createVersion(app, "{\"versionName\":\"1.2.0-beta.2\",\"target\":\"linux\",\"arch\":\"aarch64\",\"description\":\"beta\"}");
        server.createVersion(app, "{\"versionName\":\"1.2.0\",\"target\":\"linux\",\"arch\":\"aarch64\",\"description\":\"final\"}");
        JsonNode beta = ok("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionName\":\"1.2.0-beta.2\",\"target\":\"linux\",\"arch\":\"aarch64\"}").get("data");
        assertThat(beta.get("description").asText()).isEqualTo("beta");
        JsonNode release = ok("/v1/tauri/version", "{\"tauriKey\":\"" + app + "\",\"versionCode\":1002000,\"target\":\"linux\",\"arch\":\"aarch64\"}").get("data");
        assertThat(release.get("description").asText()).isEqualTo("final");
    }

    @Test
    void everyKindAnswersItsOwnShape() {
        Map<String, List<String>> shapes = Map.of(
                "url", List.of("urlKey", "versionName", "versionCode", "description"),
                "file", List.of("fileKey", "versionName", "versionCode", "description"),
                "configuration", List.of("configurationKey", "versionName", "versionCode", "description"),
                "apk", List.of("apkKey", "packageName", "versionName", "versionCode", "description"),
                "electron", List.of("electronKey", "platform", "arch", "versionName", "versionCode", "description"));
        shapes.forEach((kind, fields) -> {
            String app = server.createApp(kind, "K" + kind);
            String create = switch (kind) {
                case "url" -> "{\"versionName\":\"1.0\",\"versionCode\":7,\"urlPath\":\"https://example.com/a\",\"description\":\"d\"}";
                case "configuration" -> "{\"versionName\":\"1.0\",\"versionCode\":7,\"content\":[1,{\"a\":true}],\"description\":\"d\"}";
                case "electron" -> "{\"versionName\":\"2.3.4\",\"platform\":\"win32\",\"arch\":\"x64\",\"description\":\"d\"}";
                default -> "{\"versionName\":\"1.0\",\"versionCode\":7,\"description\":\"d\"}";
            };
            server.createVersion(app, create);
            String request = kind.equals("electron")
                    ? "{\"electronKey\":\"" + app + "\",\"versionName\":\"2.3.4\",\"platform\":\"win32\",\"arch\":\"x64\"}"
                    : "{\"" + kind + "Key\":\"" + app + "\",\"versionCode\":7}";
            JsonNode d = ok("/v1/" + kind + "/version", request).get("data");
            assertThat(fieldNames(d)).as(kind).containsExactlyElementsOf(fields);
            assertThat(d.get(kind + "Key").asText()).isEqualTo(app);
            assertThat(d.get("description").asText()).isEqualTo("d");
            if (kind.equals("electron")) {
                assertThat(d.get("platform").asText()).isEqualTo("windows");
                assertThat(d.get("versionCode").asLong()).isEqualTo(2_003_004L);
            } else {
                assertThat(d.get("versionCode").asLong()).isEqualTo(7);
            }
            if (kind.equals("apk")) {
                assertThat(d.get("packageName").asText()).isEqualTo("com.example.Kapk");
            }
        });
    }

    @Test
    void anAppKeyOfAnotherKindIsNotFound() {
        String win = server.createApp("win", "Demo");
        server.createVersion(win, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}");
        error("/v1/mac/version", "{\"macKey\":\"" + win + "\",\"versionCode\":1,\"arch\":\"x64\"}", 404001);
    }

    @Test
    void everyParameterErrorHasItsCode() {
        String app = server.createApp("win", "Demo");
        server.createVersion(app, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}");
        assertThat(error("/v1/win/version", "{\"versionCode\":1,\"arch\":\"x64\"}", 400002).get("msg").asText()).contains("winKey");
        assertThat(error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"arch\":\"x64\"}", 400002).get("msg").asText()).contains("versionCode");
        assertThat(error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1}", 400002).get("msg").asText()).contains("arch");
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":\"1\",\"arch\":\"x64\"}", 400003);
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1.5,\"arch\":\"x64\"}", 400003);
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":0,\"arch\":\"x64\"}", 400003);
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":99999999999999999999,\"arch\":\"x64\"}", 400003);
        error("/v1/win/version", "{\"winKey\":42,\"versionCode\":1,\"arch\":\"x64\"}", 400003);
        error("/v1/win/version", "{\"winKey\":\"\",\"versionCode\":1,\"arch\":\"x64\"}", 400003);
        assertThat(error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"x86\"}", 400003)
                .get("msg").asText()).contains("x64", "arm64");
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":1,", 400005);
        error("/v1/win/version", "[1,2,3]", 400005);
        error("/v1/win/version", "{\"a\":1} trailing", 400005);
        assertThat(error("/v1/win/version", "{\"winKey\":\"nosuchappkey0000000000\",\"versionCode\":1,\"arch\":\"x64\"}", 404001)
                .get("msg").asText()).contains("nosuchappkey");
        error("/v1/win/version", "{\"winKey\":\"" + app + "\",\"versionCode\":2,\"arch\":\"x64\"}", 404001);
    }

    @Test
    void oversizedBodyIsRefusedWith413001() {
        String big = "{\"winKey\":\"" + "x".repeat(70 * 1024) + "\",\"versionCode\":1,\"arch\":\"x64\"}";
        JsonNode b = error("/v1/win/version", big, 413001);
        assertThat(b.get("msg").asText()).contains("65536");
    }

    @Test
    void unknownRoutesAndMethodsAnswer404004() throws Exception {
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/version")).GET().build());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(TestServer.parse(r.body()).get("code").asInt()).isEqualTo(404004);
        HttpResponse<String> k = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/v1/nosuchkind/version"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(TestServer.parse(k.body()).get("code").asInt()).isEqualTo(404004);
    }

    @Test
    void deletedVersionsAndAppsAreNotFound() {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, "{\"versionName\":\"v1\",\"versionCode\":1,\"arch\":\"x64\"}").get("id").asLong();
        String body = "{\"winKey\":\"" + app + "\",\"versionCode\":1,\"arch\":\"x64\"}";
        ok("/v1/win/version", body);
        assertThat(server.admin("DELETE", "/api/admin/v1/apps/" + app + "/versions/" + id, null).statusCode()).isEqualTo(204);
        error("/v1/win/version", body, 404001);
        // The code is free again once the old version is deleted.
        server.createVersion(app, "{\"versionName\":\"v1b\",\"versionCode\":1,\"arch\":\"x64\"}");
        assertThat(ok("/v1/win/version", body).get("data").get("versionName").asText()).isEqualTo("v1b");
        assertThat(server.admin("DELETE", "/api/admin/v1/apps/" + app, null).statusCode()).isEqualTo(204);
        error("/v1/win/version", body, 404001);
    }
}
