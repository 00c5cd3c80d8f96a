package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.server.http.Json;
import dev.upshift.server.publish.MinisignTestSigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Publishing from build output over real HTTP: Tauri {@code latest.json} through the signed CI routes (both
 * spellings), electron-builder channel files through the admin API, the checks that refuse bad bytes (minisign,
 * declared sha512 and sha256) without leaving anything behind, and yank with rollback.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class PublishTest {
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

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** A fresh server (and database) with these publish settings. */
    void restart(dev.upshift.server.config.PublishConfig publish) throws IOException {
        server.close();
        Path fresh = Files.createDirectories(dir.resolve("s" + System.nanoTime()));
        server = TestServer.start(database, fresh, c -> c.withPublish(publish));
        key = server.createKey();
    }

    /** A signed PUT of a build file to the CI upload route; the signature covers the file's bytes. */
    HttpResponse<String> ciUpload(String kind, String alias, String appKey, String fileName, byte[] bytes) {
        String path = "/v1/" + kind + "/" + alias + "/files/" + fileName + "?" + kind + "Key=" + appKey;
        String nonce = TestServer.nonce();
        String ts = TestServer.timestamp(0);
        return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))
                .header("X-Timestamp", ts).header("X-Nonce", nonce).header("X-AccessKey", key.accessKey())
                .header("X-Signature", LegacySignatureV1.sign(bytes, nonce, key.secretKey(), ts, path)).build());
    }

    HttpResponse<String> adminUpload(String appKey, String fileName, byte[] bytes) {
        return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + appKey
                        + "/uploads/" + fileName.replace(" ", "%20"))).header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build());
    }

    HttpResponse<String> adminRelease(String appKey, String query, String manifest) {
        return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + appKey
                        + "/releases?" + query)).header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(manifest)).build());
    }

    HttpResponse<String> tauriCheck(String appKey, String version, String target, String arch, String bundle) {
        return TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/v1/tauri/upgrade?tauriKey=" + appKey
                + "&versionName=" + version + "&target=" + target + "&arch=" + arch
                + (bundle == null ? "" : "&bundle_type=" + bundle))).header("X-AccessKey", key.accessKey()).build());
    }


    long blobCount() throws IOException {
        Path root = dir.resolve("data/artifacts/sha256");
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    String tauriApp(MinisignTestSigner signer) {
        String app = server.createApp("tauri", "Tapp");
        server.adminOk("PATCH", "/api/admin/v1/apps/" + app, Json.MAPPER.createObjectNode()
                .put("tauriPublicKey", signer.tauriPublicKey()).toString(), 200);
        return app;
    }

    static String latestJson(String version, String... platformEntries) {
        StringBuilder sb = new StringBuilder("{\"version\":\"" + version + "\",\"notes\":\"Fixes\","
                + "\"pub_date\":\"2026-11-20T10:00:00Z\",\"platforms\":{");
        for (int i = 0; i < platformEntries.length; i += 3) {
            sb.append(i == 0 ? "" : ",").append('"').append(platformEntries[i]).append("\":{\"signature\":\"")
                    .append(platformEntries[i + 2]).append("\",\"url\":\"https://github.com/o/r/releases/download/v")
                    .append(version).append('/').append(platformEntries[i + 1]).append("\"}");
        }
        return sb.append("}}").toString();
    }

    // ---- Tauri through CI ------------------------------------------------------------------------------------

    @Test
    void tauriLatestJsonPublishesOneVersionPerTargetWithAFilePerFormat() {
        MinisignTestSigner signer = new MinisignTestSigner();
        String app = tauriApp(signer);
        byte[] appImage = bytes(40_000, 1);
        byte[] deb = bytes(30_000, 2);
        byte[] mac = bytes(20_000, 3);
        assertThat(ciUpload("tauri", "github-action", app, "app_1.2.0_amd64.AppImage", appImage).statusCode()).isEqualTo(200);
        assertThat(ciUpload("tauri", "github-action", app, "app_1.2.0_amd64.deb", deb).statusCode()).isEqualTo(200);
        HttpResponse<String> up = ciUpload("tauri", "github-aciton", app, "app.app.tar.gz", mac);
        assertThat(TestServer.parse(up.body()).at("/data/size").asLong()).isEqualTo(20_000);

        String manifest = latestJson("1.2.0",
                "linux-x86_64", "app_1.2.0_amd64.AppImage", signer.tauriSignature(appImage, true),
                "linux-x86_64-deb", "app_1.2.0_amd64.deb", signer.tauriSignature(deb, true),
                "darwin-aarch64", "app.app.tar.gz", signer.tauriSignature(mac, false));
        HttpResponse<String> r = server.signedPost(key, "/v1/tauri/github-aciton/upload?tauriKey=" + app, manifest);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode versions = TestServer.parse(r.body()).at("/data/versions");
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).get("platform").asText()).isEqualTo("linux");
        assertThat(versions.get(0).get("files")).hasSize(2);
        assertThat(versions.get(0).get("strategyId").isNumber()).isTrue();

        HttpResponse<String> deb204 = tauriCheck(app, "1.1.0", "linux", "x86_64", "deb");
        JsonNode offer = TestServer.parse(deb204.body());
        assertThat(offer.get("version").asText()).isEqualTo("1.2.0");
        assertThat(offer.get("url").asText()).endsWith("/app_1.2.0_amd64.deb");
        assertThat(offer.get("signature").asText()).isEqualTo(signer.tauriSignature(deb, true));
        HttpResponse<byte[]> file = sendBytes(offer.get("url").asText());
        assertThat(file.body()).isEqualTo(deb);
        JsonNode appImageOffer = TestServer.parse(tauriCheck(app, "1.1.0", "linux", "x86_64", "appimage").body());
        assertThat(appImageOffer.get("url").asText()).endsWith("/app_1.2.0_amd64.AppImage");
        assertThat(tauriCheck(app, "1.1.0", "linux", "x86_64", "rpm").statusCode()).isEqualTo(204);
        assertThat(TestServer.parse(tauriCheck(app, "1.1.0", "darwin", "aarch64", "app").body()).get("version").asText())
                .isEqualTo("1.2.0");

        // Running the same publish again changes nothing and creates no second strategy.
        for (String[] f : new String[][]{{"app_1.2.0_amd64.AppImage"}, {"app_1.2.0_amd64.deb"}, {"app.app.tar.gz"}}) {
            byte[] b = f[0].endsWith("AppImage") ? appImage : f[0].endsWith("deb") ? deb : mac;
            assertThat(ciUpload("tauri", "github-action", app, f[0], b).statusCode()).isEqualTo(200);
        }
        JsonNode again = TestServer.parse(server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app, manifest).body());
        assertThat(again.at("/data/versions/0/created").asBoolean()).isFalse();
        assertThat(again.at("/data/versions/0/strategyId").isNull()).isTrue();
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies", null, 200).get("items")).hasSize(2);
    }

    @Test
    void aSignatureThatDoesNotVerifyRefusesTheWholeReleaseAndCreatesNothing() {
        MinisignTestSigner signer = new MinisignTestSigner();
        MinisignTestSigner other = new MinisignTestSigner();
        String app = tauriApp(signer);
        byte[] good = bytes(10_000, 4);
        byte[] bad = bytes(10_000, 5);
        ciUpload("tauri", "github-action", app, "good.AppImage", good);
        ciUpload("tauri", "github-action", app, "bad.app.tar.gz", bad);
        HttpResponse<String> r = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app, latestJson("2.0.0",
                "linux-x86_64", "good.AppImage", signer.tauriSignature(good, true),
                "darwin-aarch64", "bad.app.tar.gz", other.tauriSignature(bad, true)));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = TestServer.parse(r.body());
        assertThat(body.get("code").asInt()).isEqualTo(400003);
        assertThat(body.get("msg").asText()).contains("Tauri updater signature check failed").contains("key_id_mismatch");
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions", null, 200).get("items")).isEmpty();

        // A file of the same bytes with a flipped byte fails the signature too.
        byte[] flipped = good.clone();
        flipped[77] ^= 1;
        ciUpload("tauri", "github-action", app, "good.AppImage", flipped);
        HttpResponse<String> r2 = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app,
                latestJson("2.0.0", "linux-x86_64", "good.AppImage", signer.tauriSignature(good, true)));
        assertThat(TestServer.parse(r2.body()).get("msg").asText()).contains("signature_mismatch");
    }

    @Test
    void ciRoutesCheckTheSignatureNotJustTheHeader() {
        String app = server.createApp("tauri", "Tapp");
        byte[] b = bytes(1000, 6);
        String path = "/v1/tauri/github-action/files/a.AppImage?tauriKey=" + app;
        HttpResponse<String> forged = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(b)).header("X-Timestamp", TestServer.timestamp(0))
                .header("X-Nonce", TestServer.nonce()).header("X-AccessKey", key.accessKey())
                .header("X-Signature", "0123456789abcdef0123456789abcdef").build());
        assertThat(TestServer.parse(forged.body()).get("code").asInt()).isEqualTo(401002);
        HttpResponse<String> noHeader = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + path))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(b)).header("X-AccessKey", key.accessKey()).build());
        assertThat(noHeader.statusCode()).isEqualTo(400);
        HttpResponse<String> unsignedManifest = TestServer.send(HttpRequest.newBuilder(URI.create(server.base()
                        + "/v1/tauri/github-action/upload?tauriKey=" + app))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).header("X-AccessKey", key.accessKey()).build());
        assertThat(unsignedManifest.statusCode()).isEqualTo(400);
        assertThat(TestServer.parse(unsignedManifest.body()).get("code").asInt()).isEqualTo(400004);
    }

    @Test
    void aManifestNamingAFileThatWasNeitherUploadedNorFetchableIsRefused() {
        MinisignTestSigner signer = new MinisignTestSigner();
        String app = tauriApp(signer);
        HttpResponse<String> r = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app,
                latestJson("1.0.0", "linux-x86_64", "missing.AppImage", signer.tauriSignature(new byte[]{1}, true)));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(TestServer.parse(r.body()).get("msg").asText()).contains("missing.AppImage").contains("publish-fetch-hosts");
    }

    @Test
    void filesNotUploadedAreFetchedOnlyFromAllowedHostsAndNeverFromPrivateAddressesUnlessAllowed() throws Exception {
        MinisignTestSigner signer = new MinisignTestSigner();
        byte[] appImage = bytes(12_000, 50);
        com.sun.net.httpserver.HttpServer origin = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        origin.createContext("/releases/", ex -> {
            fetches.incrementAndGet();
            if (ex.getRequestURI().getPath().endsWith("/moved.AppImage")) {
                ex.getResponseHeaders().add("Location", "/releases/app.AppImage");
                ex.sendResponseHeaders(302, -1);
            } else {
                ex.sendResponseHeaders(200, appImage.length);
                ex.getResponseBody().write(appImage);
            }
            ex.close();
        });
        origin.start();
        try {
            String base = "http://127.0.0.1:" + origin.getAddress().getPort() + "/releases/";
            String manifest = "{\"version\":\"1.0.0\",\"platforms\":{\"linux-x86_64\":{\"signature\":\""
                    + signer.tauriSignature(appImage, true) + "\",\"url\":\"" + base + "moved.AppImage\"}}}";

            // Listed, but loopback: refused without publish-fetch-allow-private, and nothing is fetched.
            restart(new dev.upshift.server.config.PublishConfig(java.util.List.of("127.0.0.1"), false));
            String app = tauriApp(signer);
            HttpResponse<String> refused = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app,
                    manifest.replace("http://", "https://"));
            assertThat(TestServer.parse(refused.body()).get("msg").asText()).contains("private address 127.0.0.1");
            HttpResponse<String> plainHttp = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app, manifest);
            assertThat(TestServer.parse(plainHttp.body()).get("msg").asText()).contains("Only https");
            assertThat(fetches.get()).isZero();

            // An internal artifact server, explicitly allowed: fetched (following the redirect) and verified.
            restart(new dev.upshift.server.config.PublishConfig(java.util.List.of("127.0.0.1"), true));
            app = tauriApp(signer);
            HttpResponse<String> ok = server.signedPost(key, "/v1/tauri/github-action/upload?tauriKey=" + app, manifest);
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(fetches.get()).isEqualTo(2);
            JsonNode offer = TestServer.parse(tauriCheck(app, "0.9.0", "linux", "x86_64", "appimage").body());
            assertThat(sendBytes(offer.get("url").asText()).body()).isEqualTo(appImage);
        } finally {
            origin.stop(0);
        }
    }

    // ---- electron through the admin API ----------------------------------------------------------------------

    @Test
    void electronMacChannelFileSplitsArchesAndAttachesBlockmaps() throws Exception {
        String app = server.createApp("electron", "Eapp");
        byte[] x64 = bytes(50_000, 7);
        byte[] arm = bytes(60_000, 8);
        byte[] armMap = "{\"version\":\"2\",\"files\":[]}".getBytes(StandardCharsets.UTF_8);
        assertThat(adminUpload(app, "Eapp-1.3.0-mac.zip", x64).statusCode()).isEqualTo(201);
        assertThat(adminUpload(app, "Eapp-1.3.0-arm64-mac.zip", arm).statusCode()).isEqualTo(201);
        assertThat(adminUpload(app, "Eapp-1.3.0-arm64-mac.zip.blockmap", armMap).statusCode()).isEqualTo(201);
        String yml = "version: 1.3.0\nfiles:\n"
                + "  - url: Eapp-1.3.0-mac.zip\n    sha512: " + TestData.sha512Base64(x64) + "\n    size: 50000\n"
                + "  - url: Eapp-1.3.0-arm64-mac.zip\n    sha512: " + TestData.sha512Base64(arm) + "\n    size: 60000\n"
                + "path: Eapp-1.3.0-mac.zip\nsha512: " + TestData.sha512Base64(x64) + "\nreleaseDate: '2026-11-20T10:00:00.000Z'\n"
                + "releaseNotes: Faster start\n";
        HttpResponse<String> r = adminRelease(app, "manifest=latest-mac.yml&percentage=100", yml);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode versions = TestServer.parse(r.body()).get("versions");
        assertThat(versions).hasSize(2);
        assertThat(versions.get(1).get("arch").asText()).isEqualTo("arm64");
        assertThat(versions.get(1).get("files").toString()).contains("Eapp-1.3.0-arm64-mac.zip.blockmap");

        long armId = versions.get(1).get("versionId").asLong();
        JsonNode artifact = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + armId, null, 200)
                .get("artifacts").get(0);
        assertThat(artifact.get("role").asText()).isEqualTo("update");
        assertThat(artifact.get("format").asText()).isEqualTo("zip");
        assertThat(artifact.at("/blockmap/size").asLong()).isEqualTo(armMap.length);
        String fileUrl = server.base() + "/v1/files/" + app + "/" + armId + "/update/Eapp-1.3.0-arm64-mac.zip";
        assertThat(sendBytes(fileUrl).body()).isEqualTo(arm);
        assertThat(sendBytes(fileUrl + ".blockmap").body()).isEqualTo(armMap);
        assertThat(sendBytes(server.base() + "/v1/files/" + app + "/" + armId + "/update/nothing.zip.blockmap")
                .statusCode()).isEqualTo(404);

        // electron-updater asks for the installed version's block map at the new URL with the version replaced.
        long oldId = server.createVersion(app, "{\"versionName\":\"1.2.0\",\"platform\":\"darwin\",\"arch\":\"arm64\"}")
                .get("id").asLong();
        byte[] oldMap = "{\"version\":\"2\",\"files\":[{\"name\":\"old\"}]}".getBytes(StandardCharsets.UTF_8);
        server.upload(app, oldId, "update", "Eapp-1.2.0-arm64-mac.zip", bytes(100, 12));
        server.upload(app, oldId, "update", "Eapp-1.2.0-arm64-mac.zip.blockmap", oldMap);
        assertThat(sendBytes(server.base() + "/v1/files/" + app + "/" + armId + "/update/Eapp-1.2.0-arm64-mac.zip.blockmap")
                .body()).isEqualTo(oldMap);
    }

    @Test
    void aDeclaredSha512ThatDoesNotMatchRefusesTheReleaseAndAnArtifactSha256MismatchStoresNothing() throws Exception {
        String app = server.createApp("electron", "Eapp");
        byte[] exe = bytes(20_000, 9);
        adminUpload(app, "Eapp Setup 1.0.0.exe", exe);
        String wrong = TestData.sha512Base64(bytes(20_000, 10));
        String yml = "version: 1.0.0\nfiles:\n  - url: Eapp Setup 1.0.0.exe\n    sha512: " + wrong
                + "\n    size: 20000\npath: Eapp Setup 1.0.0.exe\nsha512: " + wrong + "\nreleaseDate: '2026-11-20T10:00:00.000Z'\n";
        HttpResponse<String> r = adminRelease(app, "manifest=latest.yml", yml);
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(TestServer.parse(r.body()).get("code").asText()).isEqualTo("verification_failed");
        assertThat(TestServer.parse(r.body()).get("message").asText()).contains("sha512 check failed");
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions", null, 200).get("items")).isEmpty();

        JsonNode v = server.createVersion(app, "{\"versionName\":\"1.0.1\",\"platform\":\"windows\",\"arch\":\"x64\"}");
        long before = blobCount();
        HttpResponse<String> up = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/"
                        + app + "/versions/" + v.get("id").asLong() + "/artifact?fileName=a.exe"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .header("X-Content-SHA256", "0".repeat(64))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes(5000, 11))).build());
        assertThat(up.statusCode()).isEqualTo(422);
        assertThat(TestServer.parse(up.body()).get("message").asText()).contains("sha256 check failed");
        assertThat(blobCount()).isEqualTo(before);
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + v.get("id").asLong()
                + "/artifacts", null, 200).get("items")).isEmpty();
    }

    // ---- yank and rollback -----------------------------------------------------------------------------------

    @Test
    void aYankedVersionDisappearsFromChecksAndLatestDownloadsAndARollbackStrategyMovesItsClientsBack() {
        MinisignTestSigner signer = new MinisignTestSigner();
        String app = tauriApp(signer);
        long[] ids = new long[2];
        String[] names = {"1.0.0", "1.1.0"};
        for (int i = 0; i < 2; i++) {
            byte[] b = bytes(5000, 20 + i);
            JsonNode v = server.createVersion(app, "{\"versionName\":\"" + names[i] + "\",\"target\":\"linux\",\"arch\":\"x86_64\"}");
            ids[i] = v.get("id").asLong();
            HttpResponse<String> up = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/"
                            + app + "/versions/" + ids[i] + "/artifact?role=update&fileName=app-" + names[i] + ".AppImage"))
                    .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                    .header("X-Updater-Signature", signer.tauriSignature(b, true))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(b)).build());
            assertThat(up.statusCode()).as(up.body()).isEqualTo(200);
            server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies", "{\"versionId\":" + ids[i] + "}", 201);
        }
        assertThat(TestServer.parse(tauriCheck(app, "0.9.0", "linux", "x86_64", null).body()).get("version").asText())
                .isEqualTo("1.1.0");

        JsonNode yanked = server.adminOk("POST", "/api/admin/v1/apps/" + app + "/versions/" + ids[1] + "/yank",
                "{\"reason\":\"crashes on start\"}", 200);
        assertThat(yanked.get("yanked").asBoolean()).isTrue();
        assertThat(TestServer.parse(tauriCheck(app, "0.9.0", "linux", "x86_64", null).body()).get("version").asText())
                .isEqualTo("1.0.0");
        assertThat(tauriCheck(app, "1.1.0", "linux", "x86_64", null).statusCode()).isEqualTo(204);
        HttpResponse<byte[]> latest = sendBytes(server.base() + "/v1/tauri/download?tauriKey=" + app
                + "&target=linux&arch=x86_64&downloadType=2");
        assertThat(latest.body()).isEqualTo(bytes(5000, 20));
        assertThat(sendBytes(server.base() + "/v1/tauri/download?tauriKey=" + app + "&versionId=" + ids[1]
                + "&downloadType=2").body()).as("kept for audit").isEqualTo(bytes(5000, 21));

        HttpResponse<String> offerYanked = server.admin("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + ids[1] + "}");
        assertThat(offerYanked.statusCode()).isEqualTo(400);
        assertThat(offerYanked.body()).contains("yanked");
        JsonNode rollback = server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + ids[0] + ",\"rollback\":true,\"upgradeType\":3}", 201);
        assertThat(rollback.get("rollback").asBoolean()).isTrue();
        JsonNode back = TestServer.parse(tauriCheck(app, "1.1.0", "linux", "x86_64", null).body());
        assertThat(back.get("version").asText()).isEqualTo("1.0.0");
        assertThat(back.get("upgradeType").asInt()).isEqualTo(3);

        server.adminOk("DELETE", "/api/admin/v1/apps/" + app + "/versions/" + ids[1] + "/yank", null, 200);
        assertThat(TestServer.parse(tauriCheck(app, "0.9.0", "linux", "x86_64", null).body()).get("version").asText())
                .isEqualTo("1.1.0");
        assertThat(tauriCheck(app, "1.1.0", "linux", "x86_64", null).statusCode()).as("rollback only from yanked").isEqualTo(204);
    }

    // ---- other kinds: electron download links, APK signer pinning, Sparkle signatures ------------------------

    HttpResponse<String> putArtifact(String app, long versionId, String query, byte[] bytes, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + app
                        + "/versions/" + versionId + "/artifact?" + query))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TestServer.send(b.build());
    }

    @Test
    void electronDownloadLinksPickTheFileOfTheirFormat() {
        String app = server.createApp("electron", "Eapp");
        long id = server.createVersion(app, "{\"versionName\":\"1.0.0\",\"platform\":\"darwin\",\"arch\":\"arm64\"}")
                .get("id").asLong();
        byte[] dmg = bytes(3000, 40);
        byte[] zip = bytes(2000, 41);
        server.upload(app, id, "install", "Eapp-1.0.0-arm64.dmg", dmg);
        server.upload(app, id, "update", "Eapp-1.0.0-arm64-mac.zip", zip);
        String q = "?electronKey=" + app + "&platform=darwin&arch=arm64";
        assertThat(sendBytes(server.base() + "/v1/electron/download.dmg" + q).body()).isEqualTo(dmg);
        assertThat(sendBytes(server.base() + "/v1/electron/download.zip" + q).body()).isEqualTo(zip);
        assertThat(sendBytes(server.base() + "/v1/electron/download" + q + "&downloadType=2").body()).isEqualTo(zip);
        HttpResponse<byte[]> exe = sendBytes(server.base() + "/v1/electron/download.exe" + q);
        assertThat(exe.statusCode()).isEqualTo(404);
    }

    @Test
    void apkUploadsRecordTheSignerAndRefuseAnotherSignerOrNoSignature() throws Exception {
        String app = server.createApp("apk", "Droid");
        dev.upshift.server.publish.TestApks.Signer first = dev.upshift.server.publish.TestApks.Signer.generate("first");
        dev.upshift.server.publish.TestApks.Signer other = dev.upshift.server.publish.TestApks.Signer.generate("other");
        byte[] v1 = Files.readAllBytes(dev.upshift.server.publish.TestApks.sign(
                dev.upshift.server.publish.TestApks.unsigned(dir, "com.example.droid", 1), first));
        long id1 = server.createVersion(app, "{\"versionName\":\"1\",\"versionCode\":1}").get("id").asLong();
        HttpResponse<String> ok = putArtifact(app, id1, "fileName=droid-1.apk", v1);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String expected = dev.upshift.server.AdminApiTest.hex("SHA-256", first.certificate().getEncoded());
        assertThat(TestServer.parse(ok.body()).get("signerSha256").asText()).isEqualTo(expected);

        long id2 = server.createVersion(app, "{\"versionName\":\"2\",\"versionCode\":2}").get("id").asLong();
        byte[] v2 = Files.readAllBytes(dev.upshift.server.publish.TestApks.sign(
                dev.upshift.server.publish.TestApks.unsigned(dir, "com.example.droid", 2), other));
        HttpResponse<String> foreign = putArtifact(app, id2, "fileName=droid-2.apk", v2);
        assertThat(foreign.statusCode()).isEqualTo(422);
        assertThat(TestServer.parse(foreign.body()).get("message").asText()).contains("APK signer check failed")
                .contains(expected);
        byte[] altered = Files.readAllBytes(dev.upshift.server.publish.TestApks.sign(
                dev.upshift.server.publish.TestApks.unsigned(dir, "com.example.droid", 2), first));
        int at = indexOf(altered, "not really".getBytes(StandardCharsets.US_ASCII));
        altered[at] ^= 1;
        HttpResponse<String> tampered = putArtifact(app, id2, "fileName=droid-2.apk", altered);
        assertThat(tampered.statusCode()).isEqualTo(422);
        assertThat(TestServer.parse(tampered.body()).get("message").asText()).contains("APK signature check failed");
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + id2, null, 200).get("artifacts")).isEmpty();

        // apksig cannot read it: stored with its hashes, no signer to pin.
        HttpResponse<String> opaque = putArtifact(app, id2, "fileName=droid-2.apk", bytes(3000, 43));
        assertThat(opaque.statusCode()).isEqualTo(200);
        assertThat(TestServer.parse(opaque.body()).has("signerSha256")).isFalse();
    }

    @Test
    void sparkleSignaturesAreVerifiedAgainstTheAppsKeyAndStoredWithTheFile() throws Exception {
        java.security.KeyPair pair = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] x509 = pair.getPublic().getEncoded();
        String publicKey = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(x509, x509.length - 32, x509.length));
        String app = server.createApp("mac", "Mapp");
        assertThat(server.admin("PATCH", "/api/admin/v1/apps/" + app, "{\"sparklePublicKey\":\"bm90IGEga2V5\"}").statusCode())
                .isEqualTo(400);
        server.adminOk("PATCH", "/api/admin/v1/apps/" + app, "{\"sparklePublicKey\":\"" + publicKey + "\"}", 200);
        byte[] zip = bytes(8000, 42);
        java.security.Signature signer = java.security.Signature.getInstance("Ed25519");
        signer.initSign(pair.getPrivate());
        signer.update(zip);
        String edSignature = Base64.getEncoder().encodeToString(signer.sign());
        long id = server.createVersion(app, "{\"versionName\":\"2.1\",\"versionCode\":210,\"arch\":\"arm64\"}")
                .get("id").asLong();

        byte[] tampered = zip.clone();
        tampered[0] ^= 1;
        HttpResponse<String> bad = putArtifact(app, id, "fileName=Mapp-2.1.zip", tampered, "X-Sparkle-Signature", edSignature);
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(TestServer.parse(bad.body()).get("message").asText()).contains("Sparkle EdDSA signature check failed");
        HttpResponse<String> good = putArtifact(app, id, "fileName=Mapp-2.1.zip", zip, "X-Sparkle-Signature", edSignature);
        assertThat(good.statusCode()).as(good.body()).isEqualTo(200);
        assertThat(TestServer.parse(good.body()).get("edSignature").asText()).isEqualTo(edSignature);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }

    static HttpResponse<byte[]> sendBytes(String url) {
        try {
            return TestServer.HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
