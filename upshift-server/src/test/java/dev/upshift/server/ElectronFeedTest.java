package dev.upshift.server;

import static dev.upshift.server.TestData.fieldNames;
import static dev.upshift.server.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code GET /v1/electron/upgrade[/<channel file>.yml]}, the electron-updater generic-provider feed, over real HTTP:
 * the UpdateInfo body with base64 SHA-512 of the stored bytes, file URLs that survive electron-updater replacing
 * their query with the feed's, the "not newer" echo, the channel files, win32 mapping and the staging id as device
 * identity.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ElectronFeedTest {
    static final List<String> OFFER_FIELDS = List.of("upgradeType", "promptUpgradeContent", "version", "files", "path",
            "sha512", "releaseDate");

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
        app = server.createApp("electron", "Eapp");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------


    static String sha512(byte[] b) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(b));
    }


    private long version(String name, String platform, String arch) {
        return server.createVersion(app, "{\"versionName\":\"" + name + "\",\"platform\":\"" + platform
                + "\",\"arch\":\"" + arch + "\"}").get("id").asLong();
    }

    private JsonNode strategy(long versionId, String fields) {
        return server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + versionId + (fields.isEmpty() ? "" : "," + fields) + "}", 201);
    }

    private String feedQuery(String versionName, String platform, String arch) {
        return "electronKey=" + app + "&versionName=" + versionName + "&platform=" + platform + "&arch=" + arch;
    }

    private HttpResponse<String> feed(String path, String query, String stagingId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path + "?" + query))
                .header("X-AccessKey", key.accessKey()).GET();
        if (stagingId != null) {
            b.header("x-user-staging-id", stagingId);
        }
        HttpResponse<String> r = TestServer.send(b.build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return r;
    }

    private JsonNode feed(String path, String query) {
        return TestServer.parse(feed(path, query, null).body());
    }

    private JsonNode offer(String path, String query) {
        JsonNode b = feed(path, query);
        assertThat(fieldNames(b)).as(b.toString()).containsExactlyElementsOf(OFFER_FIELDS);
        return b;
    }

    private static void assertNoUpdate(JsonNode b, String clientVersion) {
        assertThat(fieldNames(b)).containsExactly("version", "promptUpgradeContent", "files", "path", "sha512",
                "releaseDate", "upgradeType");
        assertThat(b).isEqualTo(TestServer.parse("{\"version\":\"" + clientVersion + "\",\"promptUpgradeContent\":"
                + "\"Already latest version\",\"files\":null,\"path\":\"\",\"sha512\":\"\",\"releaseDate\":\"\","
                + "\"upgradeType\":0}"));
    }

    private void upload(long versionId, String role, String fileName, byte[] bytes) {
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + app
                        + "/versions/" + versionId + "/artifact?role=" + role + "&fileName="
                        + java.net.URLEncoder.encode(fileName, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    /** Fetches a file URL the way electron-updater does: its path with the feed URL's query. */
    private byte[] fetchWithFeedQuery(String fileUrl, String feedQuery) throws Exception {
        URI u = URI.create(fileUrl);
        URI replaced = URI.create(server.base() + u.getRawPath() + "?" + feedQuery);
        HttpResponse<byte[]> r = TestServer.HTTP.send(HttpRequest.newBuilder(replaced).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + replaced).isEqualTo(200);
        return r.body();
    }

    // ---- tests -----------------------------------------------------------------------------------------------

    @Test
    void offerCarriesTheUpdateInfoWithBase64Sha512OfTheUploadedBytes() throws Exception {
        long v = version("1.1.0", "windows", "x64");
        byte[] setup = bytes(70_000, 1);
        server.upload(app, v, "install", "Eapp-Setup-1.1.0.exe", setup);
        strategy(v, "\"upgradeType\":2,\"promptText\":\"Faster startup\"");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        String q = feedQuery("1.0.0", "win32", "x64");
        JsonNode b = offer("/v1/electron/upgrade", q);
        assertThat(b.get("upgradeType").asInt()).isEqualTo(2);
        assertThat(b.get("promptUpgradeContent").asText()).isEqualTo("Faster startup");
        assertThat(b.get("version").asText()).isEqualTo("1.1.0");
        JsonNode files = b.get("files");
        assertThat(files).hasSize(1);
        assertThat(fieldNames(files.get(0))).containsExactly("url", "sha512", "size");
        assertThat(files.get(0).get("sha512").asText()).isEqualTo(sha512(setup)).hasSize(88);
        assertThat(files.get(0).get("size").asLong()).isEqualTo(setup.length);
        assertThat(b.get("path").asText()).isEqualTo(files.get(0).get("url").asText());
        assertThat(b.get("sha512").asText()).isEqualTo(sha512(setup));
        assertThat(OffsetDateTime.parse(b.get("releaseDate").asText()).toInstant())
                .isBetween(before.minusSeconds(60), Instant.now());
        assertThat(fetchWithFeedQuery(files.get(0).get("url").asText(), q)).isEqualTo(setup);
        // The URL as given works too.
        HttpResponse<byte[]> direct = TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(files.get(0).get("url").asText()))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(direct.body()).isEqualTo(setup);
    }

    @Test
    void updateAndInstallFilesBothDownloadWithTheFeedQuery() throws Exception {
        long v = version("1.1.0", "darwin", "arm64");
        byte[] zip = bytes(40_000, 2);
        byte[] dmg = bytes(55_000, 3);
        server.upload(app, v, "update", "Eapp-1.1.0-arm64-mac.zip", zip);
        upload(v, "install", "Eapp 1.1.0 arm64.dmg", dmg); // a space, as electron-builder names installers
        strategy(v, "");
        String q = feedQuery("1.0.0", "darwin", "arm64");
        JsonNode b = offer("/v1/electron/upgrade/latest-mac.yml", q);
        JsonNode files = b.get("files");
        assertThat(files).hasSize(2);
        assertThat(files.get(0).get("sha512").asText()).isEqualTo(sha512(zip));
        assertThat(files.get(1).get("sha512").asText()).isEqualTo(sha512(dmg));
        assertThat(fetchWithFeedQuery(files.get(0).get("url").asText(), q)).isEqualTo(zip);
        assertThat(fetchWithFeedQuery(files.get(1).get("url").asText(), q)).isEqualTo(dmg);
        assertThat(b.get("path").asText()).isEqualTo(files.get(0).get("url").asText());
        assertThat(b.get("sha512").asText()).isEqualTo(sha512(zip));
    }

    @Test
    void everyChannelFileRunsTheSameLogicAndBetaYmlFollowsTheBetaChannel() {
        long win = version("1.1.0", "windows", "x64");
        long mac = version("1.1.0", "darwin", "x64");
        long lnx = version("1.1.0", "linux", "x64");
        long beta = version("1.2.0", "windows", "x64");
        for (long v : List.of(win, mac, lnx, beta)) {
            server.upload(app, v, "install", "Eapp-" + v + ".bin", bytes(1000 + (int) v, v));
        }
        strategy(win, "");
        strategy(mac, "");
        strategy(lnx, "");
        strategy(beta, "\"channel\":\"beta\"");

        String winQ = feedQuery("1.0.0", "win32", "x64");
        assertThat(offer("/v1/electron/upgrade", winQ).get("version").asText()).isEqualTo("1.1.0");
        assertThat(offer("/v1/electron/upgrade/latest.yml", winQ).get("version").asText()).isEqualTo("1.1.0");
        assertThat(offer("/v1/electron/upgrade/latest-mac.yml", feedQuery("1.0.0", "darwin", "x64")).get("version").asText())
                .isEqualTo("1.1.0");
        assertThat(offer("/v1/electron/upgrade/latest-linux.yml", feedQuery("1.0.0", "linux", "x64")).get("version").asText())
                .isEqualTo("1.1.0");
        assertThat(offer("/v1/electron/upgrade/beta.yml", winQ).get("version").asText()).isEqualTo("1.2.0");
        // Stable clients on 1.1.0 are up to date; beta clients are offered 1.2.0.
        assertNoUpdate(feed("/v1/electron/upgrade/latest.yml", feedQuery("1.1.0", "win32", "x64")), "1.1.0");
        assertThat(offer("/v1/electron/upgrade/beta.yml", feedQuery("1.1.0", "win32", "x64")).get("version").asText())
                .isEqualTo("1.2.0");
        // The platform filter applies: a linux arm64 client has no version.
        assertNoUpdate(feed("/v1/electron/upgrade/latest-linux-arm64.yml", feedQuery("1.0.0", "linux", "arm64")), "1.0.0");
    }

    @Test
    void noUpdateEchoesTheClientVersion() {
        assertNoUpdate(feed("/v1/electron/upgrade", feedQuery("1.0.0", "win32", "x64")), "1.0.0");
        long v = version("1.1.0", "windows", "x64");
        server.upload(app, v, "install", "Eapp-Setup.exe", bytes(1000, 9));
        strategy(v, "");
        assertNoUpdate(feed("/v1/electron/upgrade/latest.yml", feedQuery("1.1.0", "win32", "x64")), "1.1.0");
        assertNoUpdate(feed("/v1/electron/upgrade/latest.yml", feedQuery("3.0.0-beta.2", "win32", "x64")), "3.0.0-beta.2");
        // A newer version with a strategy but no uploaded file is not offered: there is nothing to download.
        strategy(version("1.2.0", "windows", "x64"), "");
        assertNoUpdate(feed("/v1/electron/upgrade/latest.yml", feedQuery("1.1.0", "win32", "x64")), "1.1.0");
    }

    @Test
    void win32IsMappedToWindows() {
        long v = version("1.1.0", "win32", "x64");
        JsonNode created = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + v, null, 200);
        assertThat(created.get("platform").asText()).isEqualTo("windows");
        server.upload(app, v, "install", "Eapp-Setup.exe", bytes(1000, 10));
        strategy(v, "");
        assertThat(offer("/v1/electron/upgrade", feedQuery("1.0.0", "win32", "x64")).get("version").asText()).isEqualTo("1.1.0");
        assertThat(offer("/v1/electron/upgrade", feedQuery("1.0.0", "windows", "x64")).get("version").asText()).isEqualTo("1.1.0");
        assertNoUpdate(feed("/v1/electron/upgrade", feedQuery("1.0.0", "darwin", "x64")), "1.0.0");
    }

    @Test
    void stagingIdHeaderIsTheDeviceIdentityWithoutDevKey() {
        long v = version("1.1.0", "linux", "x64");
        server.upload(app, v, "install", "Eapp.AppImage", bytes(1000, 11));
        strategy(v, "\"grayRules\":[{\"begin\":\"" + Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS)
                + "\",\"end\":\"" + Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS) + "\",\"limit\":1}]");
        String q = feedQuery("1.0.0", "linux", "x64");
        String path = "/v1/electron/upgrade/latest-linux.yml";
        String a = "5c0fe2a2-6a3f-5f6e-9a63-0b1d3a6a0001";
        String b = "5c0fe2a2-6a3f-5f6e-9a63-0b1d3a6a0002";
        assertThat(TestServer.parse(feed(path, q, a).body()).get("version").asText()).isEqualTo("1.1.0");
        assertNoUpdate(TestServer.parse(feed(path, q, b).body()), "1.0.0");
        assertThat(TestServer.parse(feed(path, q, a).body()).get("version").asText()).isEqualTo("1.1.0");
        assertNoUpdate(TestServer.parse(feed(path, q, null).body()), "1.0.0");
        // devKey wins over the header.
        assertThat(TestServer.parse(feed(path, q + "&devKey=" + a, b).body()).get("version").asText()).isEqualTo("1.1.0");
    }

    @Test
    void anOverlongStagingIdIsAnsweredNotAServerError() {
        long v = version("1.1.0", "linux", "x64");
        server.upload(app, v, "install", "Eapp.AppImage", bytes(1000, 12));
        strategy(v, "\"grayRules\":[{\"begin\":\"" + Instant.now().minusSeconds(3600).truncatedTo(ChronoUnit.SECONDS)
                + "\",\"end\":\"" + Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.SECONDS) + "\",\"limit\":5}]");
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base()
                        + "/v1/electron/upgrade/latest-linux.yml?" + feedQuery("1.0.0", "linux", "x64")))
                .header("X-AccessKey", key.accessKey()).header("x-user-staging-id", "s".repeat(300)).build());
        // Device keys are stored as VARCHAR(128): an overlong staging id must not reach the database (on PostgreSQL
        // it used to fail the gray admission insert with HTTP 500). It is either refused or treated as no identity.
        assertThat(r.statusCode()).as(r.body()).isIn(200, 400);
    }

    @Test
    void unknownFeedFilesAndMissingAccessKeyAreErrors() {
        HttpResponse<String> r = TestServer.send(HttpRequest.newBuilder(URI.create(server.base()
                + "/v1/electron/upgrade/latest.json?" + feedQuery("1.0.0", "win32", "x64")))
                .header("X-AccessKey", key.accessKey()).build());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(TestServer.parse(r.body()).get("code").asInt()).isEqualTo(404004);
        HttpResponse<String> noKey = TestServer.send(HttpRequest.newBuilder(URI.create(server.base()
                + "/v1/electron/upgrade/latest.yml?" + feedQuery("1.0.0", "win32", "x64"))).build());
        assertThat(noKey.statusCode()).isEqualTo(400);
        assertThat(TestServer.parse(noKey.body()).get("code").asInt()).isEqualTo(400002);
        HttpResponse<String> badArch = TestServer.send(HttpRequest.newBuilder(URI.create(server.base()
                + "/v1/electron/upgrade?" + feedQuery("1.0.0", "win32", "x86_64"))).header("X-AccessKey", key.accessKey()).build());
        assertThat(TestServer.parse(badArch.body()).get("code").asInt()).isEqualTo(400003);
        assertThat(TestServer.parse(badArch.body()).get("msg").asText()).contains("x64", "arm64", "ia32");
    }
}
