package dev.upshift.server;

import static dev.upshift.server.TestData.bytes;
import static dev.upshift.server.TestData.fieldNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The static feeds under {@code /feeds/<appKey>/...} over real HTTP, with data published through the admin API:
 * each format checked element by element against update-protocols §1.3, §2.2, §3.1–3.3 and §4, channel filtering,
 * yanking, percentages, caching headers and errors.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class StaticFeedsTest {
    static final String SPARKLE = "http://www.andymatuschak.org/xml-namespaces/sparkle";
    /** Squirrel.Windows' entry regex (ReleaseEntry.cs, update-protocols §3.1). */
    static final Pattern RELEASES_LINE = Pattern.compile("^([0-9a-fA-F]{40})\\s+(\\S+)\\s+(\\d+)[\\r]*$");
    static final HttpClient FOLLOWING = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).build();

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

    // ---- helpers ---------------------------------------------------------------------------------------------

    private long version(String app, Map<String, Object> fields) {
        return server.createVersion(app, TestServer.json(fields)).get("id").asLong();
    }

    private void strategy(String app, long versionId, String fields) {
        server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + versionId + (fields.isEmpty() ? "" : "," + fields) + "}", 201);
    }

    private void yank(String app, long versionId) {
        server.adminOk("POST", "/api/admin/v1/apps/" + app + "/versions/" + versionId + "/yank", "{\"reason\":\"broken\"}", 200);
    }

    /** Uploads a file with optional signature headers ({@code X-Updater-Signature}, {@code X-Sparkle-Signature}). */
    private void upload(String app, long versionId, String role, String fileName, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + "/api/admin/v1/apps/" + app
                        + "/versions/" + versionId + "/artifact?role=" + role + "&fileName=" + fileName))
                .header("Authorization", "Bearer " + TestServer.ADMIN_TOKEN)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        HttpResponse<String> r = TestServer.send(b.build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.base() + path));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return TestServer.send(b.build());
    }

    private HttpResponse<String> ok(String path) {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(r.headers().firstValue("ETag")).isPresent();
        return r;
    }

    private static JsonNode yaml(String body) throws Exception {
        return new YAMLMapper().readTree(body);
    }

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = FOLLOWING.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("GET " + url).isEqualTo(200);
        return r.body();
    }

    private static String hash(String algorithm, byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(b));
    }


    private static void error404(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(TestServer.parse(r.body()).get("code").asInt()).isBetween(404001, 404004);
    }

    private static Map<String, Object> v(Object... kv) {
        return TestData.map(kv);
    }

    // ---- Tauri -----------------------------------------------------------------------------------------------

    @Test
    void tauriLatestJsonListsEverySignedBundleUnderSuffixedAndBareKeys() throws Exception {
        String app = server.createApp("tauri", "Tapp");
        long linux = version(app, v("versionName", "1.1.0", "target", "linux", "arch", "x86_64", "releaseNote", "Fixes"));
        byte[] appImage = bytes(3000, 1);
        byte[] deb = bytes(2000, 2);
        byte[] rpm = bytes(2500, 3);
        upload(app, linux, "update", "Tapp_1.1.0_amd64.AppImage", appImage, "X-Updater-Signature", "c2lnLWFwcGltYWdl");
        upload(app, linux, "install", "Tapp_1.1.0_amd64.deb", deb, "X-Updater-Signature", "c2lnLWRlYg==");
        upload(app, linux, "install", "Tapp-1.1.0-1.x86_64.rpm", rpm); // unsigned: Tauri would reject the whole file
        long win = version(app, v("versionName", "1.1.0", "target", "windows", "arch", "x86_64"));
        byte[] setup = bytes(4000, 4);
        upload(app, win, "install", "Tapp_1.1.0_x64-setup.exe", setup, "X-Updater-Signature", "c2lnLW5zaXM=");
        long mac = version(app, v("versionName", "1.0.0", "target", "darwin", "arch", "aarch64"));
        upload(app, mac, "update", "Tapp.app.tar.gz", bytes(1000, 5), "X-Updater-Signature", "c2lnLWFwcA==");
        strategy(app, linux, "\"promptText\":\"\"");
        strategy(app, win, "");
        strategy(app, mac, "");

        JsonNode doc = TestServer.parse(ok("/feeds/" + app + "/tauri/stable/latest.json").body());
        assertThat(fieldNames(doc)).containsExactly("version", "notes", "pub_date", "platforms");
        assertThat(doc.get("version").asText()).isEqualTo("1.1.0");
        assertThat(doc.get("notes").asText()).isEqualTo("Fixes");
        assertThat(OffsetDateTime.parse(doc.get("pub_date").asText()).toInstant()).isBefore(Instant.now().plusSeconds(1));
        JsonNode p = doc.get("platforms");
        // darwin-aarch64 publishes only 1.0.0, so it is left out of a file whose version is 1.1.0.
        assertThat(fieldNames(p)).containsExactlyInAnyOrder("linux-x86_64", "linux-x86_64-appimage", "linux-x86_64-deb",
                "windows-x86_64", "windows-x86_64-nsis");
        for (String key : fieldNames(p)) {
            assertThat(fieldNames(p.get(key))).containsExactly("signature", "url");
            assertThat(URI.create(p.get(key).get("url").asText()).getRawQuery()).isNull();
        }
        assertThat(p.get("linux-x86_64").get("signature").asText()).isEqualTo("c2lnLWFwcGltYWdl");
        assertThat(download(p.get("linux-x86_64").get("url").asText())).isEqualTo(appImage);
        assertThat(p.get("linux-x86_64-appimage")).isEqualTo(p.get("linux-x86_64"));
        assertThat(p.get("linux-x86_64-deb").get("signature").asText()).isEqualTo("c2lnLWRlYg==");
        assertThat(download(p.get("linux-x86_64-deb").get("url").asText())).isEqualTo(deb);
        assertThat(p.get("windows-x86_64-nsis").get("signature").asText()).isEqualTo("c2lnLW5zaXM=");
        assertThat(download(p.get("windows-x86_64").get("url").asText())).isEqualTo(setup);

        // The per-target file carries that target's own newest version.
        JsonNode darwin = TestServer.parse(ok("/feeds/" + app + "/tauri/stable/darwin/aarch64/latest.json").body());
        assertThat(darwin.get("version").asText()).isEqualTo("1.0.0");
        assertThat(fieldNames(darwin.get("platforms"))).containsExactly("darwin-aarch64", "darwin-aarch64-app");
        // Nothing published for a target: 204, which Tauri reads as "no update".
        HttpResponse<String> none = get("/feeds/" + app + "/tauri/stable/linux/aarch64/latest.json");
        assertThat(none.statusCode()).isEqualTo(204);
        assertThat(none.body()).isEmpty();
    }

    // ---- electron-updater ------------------------------------------------------------------------------------

    @Test
    void electronChannelFilesFollowTheGenericProviderFormat() throws Exception {
        String app = server.createApp("electron", "Eapp");
        long win = version(app, v("versionName", "1.1.0", "platform", "windows", "arch", "x64", "releaseNote", "Notes: 'a' & \"b\"",
                "minSystemVersion", "10.0.17763"));
        byte[] setup = bytes(5000, 10);
        upload(app, win, "install", "Eapp-Setup-1.1.0.exe", setup);
        upload(app, win, "install", "Eapp-1.1.0.msi", bytes(100, 11)); // not for NsisUpdater
        long macX64 = version(app, v("versionName", "1.1.0", "platform", "darwin", "arch", "x64"));
        byte[] zipX64 = bytes(3000, 12);
        upload(app, macX64, "update", "Eapp-1.1.0-mac.zip", zipX64);
        upload(app, macX64, "install", "Eapp-1.1.0.dmg", bytes(100, 13));
        long macArm = version(app, v("versionName", "1.1.0", "platform", "darwin", "arch", "arm64"));
        byte[] zipArm = bytes(3100, 14);
        upload(app, macArm, "update", "Eapp-1.1.0-apple.zip", zipArm); // no "arm64" in the name
        long lnx = version(app, v("versionName", "1.1.0", "platform", "linux", "arch", "arm64"));
        byte[] appImage = bytes(2000, 15);
        byte[] deb = bytes(1500, 16);
        upload(app, lnx, "install", "eapp_1.1.0_arm64.deb", deb);
        upload(app, lnx, "update", "Eapp-1.1.0-arm64.AppImage", appImage);
        strategy(app, win, "\"percentage\":25,\"promptText\":\"\"");
        strategy(app, macX64, "\"percentage\":12.5");
        strategy(app, macArm, "");
        strategy(app, lnx, "");

        HttpResponse<String> r = ok("/feeds/" + app + "/electron/latest.yml");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/yaml");
        JsonNode w = yaml(r.body());
        assertThat(fieldNames(w)).containsExactly("version", "files", "path", "sha512", "releaseDate", "releaseNotes",
                "stagingPercentage", "minimumSystemVersion");
        assertThat(w.get("version").asText()).isEqualTo("1.1.0");
        assertThat(w.get("files")).hasSize(1);
        JsonNode f = w.get("files").get(0);
        assertThat(fieldNames(f)).containsExactly("url", "sha512", "size");
        assertThat(URI.create(f.get("url").asText()).getRawPath()).isEqualTo("/v1/files/" + app + "/" + win
                + "/install/Eapp-Setup-1.1.0.exe");
        assertThat(f.get("sha512").asText()).isEqualTo(TestData.sha512Base64(setup)).hasSize(88);
        assertThat(f.get("size").asLong()).isEqualTo(setup.length);
        assertThat(w.get("path").asText()).isEqualTo(f.get("url").asText());
        assertThat(w.get("sha512").asText()).isEqualTo(f.get("sha512").asText());
        assertThat(OffsetDateTime.parse(w.get("releaseDate").asText()).toInstant()).isBefore(Instant.now().plusSeconds(1));
        assertThat(w.get("releaseNotes").asText()).isEqualTo("Notes: 'a' & \"b\"");
        assertThat(w.get("stagingPercentage").asInt()).isEqualTo(25);
        assertThat(w.get("minimumSystemVersion").asText()).isEqualTo("10.0.17763");
        assertThat(download(f.get("url").asText())).isEqualTo(setup);

        JsonNode mac = yaml(ok("/feeds/" + app + "/electron/latest-mac.yml").body());
        assertThat(mac.get("files")).hasSize(2);
        String x64Url = mac.get("files").get(0).get("url").asText();
        String armUrl = mac.get("files").get(1).get("url").asText();
        assertThat(x64Url).endsWith("/Eapp-1.1.0-mac.zip").doesNotContain("arm64");
        assertThat(armUrl).contains("arm64").endsWith("/Eapp-1.1.0-apple.zip");
        assertThat(download(x64Url)).isEqualTo(zipX64);
        assertThat(download(armUrl)).isEqualTo(zipArm);
        assertThat(mac.get("files").get(1).get("sha512").asText()).isEqualTo(TestData.sha512Base64(zipArm));
        assertThat(mac.get("stagingPercentage").asDouble()).isEqualTo(12.5);
        assertThat(mac.has("minimumSystemVersion")).isFalse();

        JsonNode linux = yaml(ok("/feeds/" + app + "/electron/latest-linux-arm64.yml").body());
        assertThat(linux.get("files")).hasSize(2);
        assertThat(linux.get("files").get(0).get("url").asText()).endsWith("/Eapp-1.1.0-arm64.AppImage");
        assertThat(linux.get("files").get(1).get("url").asText()).endsWith("/eapp_1.1.0_arm64.deb");
        assertThat(linux.has("stagingPercentage")).isFalse();
        assertThat(download(linux.get("files").get(0).get("url").asText())).isEqualTo(appImage);

        // Nothing for linux x64: electron-updater's "channel file not found".
        error404(get("/feeds/" + app + "/electron/latest-linux.yml"));
        error404(get("/feeds/" + app + "/electron/latest.json"));
    }

    @Test
    void betaFeedsIncludeStableReleasesStableFeedsExcludeBetaAndYankedVersionsDisappear() throws Exception {
        String app = server.createApp("electron", "Chan");
        long stable = version(app, v("versionName", "1.1.0", "platform", "windows", "arch", "x64"));
        upload(app, stable, "install", "Chan-Setup-1.1.0.exe", bytes(1000, 20));
        long beta = version(app, v("versionName", "1.2.0-beta.1", "platform", "windows", "arch", "x64"));
        upload(app, beta, "install", "Chan-Setup-1.2.0-beta.1.exe", bytes(1000, 21));
        strategy(app, stable, "");
        strategy(app, beta, "\"channel\":\"beta\"");

        assertThat(yaml(ok("/feeds/" + app + "/electron/latest.yml").body()).get("version").asText()).isEqualTo("1.1.0");
        assertThat(yaml(ok("/feeds/" + app + "/electron/beta.yml").body()).get("version").asText()).isEqualTo("1.2.0-beta.1");
        assertThat(yaml(ok("/feeds/" + app + "/electron/alpha.yml").body()).get("version").asText()).isEqualTo("1.2.0-beta.1");
        // A newer stable release wins on the beta channel too.
        long stable2 = version(app, v("versionName", "1.2.0", "platform", "windows", "arch", "x64"));
        upload(app, stable2, "install", "Chan-Setup-1.2.0.exe", bytes(1000, 22));
        strategy(app, stable2, "");
        assertThat(yaml(ok("/feeds/" + app + "/electron/beta.yml").body()).get("version").asText()).isEqualTo("1.2.0");

        yank(app, stable2);
        assertThat(yaml(ok("/feeds/" + app + "/electron/latest.yml").body()).get("version").asText()).isEqualTo("1.1.0");
        assertThat(yaml(ok("/feeds/" + app + "/electron/beta.yml").body()).get("version").asText()).isEqualTo("1.2.0-beta.1");
        yank(app, beta);
        assertThat(yaml(ok("/feeds/" + app + "/electron/beta.yml").body()).get("version").asText()).isEqualTo("1.1.0");
    }

    @Test
    void strategiesThatNeedDeviceIdentityAreNotPublished() throws Exception {
        String app = server.createApp("electron", "Ident");
        long v1 = version(app, v("versionName", "1.1.0", "platform", "windows", "arch", "x64"));
        upload(app, v1, "install", "Ident-Setup-1.1.0.exe", bytes(1000, 30));
        strategy(app, v1, "");
        long v2 = version(app, v("versionName", "1.2.0", "platform", "windows", "arch", "x64"));
        upload(app, v2, "install", "Ident-Setup-1.2.0.exe", bytes(1000, 31));
        strategy(app, v2, "\"grayRules\":[{\"begin\":\"" + TestData.at(-3600) + "\",\"end\":\"" + TestData.at(3600)
                + "\",\"limit\":5}]");
        long v3 = version(app, v("versionName", "1.3.0", "platform", "windows", "arch", "x64"));
        upload(app, v3, "install", "Ident-Setup-1.3.0.exe", bytes(1000, 32));
        strategy(app, v3, "\"enabled\":false");
        long v4 = version(app, v("versionName", "1.4.0", "platform", "windows", "arch", "x64"));
        upload(app, v4, "install", "Ident-Setup-1.4.0.exe", bytes(1000, 33));
        strategy(app, v4, "\"begin\":\"" + TestData.at(3600) + "\"");
        assertThat(yaml(ok("/feeds/" + app + "/electron/latest.yml").body()).get("version").asText()).isEqualTo("1.1.0");
    }

    @Test
    void feedsAnswerHeadAndConditionalRequests() {
        String app = server.createApp("electron", "Cache");
        long v1 = version(app, v("versionName", "1.1.0", "platform", "windows", "arch", "x64"));
        upload(app, v1, "install", "Cache-Setup-1.1.0.exe", bytes(1000, 40));
        strategy(app, v1, "");
        String path = "/feeds/" + app + "/electron/latest.yml";
        HttpResponse<String> full = ok(path);
        String etag = full.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> again = get(path, "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        HttpResponse<String> head = TestServer.send(HttpRequest.newBuilder(URI.create(server.base() + path))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("ETag")).hasValue(etag);
        assertThat(head.headers().firstValueAsLong("Content-Length").orElse(-1))
                .isEqualTo(full.body().getBytes(StandardCharsets.UTF_8).length);
        assertThat(head.body()).isEmpty();
        // A change to what is published changes the tag.
        long v2 = version(app, v("versionName", "1.2.0", "platform", "windows", "arch", "x64"));
        upload(app, v2, "install", "Cache-Setup-1.2.0.exe", bytes(1000, 41));
        strategy(app, v2, "");
        assertThat(get(path, "If-None-Match", etag).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownAppsAppsOfAnotherKindAndUnknownChannelsAre404() {
        String tauri = server.createApp("tauri", "Other");
        String electron = server.createApp("electron", "Known");
        error404(get("/feeds/nope/electron/latest.yml"));
        error404(get("/feeds/nope/tauri/stable/latest.json"));
        error404(get("/feeds/" + tauri + "/electron/latest.yml"));
        error404(get("/feeds/" + electron + "/tauri/stable/latest.json"));
        error404(get("/feeds/" + electron + "/electron/betta.yml"));
        error404(get("/feeds/" + tauri + "/sparkle/stable/appcast.xml"));
        error404(get("/feeds/" + electron + "/velopack/releases.win.json"));
        error404(get("/feeds/nope/squirrel-win/stable/RELEASES"));
        error404(get("/feeds/nope/velopack/releases.win.json"));
        error404(get("/feeds/nope/sparkle/stable/appcast.xml"));
        error404(get("/feeds/nope/squirrel-mac/stable/x64/1.0.0"));
    }

    // ---- Squirrel.Mac ----------------------------------------------------------------------------------------

    @Test
    void squirrelMacAnswersTheZipWhenNewerAnd204Otherwise() throws Exception {
        String app = server.createApp("electron", "Sq");
        long v1 = version(app, v("versionName", "1.1.0", "platform", "darwin", "arch", "x64", "releaseNote", "Better"));
        byte[] zip = bytes(2000, 50);
        upload(app, v1, "update", "Sq-1.1.0-mac.zip", zip);
        strategy(app, v1, "");
        String base = "/feeds/" + app + "/squirrel-mac/stable/x64/";

        JsonNode b = TestServer.parse(ok(base + "1.0.0").body());
        assertThat(fieldNames(b)).containsExactly("url", "name", "notes", "pub_date");
        assertThat(b.get("name").asText()).isEqualTo("1.1.0");
        assertThat(b.get("notes").asText()).isEqualTo("Better");
        assertThat(OffsetDateTime.parse(b.get("pub_date").asText())).isNotNull();
        assertThat(download(b.get("url").asText())).isEqualTo(zip);
        assertThat(get(base + "1.1.0").statusCode()).isEqualTo(204);
        assertThat(get(base + "1.2.0").statusCode()).isEqualTo(204);
        assertThat(get("/feeds/" + app + "/squirrel-mac/stable/arm64/1.0.0").statusCode()).isEqualTo(204);
        assertThat(get(base + "not-a-version").statusCode()).isEqualTo(400);

        // A yanked newer version: its clients are moved back to the published one.
        long v2 = version(app, v("versionName", "1.2.0", "platform", "darwin", "arch", "x64"));
        upload(app, v2, "update", "Sq-1.2.0-mac.zip", bytes(2000, 51));
        strategy(app, v2, "");
        assertThat(TestServer.parse(ok(base + "1.1.0").body()).get("name").asText()).isEqualTo("1.2.0");
        yank(app, v2);
        assertThat(TestServer.parse(ok(base + "1.2.0").body()).get("name").asText()).isEqualTo("1.1.0");
        assertThat(get(base + "1.1.0").statusCode()).isEqualTo(204);
    }

    // ---- Squirrel.Windows and Velopack -----------------------------------------------------------------------

    private record Pkg(String name, byte[] bytes) {
    }

    @Test
    void squirrelWindowsReleasesAndVelopackAssetsListEveryPublishedPackage() throws Exception {
        String app = server.createApp("win", "MyApp");
        long v1 = version(app, v("versionName", "1.0.0", "versionCode", 100, "arch", "x64"));
        Pkg full1 = new Pkg("MyApp-1.0.0-full.nupkg", bytes(3000, 60));
        upload(app, v1, "install", full1.name(), full1.bytes());
        long v2 = version(app, v("versionName", "1.0.1", "versionCode", 101, "arch", "x64", "releaseNote", "**Fixed**"));
        Pkg full2 = new Pkg("MyApp-1.0.1-full.nupkg", bytes(3100, 61));
        Pkg delta2 = new Pkg("MyApp-1.0.1-delta.nupkg", bytes(300, 62));
        upload(app, v2, "install", full2.name(), full2.bytes());
        upload(app, v2, "update", delta2.name(), delta2.bytes());
        long partial = version(app, v("versionName", "1.0.2", "versionCode", 102, "arch", "x64"));
        upload(app, partial, "install", "MyApp-1.0.2-full.nupkg", bytes(3200, 63));
        long arm = version(app, v("versionName", "1.0.1", "versionCode", 101, "arch", "arm64"));
        upload(app, arm, "install", "MyApp-arm-1.0.1-full.nupkg", bytes(3300, 64));
        strategy(app, v1, "");
        strategy(app, v2, "");
        strategy(app, partial, "\"percentage\":10");
        strategy(app, arm, "");

        List<Pkg> expected = List.of(full1, delta2, full2);
        for (String path : List.of("/feeds/" + app + "/squirrel-win/stable/RELEASES",
                "/feeds/" + app + "/squirrel-win/latest/RELEASES?id=MyApp&localVersion=1.0.0&arch=amd64")) {
            HttpResponse<String> r = ok(path);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            List<String> lines = r.body().lines().toList();
            assertThat(lines).hasSize(3);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = RELEASES_LINE.matcher(lines.get(i));
                assertThat(m.matches()).as(lines.get(i)).isTrue();
                assertThat(m.group(1)).isEqualTo(hash("SHA-1", expected.get(i).bytes()).toUpperCase(Locale.ROOT));
                assertThat(m.group(2)).isEqualTo(expected.get(i).name());
                assertThat(Long.parseLong(m.group(3))).isEqualTo(expected.get(i).bytes().length);
                // Squirrel resolves the name against the feed's directory.
                assertThat(download(server.base() + "/feeds/" + app + "/squirrel-win/stable/" + m.group(2)))
                        .isEqualTo(expected.get(i).bytes());
            }
        }
        assertThat(ok("/feeds/" + app + "/squirrel-win/stable/RELEASES?arch=arm64").body())
                .contains("MyApp-arm-1.0.1-full.nupkg").doesNotContain("MyApp-1.0.0");
        error404(get("/feeds/" + app + "/squirrel-win/stable/Other-1.0.0-full.nupkg"));

        JsonNode feed = TestServer.parse(ok("/feeds/" + app + "/velopack/releases.win.json?arch=x64").body());
        assertThat(fieldNames(feed)).containsExactly("Assets");
        JsonNode assets = feed.get("Assets");
        assertThat(assets).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode a = assets.get(i);
            Pkg p = expected.get(i);
            assertThat(fieldNames(a)).containsExactly("PackageId", "Version", "Type", "FileName", "SHA1", "SHA256",
                    "Size", "NotesMarkdown");
            assertThat(a.get("PackageId").asText()).isEqualTo("MyApp");
            assertThat(a.get("Version").asText()).isEqualTo(i == 0 ? "1.0.0" : "1.0.1");
            assertThat(a.get("Type").asText()).isEqualTo(p.name().endsWith("-delta.nupkg") ? "Delta" : "Full");
            assertThat(a.get("FileName").asText()).isEqualTo(p.name());
            assertThat(a.get("SHA1").asText()).isEqualToIgnoringCase(hash("SHA-1", p.bytes()));
            assertThat(a.get("SHA256").asText()).isEqualToIgnoringCase(hash("SHA-256", p.bytes()));
            assertThat(a.get("Size").asLong()).isEqualTo(p.bytes().length);
            assertThat(download(server.base() + "/feeds/" + app + "/velopack/" + p.name())).isEqualTo(p.bytes());
        }
        assertThat(assets.get(2).get("NotesMarkdown").asText()).isEqualTo("**Fixed**");
        assertThat(TestServer.parse(ok("/feeds/" + app + "/velopack/releases.osx.json").body()).get("Assets")).isEmpty();
        error404(get("/feeds/" + app + "/velopack/releases.win-betta.json"));

        // Velopack sends a staging id, so a partial strategy reaches the share of installations it names.
        int reached = 0;
        for (int i = 0; i < 200; i++) {
            String id = java.util.UUID.nameUUIDFromBytes(("install-" + i).getBytes(StandardCharsets.UTF_8)).toString();
            JsonNode a = TestServer.parse(ok("/feeds/" + app + "/velopack/releases.win.json?arch=x64&stagingId=" + id)
                    .body()).get("Assets");
            if (a.size() == 4) {
                assertThat(a.get(3).get("Version").asText()).isEqualTo("1.0.2");
                reached++;
            }
        }
        assertThat(reached).isBetween(5, 45);

        yank(app, v2);
        assertThat(ok("/feeds/" + app + "/squirrel-win/stable/RELEASES").body().lines().toList())
                .singleElement().asString().contains(full1.name());
        assertThat(TestServer.parse(ok("/feeds/" + app + "/velopack/releases.win.json?arch=x64").body()).get("Assets"))
                .hasSize(1);
    }

    // ---- Sparkle ---------------------------------------------------------------------------------------------

    @Test
    void sparkleAppcastHasOneItemPerPublishedVersionWithSparkleElements() throws Exception {
        String app = server.createApp("mac", "Mapp");
        long v1 = version(app, v("versionName", "2.0", "versionCode", 200, "arch", "x64"));
        byte[] zip1 = bytes(4000, 70);
        upload(app, v1, "update", "Mapp-2.0.zip", zip1, "X-Sparkle-Signature", "ZWQtc2lnLTE=");
        long v2 = version(app, v("versionName", "2.1", "versionCode", 210, "arch", "x64", "minSystemVersion", "12.0",
                "releaseNote", "<b>bold</b> & more"));
        byte[] dmg2 = bytes(5000, 71);
        upload(app, v2, "install", "Mapp-2.1.dmg", dmg2);
        long v3 = version(app, v("versionName", "2.2-beta", "versionCode", 220, "arch", "x64"));
        upload(app, v3, "update", "Mapp-2.2.zip", bytes(100, 72));
        strategy(app, v1, "");
        strategy(app, v2, "\"upgradeType\":3,\"percentage\":50,\"promptText\":\"\"");
        strategy(app, v3, "\"channel\":\"beta\"");

        HttpResponse<String> r = ok("/feeds/" + app + "/sparkle/stable/appcast.xml");
        assertThat(r.headers().firstValue("Content-Type").orElse("")).contains("xml");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document doc = f.newDocumentBuilder().parse(new ByteArrayInputStream(r.body().getBytes(StandardCharsets.UTF_8)));
        Element rss = doc.getDocumentElement();
        assertThat(rss.getLocalName()).isEqualTo("rss");
        assertThat(rss.getAttribute("version")).isEqualTo("2.0");
        Element channel = only(rss, null, "channel");
        assertThat(only(channel, null, "title").getTextContent()).isEqualTo("Mapp");
        List<Element> items = children(channel, null, "item");
        assertThat(items).hasSize(2); // the beta item is not on the stable appcast

        Element i2 = items.get(0);
        assertThat(only(i2, null, "title").getTextContent()).isEqualTo("Version 2.1");
        ZonedDateTime pub = ZonedDateTime.parse(only(i2, null, "pubDate").getTextContent(), DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(pub.toInstant()).isBefore(Instant.now().plusSeconds(1));
        assertThat(only(i2, null, "pubDate").getTextContent()).matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000");
        assertThat(only(i2, SPARKLE, "version").getTextContent()).isEqualTo("210");
        assertThat(only(i2, SPARKLE, "shortVersionString").getTextContent()).isEqualTo("2.1");
        assertThat(children(i2, SPARKLE, "channel")).isEmpty();
        assertThat(only(i2, SPARKLE, "minimumSystemVersion").getTextContent()).isEqualTo("12.0");
        assertThat(children(i2, SPARKLE, "criticalUpdate")).hasSize(1);
        assertThat(only(i2, SPARKLE, "phasedRolloutInterval").getTextContent()).isEqualTo("86400");
        assertThat(only(i2, null, "description").getTextContent()).isEqualTo("<b>bold</b> & more");
        Element enc2 = only(i2, null, "enclosure");
        assertThat(enc2.getAttribute("length")).isEqualTo(Integer.toString(dmg2.length));
        assertThat(enc2.getAttribute("type")).isEqualTo("application/octet-stream");
        assertThat(enc2.hasAttributeNS(SPARKLE, "edSignature")).isFalse();
        assertThat(download(enc2.getAttribute("url"))).isEqualTo(dmg2);

        Element i1 = items.get(1);
        assertThat(only(i1, SPARKLE, "version").getTextContent()).isEqualTo("200");
        assertThat(children(i1, SPARKLE, "criticalUpdate")).isEmpty();
        assertThat(children(i1, SPARKLE, "phasedRolloutInterval")).isEmpty();
        assertThat(children(i1, SPARKLE, "minimumSystemVersion")).isEmpty();
        Element enc1 = only(i1, null, "enclosure");
        assertThat(enc1.getAttributeNS(SPARKLE, "edSignature")).isEqualTo("ZWQtc2lnLTE=");
        assertThat(download(enc1.getAttribute("url"))).isEqualTo(zip1);

        // The beta appcast adds the beta item, tagged with its channel.
        Document beta = f.newDocumentBuilder().parse(new ByteArrayInputStream(
                ok("/feeds/" + app + "/sparkle/beta/appcast.xml").body().getBytes(StandardCharsets.UTF_8)));
        List<Element> betaItems = children(only(beta.getDocumentElement(), null, "channel"), null, "item");
        assertThat(betaItems).hasSize(3);
        assertThat(only(betaItems.get(0), SPARKLE, "channel").getTextContent()).isEqualTo("beta");
        assertThat(only(betaItems.get(0), SPARKLE, "shortVersionString").getTextContent()).isEqualTo("2.2-beta");

        yank(app, v2);
        Document afterYank = f.newDocumentBuilder().parse(new ByteArrayInputStream(
                ok("/feeds/" + app + "/sparkle/stable/appcast.xml").body().getBytes(StandardCharsets.UTF_8)));
        List<Element> left = children(only(afterYank.getDocumentElement(), null, "channel"), null, "item");
        assertThat(left).hasSize(1);
        assertThat(only(left.get(0), SPARKLE, "version").getTextContent()).isEqualTo("200");
    }

    @Test
    void sparkleVersionOfSemVerAppsIsTheVersionString() throws Exception {
        String app = server.createApp("electron", "Esp");
        long v1 = version(app, v("versionName", "3.1.0", "platform", "darwin", "arch", "arm64"));
        upload(app, v1, "update", "Esp-3.1.0-arm64-mac.zip", bytes(100, 80));
        strategy(app, v1, "");
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        Document x64 = f.newDocumentBuilder().parse(new ByteArrayInputStream(
                ok("/feeds/" + app + "/sparkle/stable/appcast.xml").body().getBytes(StandardCharsets.UTF_8)));
        assertThat(children(only(x64.getDocumentElement(), null, "channel"), null, "item")).isEmpty();
        Document arm = f.newDocumentBuilder().parse(new ByteArrayInputStream(
                ok("/feeds/" + app + "/sparkle/stable/arm64/appcast.xml").body().getBytes(StandardCharsets.UTF_8)));
        Element item = only(only(arm.getDocumentElement(), null, "channel"), null, "item");
        assertThat(only(item, SPARKLE, "version").getTextContent()).isEqualTo("3.1.0");
        assertThat(only(item, SPARKLE, "shortVersionString").getTextContent()).isEqualTo("3.1.0");
    }

    private static List<Element> children(Element parent, String ns, String localName) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node n = nodes.item(i);
            if (n instanceof Element e && localName.equals(e.getLocalName())
                    && (ns == null ? e.getNamespaceURI() == null : ns.equals(e.getNamespaceURI()))) {
                out.add(e);
            }
        }
        return out;
    }

    private static Element only(Element parent, String ns, String localName) {
        List<Element> list = children(parent, ns, localName);
        assertThat(list).as(localName + " in " + parent.getLocalName()).hasSize(1);
        return list.get(0);
    }
}
