package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.http.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** The admin API over real HTTP: authentication, apps, versions of every shape, artifacts, access keys, tenants. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class AdminApiTest {
    private static final String APPS = "/api/admin/v1/apps";
    private static final String KEYS = "/api/admin/v1/access-keys";
    private static final String TENANTS = "/api/admin/v1/tenants";
    private static final long CAP = 8L * 1024 * 1024; // max-artifact-bytes configured by TestServer

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- authentication ------------------------------------------------------------------------------------

    @Test
    void requestsWithoutOrWithAWrongBearerTokenAreRefusedWithUnauthorized() {
        String body = json("kind", "win", "name", "Sneaky");
        assertError(server.admin("GET", APPS, null, null), 401, "unauthorized");
        assertError(server.admin("POST", APPS, body, null), 401, "unauthorized");
        assertError(server.admin("POST", APPS, body, "wrong-token-0123456789"), 401, "unauthorized");
        assertError(server.admin("GET", KEYS, null, TestServer.ADMIN_TOKEN + "x"), 401, "unauthorized");
        HttpResponse<String> basic = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + APPS))
                .header("Authorization", "Basic " + TestServer.ADMIN_TOKEN).GET().build());
        assertError(basic, 401, "unauthorized");

        assertThat(server.adminOk("GET", APPS, null, 200).get("items")).isEmpty();
    }

    // ---- apps ----------------------------------------------------------------------------------------------

    @Test
    void appCreationRefusesInvalidBodiesWithInvalidRequest() {
        JsonNode unknownKind = assertError(server.admin("POST", APPS, json("kind", "ios", "name", "X")), 400,
                "invalid_request");
        assertThat(unknownKind.get("message").asText()).contains("'ios'");
        for (String kind : List.of("url", "file", "apk", "configuration", "tauri", "electron", "win", "mac", "lnx")) {
            assertThat(unknownKind.get("message").asText()).contains(kind);
        }

        JsonNode noName = assertError(server.admin("POST", APPS, json("kind", "win")), 400, "invalid_request");
        assertThat(noName.get("message").asText()).contains("'name'");
        assertError(server.admin("POST", APPS, json("kind", "win", "name", "  ")), 400, "invalid_request");
        assertError(server.admin("POST", APPS, json("name", "NoKind")), 400, "invalid_request");

        JsonNode unknownField = assertError(server.admin("POST", APPS, json("kind", "win", "name", "X", "colour", "red")),
                400, "invalid_request");
        assertThat(unknownField.get("message").asText()).contains("colour");

        JsonNode tauriPackage = assertError(server.admin("POST", APPS,
                json("kind", "tauri", "name", "X", "packageName", "com.example.x")), 400, "invalid_request");
        assertThat(tauriPackage.get("message").asText()).contains("packageName");

        assertError(server.admin("POST", APPS, "{not json"), 400, "invalid_request");
        assertError(server.admin("POST", APPS, "[]"), 400, "invalid_request");

        assertThat(server.adminOk("GET", APPS, null, 200).get("items")).as("nothing was created").isEmpty();
    }

    @Test
    void createdAppHasA22CharacterUrlSafeKeyAndCanBeListedFetchedAndDeleted() {
        JsonNode created = server.adminOk("POST", APPS, json("kind", "win", "name", "Demo", "packageName",
                "com.example.demo", "description", "the demo"), 201);
        String key = created.get("key").asText();
        assertThat(key).matches("[A-Za-z0-9_-]{22}");
        assertThat(created.get("kind").asText()).isEqualTo("win");
        assertThat(created.get("name").asText()).isEqualTo("Demo");
        assertThat(created.get("packageName").asText()).isEqualTo("com.example.demo");
        assertThat(created.get("description").asText()).isEqualTo("the demo");
        assertThat(created.get("keyField").asText()).isEqualTo("winKey");
        assertThat(created.get("versionCount").asInt()).isZero();

        String other = server.createApp("url", "Links");
        assertThat(other).matches("[A-Za-z0-9_-]{22}").isNotEqualTo(key);

        JsonNode list = server.adminOk("GET", APPS, null, 200).get("items");
        assertThat(list).extracting(n -> n.get("key").asText()).containsExactly(key, other);
        assertThat(server.adminOk("GET", APPS + "?kind=url", null, 200).get("items"))
                .extracting(n -> n.get("key").asText()).containsExactly(other);
        assertThat(server.adminOk("GET", APPS + "/" + key, null, 200)).isEqualTo(created);

        HttpResponse<String> deleted = server.admin("DELETE", APPS + "/" + key, null);
        assertThat(deleted.statusCode()).isEqualTo(204);
        JsonNode gone = assertError(server.admin("GET", APPS + "/" + key, null), 404, "not_found");
        assertThat(gone.get("message").asText()).contains(key);
        assertError(server.admin("DELETE", APPS + "/" + key, null), 404, "not_found");
        assertThat(server.adminOk("GET", APPS, null, 200).get("items"))
                .extracting(n -> n.get("key").asText()).containsExactly(other);
    }

    // ---- versions per kind ---------------------------------------------------------------------------------

    @Test
    void winVersionRequiresAnArchAndAPositiveVersionCode() {
        String app = server.createApp("win", "Demo");
        String path = APPS + "/" + app + "/versions";

        JsonNode noArch = assertError(server.admin("POST", path, json("versionName", "1.0", "versionCode", 1)), 400,
                "invalid_request");
        assertThat(noArch.get("message").asText()).contains("'arch'");
        JsonNode badArch = assertError(server.admin("POST", path,
                json("versionName", "1.0", "versionCode", 1, "arch", "x86")), 400, "invalid_request");
        assertThat(badArch.get("message").asText()).contains("x64", "arm64", "'x86'");
        JsonNode noCode = assertError(server.admin("POST", path, json("versionName", "1.0", "arch", "x64")), 400,
                "invalid_request");
        assertThat(noCode.get("message").asText()).contains("versionCode");
        assertError(server.admin("POST", path, json("versionName", "1.0", "versionCode", 0, "arch", "x64")), 400,
                "invalid_request");
        assertError(server.admin("POST", path, json("versionName", "1.0", "versionCode", -3, "arch", "x64")), 400,
                "invalid_request");
        assertError(server.admin("POST", path, json("versionName", "1.0", "versionCode", "7", "arch", "x64")), 400,
                "invalid_request");
        assertError(server.admin("POST", path, json("versionCode", 7, "arch", "x64")), 400, "invalid_request");
        assertError(server.admin("POST", path, json("versionName", "1.0", "versionCode", 7, "arch", "x64",
                "target", "linux")), 400, "invalid_request");

        JsonNode v = server.createVersion(app, json("versionName", "1.0", "versionCode", 7, "arch", "x64"));
        assertThat(v.get("id").asLong()).isPositive();
        assertThat(v.get("appKey").asText()).isEqualTo(app);
        assertThat(v.get("kind").asText()).isEqualTo("win");
        assertThat(v.get("versionName").asText()).isEqualTo("1.0");
        assertThat(v.get("versionCode").asLong()).isEqualTo(7);
        assertThat(v.get("arch").asText()).isEqualTo("x64");
        assertThat(v.get("isPreRelease").asBoolean()).isFalse();
        assertThat(v.get("downloadTimes").asLong()).isZero();
        assertThat(v.get("artifacts")).isEmpty();

        assertThat(server.adminOk("GET", path, null, 200).get("items")).hasSize(1);
        assertThat(server.adminOk("GET", path + "/" + v.get("id").asLong(), null, 200)).isEqualTo(v);
        assertThat(server.adminOk("GET", APPS + "/" + app, null, 200).get("versionCount").asInt()).isEqualTo(1);
    }

    @Test
    void tauriVersionCodeIsDerivedFromSemVerAndAPreReleaseTagMarksItPreRelease() {
        String app = server.createApp("tauri", "Desk");
        String path = APPS + "/" + app + "/versions";

        JsonNode release = server.createVersion(app, json("versionName", "1.2.3", "target", "linux", "arch", "x86_64"));
        assertThat(release.get("versionCode").asLong()).isEqualTo(1_002_003L);
        assertThat(release.get("target").asText()).isEqualTo("linux");
        assertThat(release.get("arch").asText()).isEqualTo("x86_64");
        assertThat(release.get("isPreRelease").asBoolean()).isFalse();

        JsonNode beta = server.createVersion(app, json("versionName", "2.10.0-beta.1", "target", "linux",
                "arch", "x86_64", "versionCode", 2_010_000));
        assertThat(beta.get("versionCode").asLong()).isEqualTo(2_010_000L);
        assertThat(beta.get("isPreRelease").asBoolean()).isTrue();

        JsonNode notSemVer = assertError(server.admin("POST", path,
                json("versionName", "1.2", "target", "linux", "arch", "x86_64")), 400, "invalid_request");
        assertThat(notSemVer.get("message").asText()).contains("SemVer", "'1.2'");
        assertError(server.admin("POST", path, json("versionName", "1.2.4", "arch", "x86_64")), 400, "invalid_request");
        assertError(server.admin("POST", path, json("versionName", "1.2.4", "target", "linux")), 400, "invalid_request");
        assertError(server.admin("POST", path, json("versionName", "1.2.4", "target", "beos", "arch", "x86_64")), 400,
                "invalid_request");
        JsonNode wrongCode = assertError(server.admin("POST", path,
                json("versionName", "1.2.4", "target", "linux", "arch", "x86_64", "versionCode", 124)), 400,
                "invalid_request");
        assertThat(wrongCode.get("message").asText()).contains("1002004");
        assertError(server.admin("POST", path, json("versionName", "1.3.0-rc.1", "target", "linux", "arch", "x86_64",
                "isPreRelease", false)), 400, "invalid_request");

        // The identity is the canonical SemVer: a leading v names the same version.
        JsonNode dup = assertError(server.admin("POST", path,
                json("versionName", "v1.2.3", "target", "linux", "arch", "x86_64")), 409, "conflict");
        assertThat(dup.get("message").asText()).contains("1.2.3", "linux", "x86_64");

        assertThat(server.adminOk("GET", path, null, 200).get("items"))
                .extracting(n -> n.get("versionName").asText()).containsExactly("2.10.0-beta.1", "1.2.3");
    }

    @Test
    void configurationContentAcceptsAnyJsonValueIncludingAnArray() throws IOException {
        String app = server.createApp("configuration", "Flags");
        String path = APPS + "/" + app + "/versions";
        List<String> contents = List.of("[1,\"two\",{\"three\":[true,null]}]", "{\"feature\":{\"on\":true}}",
                "\"plain text\"", "42", "null");
        long code = 1;
        for (String content : contents) {
            JsonNode v = server.createVersion(app, "{\"versionName\":\"c" + code + "\",\"versionCode\":" + code
                    + ",\"content\":" + content + "}");
            JsonNode expected = Json.MAPPER.readTree(content);
            assertThat(v.get("content")).as(content).isEqualTo(expected);
            assertThat(server.adminOk("GET", path + "/" + v.get("id").asLong(), null, 200).get("content"))
                    .as(content).isEqualTo(expected);
            code++;
        }
        JsonNode missing = assertError(server.admin("POST", path, json("versionName", "c9", "versionCode", 9)), 400,
                "invalid_request");
        assertThat(missing.get("message").asText()).contains("content");
        assertError(server.admin("POST", path, json("versionName", "c9", "versionCode", 9, "content", List.of(),
                "urlPath", "https://example.com/")), 400, "invalid_request");
        assertThat(server.adminOk("GET", path, null, 200).get("items")).hasSize(contents.size());
    }

    @Test
    void urlVersionNeedsAnHttpOrHttpsUrlPath() {
        String app = server.createApp("url", "Site");
        String path = APPS + "/" + app + "/versions";
        assertError(server.admin("POST", path, json("versionName", "1", "versionCode", 1)), 400, "invalid_request");
        for (String bad : List.of("ftp://example.com/app.zip", "/relative/app.zip", "javascript:alert(1)",
                "https:///nohost", "not a url")) {
            JsonNode e = assertError(server.admin("POST", path, json("versionName", "1", "versionCode", 1,
                    "urlPath", bad)), 400, "invalid_request");
            assertThat(e.get("message").asText()).as(bad).contains("urlPath");
        }
        JsonNode https = server.createVersion(app, json("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/app-1.zip"));
        assertThat(https.get("urlPath").asText()).isEqualTo("https://example.com/app-1.zip");
        JsonNode http = server.createVersion(app, json("versionName", "2", "versionCode", 2,
                "urlPath", "http://example.com/app-2.zip"));
        assertThat(http.get("urlPath").asText()).isEqualTo("http://example.com/app-2.zip");
        assertThat(server.adminOk("GET", path, null, 200).get("items")).hasSize(2);
    }

    @Test
    void duplicateVersionCodeForTheSameArchIsAConflictButAnotherArchIsAccepted() {
        String app = server.createApp("win", "Demo");
        String path = APPS + "/" + app + "/versions";
        JsonNode first = server.createVersion(app, json("versionName", "5.0", "versionCode", 5, "arch", "x64"));

        JsonNode dup = assertError(server.admin("POST", path, json("versionName", "5.0 again", "versionCode", 5,
                "arch", "x64")), 409, "conflict");
        assertThat(dup.get("message").asText()).contains(app, "version 5", "x64");

        JsonNode arm = server.createVersion(app, json("versionName", "5.0", "versionCode", 5, "arch", "arm64"));
        assertThat(arm.get("id").asLong()).isNotEqualTo(first.get("id").asLong());
        assertThat(arm.get("arch").asText()).isEqualTo("arm64");

        JsonNode items = server.adminOk("GET", path, null, 200).get("items");
        assertThat(items).extracting(n -> n.get("arch").asText()).containsExactlyInAnyOrder("x64", "arm64");
        assertThat(items).extracting(n -> n.get("versionName").asText()).containsOnly("5.0");
    }

    // ---- artifacts -----------------------------------------------------------------------------------------

    @Test
    void uploadedArtifactReportsDigestsComputedFromItsBytesAndIsStoredUnderItsSha256() throws IOException {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        byte[] bytes = randomBytes(100_000, 1);

        JsonNode file = server.upload(app, id, "install", "Demo-1.0.exe", bytes);
        assertThat(file.get("role").asText()).isEqualTo("install");
        assertThat(file.get("fileName").asText()).isEqualTo("Demo-1.0.exe");
        assertThat(file.get("mediaType").asText()).isEqualTo("application/vnd.microsoft.portable-executable");
        assertThat(file.get("size").asLong()).isEqualTo(bytes.length);
        assertThat(file.get("md5").asText()).isEqualTo(hex("MD5", bytes));
        assertThat(file.get("sha256").asText()).isEqualTo(hex("SHA-256", bytes));
        assertThat(file.get("sha512").asText()).isEqualTo(hex("SHA-512", bytes));
        assertThat(file.get("downloadUrl").asText())
                .isEqualTo(server.base() + "/v1/win/download?winKey=" + app + "&versionId=" + id);

        String sha = hex("SHA-256", bytes);
        Path blob = server.dir.resolve("data").resolve("artifacts").resolve("sha256")
                .resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha);
        assertThat(blob).isRegularFile();
        assertThat(Files.readAllBytes(blob)).isEqualTo(bytes);
        assertThat(tmpFiles()).isEmpty();

        JsonNode version = server.adminOk("GET", APPS + "/" + app + "/versions/" + id, null, 200);
        assertThat(version.get("artifacts")).hasSize(1);
        assertThat(version.get("artifacts").get(0).get("sha256").asText()).isEqualTo(sha);
        assertThat(server.adminOk("GET", APPS + "/" + app + "/versions/" + id + "/artifacts", null, 200).get("items"))
                .extracting(n -> n.get("sha256").asText()).containsExactly(sha);
    }

    @Test
    void reuploadingIdenticalBytesIsIdempotent() throws IOException {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        byte[] bytes = randomBytes(5_000, 2);
        JsonNode first = server.upload(app, id, "install", "Demo.exe", bytes);
        HttpResponse<String> again = upload(app, id, "install", "Demo.exe", HttpRequest.BodyPublishers.ofByteArray(bytes));
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(TestServer.parse(again.body())).isEqualTo(first);
        assertThat(server.adminOk("GET", APPS + "/" + app + "/versions/" + id, null, 200).get("artifacts")).hasSize(1);
        assertThat(blobFiles()).hasSize(1);
    }

    @Test
    void reuploadingDifferentBytesIsRefusedAndKeepsTheOriginal() {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        byte[] original = randomBytes(5_000, 3);
        byte[] other = randomBytes(5_000, 4);
        String sha = server.upload(app, id, "install", "Demo.exe", original).get("sha256").asText();

        JsonNode conflict = assertError(upload(app, id, "install", "Demo.exe",
                HttpRequest.BodyPublishers.ofByteArray(other)), 409, "conflict");
        assertThat(conflict.get("message").asText()).contains(sha);

        JsonNode artifacts = server.adminOk("GET", APPS + "/" + app + "/versions/" + id, null, 200).get("artifacts");
        assertThat(artifacts).hasSize(1);
        assertThat(artifacts.get(0).get("sha256").asText()).isEqualTo(sha);
        HttpResponse<byte[]> download = getBytes(server.base() + "/v1/win/download?winKey=" + app + "&versionId=" + id);
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(original);
    }

    @Test
    void aRefusedUploadLeavesNoBlobBehind() throws IOException {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        String sha = server.upload(app, id, "install", "Demo.exe", randomBytes(5_000, 8)).get("sha256").asText();
        byte[] other = randomBytes(5_000, 9);
        assertError(upload(app, id, "install", "Demo.exe", HttpRequest.BodyPublishers.ofByteArray(other)), 409,
                "conflict");
        // An empty body sent without a length (chunked) is refused too.
        long other2 = server.createVersion(app, json("versionName", "2.0", "versionCode", 2, "arch", "x64"))
                .get("id").asLong();
        assertError(upload(app, other2, "install", "Demo.exe",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[0]))), 400,
                "invalid_request");

        assertThat(tmpFiles()).isEmpty();
        // Refused uploads (409 different bytes, 400 empty chunked body) are discarded from staging, never stored.
        assertThat(blobFiles()).as("only the accepted upload's blob").extracting(p -> p.getFileName().toString())
                .containsExactly(sha);
    }

    @Test
    void uploadOverTheArtifactCapIsRefusedWith413AndLeavesNothingBehind() throws IOException {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        byte[] tooLarge = new byte[(int) CAP + 1];
        new Random(5).nextBytes(tooLarge);

        // Declared too large by Content-Length: refused from the headers alone, before any byte of the body is sent
        // (over a raw socket: an HTTP client still sending the body can lose the early answer to a TCP reset).
        JsonNode declared = TestServer.parse(rawHeadersOnlyUpload(app, id, CAP + 1, 413));
        assertThat(declared.get("code").asText()).isEqualTo("payload_too_large");
        assertThat(declared.get("message").asText()).contains(Long.toString(CAP));
        // Streamed without a length: refused once the cap is passed, with the partial file removed.
        JsonNode streamed = assertError(upload(app, id, "install", "Big.exe",
                HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(tooLarge))), 413,
                "payload_too_large");
        assertThat(streamed.get("message").asText()).contains(Long.toString(CAP));

        assertThat(tmpFiles()).as("no partial upload left in data/artifacts/tmp").isEmpty();
        assertThat(blobFiles()).as("no blob stored").isEmpty();
        assertThat(server.adminOk("GET", APPS + "/" + app + "/versions/" + id, null, 200).get("artifacts")).isEmpty();

        // The cap itself is allowed.
        byte[] atCap = new byte[(int) CAP];
        System.arraycopy(tooLarge, 0, atCap, 0, atCap.length);
        JsonNode ok = server.upload(app, id, "install", "Big.exe", atCap);
        assertThat(ok.get("size").asLong()).isEqualTo(CAP);
        assertThat(ok.get("sha256").asText()).isEqualTo(hex("SHA-256", atCap));
        assertThat(tmpFiles()).isEmpty();
    }

    @Test
    void urlAndConfigurationAppsRefuseArtifactUploads() throws IOException {
        String url = server.createApp("url", "Site");
        long urlVersion = server.createVersion(url, json("versionName", "1", "versionCode", 1,
                "urlPath", "https://example.com/a.zip")).get("id").asLong();
        String config = server.createApp("configuration", "Flags");
        long configVersion = server.createVersion(config, json("versionName", "1", "versionCode", 1,
                "content", Map.of("a", 1))).get("id").asLong();
        byte[] bytes = randomBytes(100, 6);

        JsonNode u = assertError(upload(url, urlVersion, "install", "a.zip", HttpRequest.BodyPublishers.ofByteArray(bytes)),
                400, "invalid_request");
        assertThat(u.get("message").asText()).contains("url", "urlPath");
        JsonNode c = assertError(upload(config, configVersion, "install", "a.json",
                HttpRequest.BodyPublishers.ofByteArray(bytes)), 400, "invalid_request");
        assertThat(c.get("message").asText()).contains("configuration", "content");

        assertThat(blobFiles()).isEmpty();
        assertThat(tmpFiles()).isEmpty();
    }

    @Test
    void uploadRefusesAnUnknownRoleAPathInTheFileNameAndAnEmptyBody() throws IOException {
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        byte[] bytes = randomBytes(100, 7);
        assertError(upload(app, id, "patch", "Demo.exe", HttpRequest.BodyPublishers.ofByteArray(bytes)), 400,
                "invalid_request");
        assertError(upload(app, id, "install", "..%2Fevil.exe", HttpRequest.BodyPublishers.ofByteArray(bytes)), 400,
                "invalid_request");
        assertError(upload(app, id, "install", "Demo.exe", HttpRequest.BodyPublishers.noBody()), 400,
                "invalid_request");
        assertError(upload(app, id + 1000, "install", "Demo.exe", HttpRequest.BodyPublishers.ofByteArray(bytes)), 404,
                "not_found");
        assertThat(server.adminOk("GET", APPS + "/" + app + "/versions/" + id, null, 200).get("artifacts")).isEmpty();
    }

    // ---- versions seen by clients ----------------------------------------------------------------------------

    @Test
    void deletedVersionIsNoLongerServedToSignedClients() {
        TestServer.Key key = server.createKey();
        String app = server.createApp("win", "Demo");
        long id = server.createVersion(app, json("versionName", "3.0", "versionCode", 3, "arch", "x64"))
                .get("id").asLong();
        String request = json("winKey", app, "versionCode", 3, "arch", "x64");

        HttpResponse<String> before = server.signedPost(key, "/v1/win/version", request);
        assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
        assertThat(TestServer.parse(before.body()).get("data").get("versionName").asText()).isEqualTo("3.0");

        assertThat(server.admin("DELETE", APPS + "/" + app + "/versions/" + id, null).statusCode()).isEqualTo(204);

        HttpResponse<String> after = server.signedPost(key, "/v1/win/version", request);
        assertThat(after.statusCode()).as(after.body()).isEqualTo(404);
        assertThat(TestServer.parse(after.body()).get("code").asInt()).isEqualTo(404001);
        assertError(server.admin("GET", APPS + "/" + app + "/versions/" + id, null), 404, "not_found");
        assertThat(server.adminOk("GET", APPS + "/" + app + "/versions", null, 200).get("items")).isEmpty();
        // The code is free again once the version is deleted.
        server.createVersion(app, json("versionName", "3.0 rebuilt", "versionCode", 3, "arch", "x64"));
    }

    @Test
    void signedCallWithACharsetInItsContentTypeStillGets404001ForAnUnknownVersion() {
        TestServer.Key key = server.createKey();
        String app = server.createApp("win", "Demo");
        server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"));
        String request = json("winKey", app, "versionCode", 2, "arch", "x64");
        HttpResponse<String> r = TestServer.send(server.signedRequest(key, "/v1/win/version", request,
                TestServer.nonce(), TestServer.timestamp(0)).setHeader("Content-Type", "application/json; charset=utf-8")
                .build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        // Regression: the 404 error page once tested the request's Content-Type and replaced this 404001 with 404004.
        assertThat(TestServer.parse(r.body()).get("code").asInt()).as(r.body()).isEqualTo(404001);
    }

    @Test
    void adminNotFoundKeepsItsMessageWhenTheRequestHasNoContentType() {
        String app = server.createApp("win", "Demo");
        server.admin("DELETE", APPS + "/" + app, null);
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + APPS + "/" + app))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).GET().build());
        JsonNode body = assertError(r, 404, "not_found");
        // Regression: without a request Content-Type (curl, the CLI's GET and DELETE) the 404 error page once
        // replaced the handler's message with "No route GET ...".
        assertThat(body.get("message").asText()).contains("No app with key '" + app + "'");
    }

    // ---- access keys ---------------------------------------------------------------------------------------

    @Test
    void accessKeySecretIsShownOnceAndStoredOnlyEncrypted() throws SQLException {
        JsonNode created = server.adminOk("POST", KEYS, json("description", "ci"), 201);
        String accessKey = created.get("accessKey").asText();
        String secret = created.get("secretKey").asText();
        assertThat(accessKey).matches("[A-Za-z0-9_-]{22}");
        assertThat(secret).matches("[A-Za-z0-9_-]{43}");
        assertThat(created.get("description").asText()).isEqualTo("ci");
        assertThat(created.get("enabled").asBoolean()).isTrue();

        HttpResponse<String> list = server.admin("GET", KEYS, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(secret).doesNotContain("secretKey");
        assertThat(TestServer.parse(list.body()).get("items")).extracting(n -> n.get("accessKey").asText())
                .containsExactly(accessKey);
        HttpResponse<String> one = server.admin("GET", KEYS + "/" + accessKey, null);
        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.body()).doesNotContain(secret).doesNotContain("secretKey");
        assertThat(TestServer.parse(one.body()).get("description").asText()).isEqualTo("ci");

        String stored = queryString("SELECT secret_enc FROM access_keys WHERE access_key = ?", accessKey);
        assertThat(stored).isNotBlank().startsWith("v1:").doesNotContain(secret);
    }

    @Test
    void revokedAccessKeyCanNoLongerSignClientCalls() {
        TestServer.Key key = server.createKey();
        TestServer.Key other = server.createKey();
        String app = server.createApp("win", "Demo");
        server.createVersion(app, json("versionName", "1.0", "versionCode", 1, "arch", "x64"));
        String request = json("winKey", app, "versionCode", 1, "arch", "x64");
        assertThat(server.signedPost(key, "/v1/win/version", request).statusCode()).isEqualTo(200);

        assertThat(server.admin("DELETE", KEYS + "/" + key.accessKey(), null).statusCode()).isEqualTo(204);

        HttpResponse<String> refused = server.signedPost(key, "/v1/win/version", request);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(401);
        assertThat(TestServer.parse(refused.body()).get("code").asInt()).isEqualTo(401001);
        assertThat(server.signedPost(other, "/v1/win/version", request).statusCode()).as("other keys still work")
                .isEqualTo(200);
        assertError(server.admin("GET", KEYS + "/" + key.accessKey(), null), 404, "not_found");
        assertError(server.admin("DELETE", KEYS + "/" + key.accessKey(), null), 404, "not_found");
        assertThat(server.adminOk("GET", KEYS, null, 200).get("items")).extracting(n -> n.get("accessKey").asText())
                .containsExactly(other.accessKey());
    }

    // ---- tenants -------------------------------------------------------------------------------------------

    @Test
    void aNewTenantsTokenSeesOnlyItsOwnTenant() {
        String firstApp = server.createApp("win", "First");
        long firstVersion = server.createVersion(firstApp, json("versionName", "1.0", "versionCode", 1, "arch", "x64"))
                .get("id").asLong();
        TestServer.Key firstKey = server.createKey();

        JsonNode tenant = server.adminOk("POST", TENANTS, json("name", "acme"), 201);
        assertThat(tenant.get("name").asText()).isEqualTo("acme");
        assertThat(tenant.get("id").asLong()).isPositive();
        String token = tenant.get("adminToken").asText();
        assertThat(token).isNotBlank().isNotEqualTo(TestServer.ADMIN_TOKEN);
        assertError(server.admin("POST", TENANTS, json("name", "acme")), 409, "conflict");

        String appPath = APPS + "/" + firstApp;
        assertThat(TestServer.parse(server.admin("GET", APPS, null, token).body()).get("items")).isEmpty();
        assertThat(TestServer.parse(server.admin("GET", KEYS, null, token).body()).get("items")).isEmpty();
        assertError(server.admin("GET", appPath, null, token), 404, "not_found");
        assertError(server.admin("GET", appPath + "/versions", null, token), 404, "not_found");
        assertError(server.admin("GET", appPath + "/versions/" + firstVersion, null, token), 404, "not_found");
        assertError(server.admin("POST", appPath + "/versions",
                json("versionName", "2.0", "versionCode", 2, "arch", "x64"), token), 404, "not_found");
        assertError(server.admin("DELETE", appPath + "/versions/" + firstVersion, null, token), 404, "not_found");
        assertError(server.admin("DELETE", appPath, null, token), 404, "not_found");
        assertError(server.admin("DELETE", KEYS + "/" + firstKey.accessKey(), null, token), 404, "not_found");
        JsonNode forbidden = assertError(server.admin("POST", TENANTS, json("name", "evil"), token), 403, "forbidden");
        assertThat(forbidden.get("message").asText()).isNotBlank();

        // Nothing of the first tenant was touched.
        assertThat(server.adminOk("GET", appPath + "/versions", null, 200).get("items")).hasSize(1);
        assertThat(server.adminOk("GET", KEYS, null, 200).get("items")).hasSize(1);

        // The new tenant's own app is invisible to the first tenant.
        HttpResponse<String> own = server.admin("POST", APPS, json("kind", "win", "name", "Acme"), token);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
        String ownKey = TestServer.parse(own.body()).get("key").asText();
        assertThat(TestServer.parse(server.admin("GET", APPS, null, token).body()).get("items"))
                .extracting(n -> n.get("key").asText()).containsExactly(ownKey);
        assertThat(server.adminOk("GET", APPS, null, 200).get("items")).extracting(n -> n.get("key").asText())
                .containsExactly(firstApp);
        assertError(server.admin("GET", APPS + "/" + ownKey, null), 404, "not_found");

        // An access key of one tenant cannot ask about another tenant's app.
        HttpResponse<String> crossTenant = server.signedPost(firstKey, "/v1/win/version",
                json("winKey", ownKey, "versionCode", 1, "arch", "x64"));
        assertThat(crossTenant.statusCode()).as(crossTenant.body()).isEqualTo(401);
        assertThat(TestServer.parse(crossTenant.body()).get("code").asInt()).isEqualTo(401001);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    /** Asserts an admin error: status, stable code, a message, and the trace id of the response. */
    static JsonNode assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = TestServer.parse(r.body());
        assertThat(body.path("code").asText()).as(r.body()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(body.path("traceId").asText()).isNotBlank()
                .isEqualTo(r.headers().firstValue("X-Trace-Id").orElse(null));
        return body;
    }

    /** A JSON object from alternating field names and values. */
    static String json(Object... fieldsAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            m.put((String) fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        return Json.MAPPER.valueToTree(m).toString();
    }

    private HttpResponse<String> upload(String app, long versionId, String role, String fileName,
                                        HttpRequest.BodyPublisher body) {
        return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + APPS + "/" + app + "/versions/"
                        + versionId + "/artifact?role=" + role + "&fileName=" + fileName))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .timeout(Duration.ofSeconds(60))
                .PUT(body).build());
    }

    /**
     * Sends only the headers of an upload that declares {@code contentLength} bytes and reads the answer, which
     * must come without the body. Returns the response body after checking the status line.
     */
    private String rawHeadersOnlyUpload(String app, long versionId, long contentLength, int expectedStatus)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.server().port())) {
            socket.setSoTimeout(30_000);
            String head = "PUT " + APPS + "/" + app + "/versions/" + versionId + "/artifact?role=install&fileName=Big.exe"
                    + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + contentLength
                    + "\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String status = in.readLine();
            assertThat(status).isNotNull().startsWith("HTTP/1.1 " + expectedStatus + " ");
            long length = -1;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(line.substring(15).trim());
                }
            }
            assertThat(length).as("Content-Length of the answer").isPositive();
            char[] body = new char[(int) length];
            int read = 0;
            while (read < length) {
                int n = in.read(body, read, (int) length - read);
                if (n < 0) {
                    break;
                }
                read += n;
            }
            return new String(body, 0, read);
        }
    }

    private static HttpResponse<byte[]> getBytes(String url) {
        try {
            return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private List<Path> tmpFiles() throws IOException {
        return filesUnder(server.dir.resolve("data").resolve("artifacts").resolve("tmp"));
    }

    private List<Path> blobFiles() throws IOException {
        return filesUnder(server.dir.resolve("data").resolve("artifacts").resolve("sha256"));
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return new ArrayList<>(walk.filter(Files::isRegularFile).toList());
        }
    }

    private String queryString(String sql, String param) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.dbUrl);
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, param);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("row for " + param).isTrue();
                return rs.getString(1);
            }
        }
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
