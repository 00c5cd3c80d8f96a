package dev.upshift.server;

import static dev.upshift.server.TestData.fieldNames;
import static dev.upshift.server.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code GET /v1/tauri/upgrade}, the Tauri v2 updater's dynamic endpoint, over real HTTP: the bare updater JSON on
 * an update, 204 with no body otherwise, the file choice (update bundle, install package, bundle_type), access-key
 * checks and parameter errors, and SemVer ordering of the client's version.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class TauriUpdaterTest {
    /** A minisign .sig file, base64-encoded as Tauri stores and expects it. */
    static final String SIGNATURE = "dW50cnVzdGVkIGNvbW1lbnQ6IHNpZ25hdHVyZSBmcm9tIHRhdXJpIHNlY3JldCBrZXkKUlVUNXg0"
            + "SWZpWnpPb2p1K2c9PQp0cnVzdGVkIGNvbW1lbnQ6IHRpbWVzdGFtcDoxNzAwMDAwMDAwCWZpbGU6YXBwLkFwcEltYWdlCg==";

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String app;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        key = server.createKey();
        app = server.createApp("tauri", "Tapp");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------



    private long version(String name, String target, String arch) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("versionName", name);
        v.put("target", target);
        v.put("arch", arch);
        v.put("signature", SIGNATURE);
        return server.createVersion(app, TestServer.json(v)).get("id").asLong();
    }

    private JsonNode strategy(long versionId, String fields) {
        return server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + versionId + (fields.isEmpty() ? "" : "," + fields) + "}", 201);
    }

    private HttpResponse<String> get(String query, String accessKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + "/v1/tauri/upgrade?" + query))
                .header("Accept", "application/json").GET();
        if (accessKey != null) {
            b.header("X-AccessKey", accessKey);
        }
        return TestServer.send(b.build());
    }

    private static String query(Map<String, String> params) {
        return params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }

    private String query(String versionName, String target, String arch) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("tauriKey", app);
        p.put("versionName", versionName);
        p.put("target", target);
        p.put("arch", arch);
        return query(p);
    }

    private HttpResponse<String> check(String versionName) {
        return get(query(versionName, "linux", "x86_64"), key.accessKey());
    }

    private JsonNode update(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestServer.parse(r.body());
    }

    private static void noUpdate(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
    }

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "application/octet-stream").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
        return r.body();
    }

    private JsonNode error(HttpResponse<String> r, int code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code / 1000);
        JsonNode b = TestServer.parse(r.body());
        assertThat(b.get("code").asInt()).isEqualTo(code);
        assertThat(b.get("data").isNull()).isTrue();
        return b;
    }

    // ---- tests -----------------------------------------------------------------------------------------------

    @Test
    void updateIsTheBareUpdaterJsonWithTheUpdateBundleUrlAndStoredSignature() throws Exception {
        long v = version("1.1.0", "linux", "x86_64");
        byte[] install = bytes(30_000, 1);
        byte[] bundle = bytes(20_000, 2);
        server.upload(app, v, "install", "tapp_1.1.0_amd64.AppImage", install);
        server.upload(app, v, "update", "tapp_1.1.0_amd64.AppImage.tar.gz", bundle);
        strategy(v, "\"upgradeType\":3,\"promptText\":\"Security fixes\"");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        HttpResponse<String> r = check("1.0.0");
        JsonNode b = update(r);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(fieldNames(b)).containsExactly("version", "pub_date", "url", "signature", "notes", "upgradeType");
        assertThat(b.get("version").asText()).isEqualTo("1.1.0");
        assertThat(OffsetDateTime.parse(b.get("pub_date").asText()).toInstant())
                .isBetween(before.minusSeconds(60), Instant.now());
        assertThat(b.get("signature").asText()).isEqualTo(SIGNATURE);
        assertThat(b.get("notes").asText()).isEqualTo("Security fixes");
        assertThat(b.get("upgradeType").isIntegralNumber()).isTrue();
        assertThat(b.get("upgradeType").asInt()).isEqualTo(3);
        assertThat(download(b.get("url").asText())).isEqualTo(bundle);
    }

    @Test
    void urlIsTheInstallPackageWhenThereIsNoUpdateBundle() throws Exception {
        long v = version("1.1.0", "windows", "x86_64");
        byte[] install = bytes(25_000, 3);
        server.upload(app, v, "install", "tapp_1.1.0_x64-setup.exe", install);
        strategy(v, "");
        JsonNode b = update(get(query("1.0.0", "windows", "x86_64"), key.accessKey()));
        assertThat(download(b.get("url").asText())).isEqualTo(install);
        // Another target or arch has no version: no update.
        noUpdate(get(query("1.0.0", "windows", "aarch64"), key.accessKey()));
        noUpdate(get(query("1.0.0", "linux", "x86_64"), key.accessKey()));
    }

    @Test
    void noUpdateIsHttp204WithAnEmptyBody() {
        noUpdate(check("1.0.0")); // no version, no strategy
        long v = version("1.1.0", "linux", "x86_64");
        server.upload(app, v, "update", "tapp.AppImage", bytes(1000, 4));
        noUpdate(check("1.0.0")); // a version without a strategy
        strategy(v, "");
        update(check("1.0.0"));
        noUpdate(check("1.1.0"));
        noUpdate(check("2.0.0"));
    }

    @Test
    void bundleTypeOffersOnlyAFileOfThatFormat() {
        long v = version("1.1.0", "linux", "x86_64");
        server.upload(app, v, "update", "tapp_1.1.0_amd64.AppImage", bytes(1000, 5));
        strategy(v, "");
        String q = query("1.0.0", "linux", "x86_64");
        noUpdate(get(q + "&bundle_type=deb", key.accessKey()));
        noUpdate(get(q + "&bundle_type=rpm", key.accessKey()));
        assertThat(update(get(q + "&bundle_type=appimage", key.accessKey())).get("version").asText()).isEqualTo("1.1.0");
        update(get(q + "&bundle_type=unknown", key.accessKey()));
        error(get(q + "&bundle_type=zip", key.accessKey()), 400003);
    }

    @Test
    void accessKeyMustBePresentKnownAndOfTheAppsTenant() {
        long v = version("1.1.0", "linux", "x86_64");
        server.upload(app, v, "update", "tapp.AppImage", bytes(1000, 6));
        strategy(v, "");
        String q = query("1.0.0", "linux", "x86_64");
        update(get(q, key.accessKey()));
        assertThat(error(get(q, null), 400002).get("msg").asText()).contains("X-AccessKey");
        error(get(q, ""), 400002);
        error(get(q, "NoSuchAccessKey0000000"), 401001);

        String otherToken = server.adminOk("POST", "/api/admin/v1/tenants", "{\"name\":\"other\"}", 201)
                .get("adminToken").asText();
        HttpResponse<String> k = server.admin("POST", "/api/admin/v1/access-keys", "{\"description\":\"other\"}", otherToken);
        assertThat(k.statusCode()).as(k.body()).isEqualTo(201);
        String otherKey = TestServer.parse(k.body()).get("accessKey").asText();
        error(get(q, otherKey), 401001);
        // A revoked key is unknown.
        assertThat(server.admin("DELETE", "/api/admin/v1/access-keys/" + key.accessKey(), null).statusCode()).isEqualTo(204);
        error(get(q, key.accessKey()), 401001);
    }

    @Test
    void invalidParametersAreRefusedListingTheAllowedValues() {
        JsonNode arch = error(get(query("1.0.0", "linux", "x64"), key.accessKey()), 400003);
        assertThat(arch.get("msg").asText()).contains("x86_64", "i686", "aarch64", "armv7");
        JsonNode target = error(get(query("1.0.0", "beos", "x86_64"), key.accessKey()), 400003);
        assertThat(target.get("msg").asText()).contains("linux", "darwin", "windows");
        error(get(query("1.0", "linux", "x86_64"), key.accessKey()), 400003);
        error(get("tauriKey=" + app + "&target=linux&arch=x86_64", key.accessKey()), 400002);
        error(get("versionName=1.0.0&target=linux&arch=x86_64", key.accessKey()), 400002);
        error(get(query("1.0.0", "linux", "x86_64").replace(app, "NoSuchApp000000000000"), key.accessKey()), 404001);
    }

    @Test
    void aVersionWithoutUpdaterSignatureCannotBeReleased() {
        long unsigned = server.createVersion(app, "{\"versionName\":\"1.1.0\",\"target\":\"linux\",\"arch\":\"x86_64\"}")
                .get("id").asLong();
        server.upload(app, unsigned, "update", "tapp.AppImage", bytes(1000, 9));
        HttpResponse<String> r = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies", "{\"versionId\":" + unsigned + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(TestServer.parse(r.body()).get("message").asText()).contains("signature");
        noUpdate(check("1.0.0"));
    }

    @Test
    void aVPrefixedVersionNameIsAccepted() {
        long v = version("1.1.0", "linux", "x86_64");
        server.upload(app, v, "update", "tapp.AppImage", bytes(1000, 7));
        strategy(v, "");
        assertThat(update(check("v1.0.0")).get("version").asText()).isEqualTo("1.1.0");
        noUpdate(check("v1.1.0"));
    }

    @Test
    void aPreReleaseClientIsOfferedTheStableRelease() {
        long v = version("1.2.0", "linux", "x86_64");
        server.upload(app, v, "update", "tapp.AppImage", bytes(1000, 8));
        strategy(v, "\"channel\":\"stable\"");
        assertThat(update(check("1.2.0-beta.1")).get("version").asText()).isEqualTo("1.2.0");
        assertThat(update(check("1.2.0-rc.2")).get("version").asText()).isEqualTo("1.2.0");
        update(check("1.1.9"));
        noUpdate(check("1.2.0"));
        noUpdate(check("1.2.1-beta.1"));
    }
}
