package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The electron feed ({@code /v1/electron/upgrade/<channel file>}) checked by the real npm {@code electron-updater}:
 * {@code src/test/node/electron-updater-check/check.js} runs the library's AppUpdater, GenericProvider, YAML parsing,
 * update decision and file resolution under Node without Electron, downloads the resolved file both through the
 * library (which verifies the SHA-512) and with plain Node http, and prints what it saw as JSON.
 *
 * <p>Needs Node 20+ on the PATH and the project's dependencies: {@code npm ci --prefix
 * upshift-server/src/test/node/electron-updater-check}. Without them the tests fail; they never skip.
 */
class ElectronUpdaterClientTest {
    static final String NODE_PROJECT = "src/test/node/electron-updater-check";
    static final String INSTALL_HINT = "run `npm ci --prefix upshift-server/" + NODE_PROJECT + "` (Node 20+) first";
    static final long NODE_TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;
    TestServer server;
    TestServer.Key key;
    String app;

    @BeforeEach
    void start() {
        nodeProject();
        server = TestServer.start(TestDatabase.SQLITE, dir);
        key = server.createKey();
        app = server.createApp("electron", "Desk");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    /** The node project next to this module's test sources, checked to have its dependencies installed. */
    static Path nodeProject() {
        Path project = moduleDir().resolve(NODE_PROJECT);
        if (!Files.isRegularFile(project.resolve("check.js"))) {
            fail("electron-updater check script not found at " + project.resolve("check.js"));
        }
        if (!Files.isRegularFile(project.resolve("node_modules/electron-updater/package.json"))) {
            fail("electron-updater is not installed in " + project.resolve("node_modules") + "; " + INSTALL_HINT);
        }
        return project;
    }

    /** upshift-server/: from where this class was compiled to (target/test-classes), else the working directory. */
    private static Path moduleDir() {
        try {
            Path classes = Path.of(ElectronUpdaterClientTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path module = classes.getParent() == null ? null : classes.getParent().getParent();
            if (module != null && Files.isRegularFile(module.resolve("pom.xml"))) {
                return module;
            }
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // fall through to the working directory, which is the module directory under surefire
        }
        Path cwd = Path.of("").toAbsolutePath();
        return Files.isDirectory(cwd.resolve("upshift-server")) ? cwd.resolve("upshift-server") : cwd;
    }

    record NodeRun(int exitCode, JsonNode out, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    /** {@code node check.js <feedUrl> <accessKey> [extra...]}, with a timeout, its stdout parsed as JSON. */
    NodeRun check(String feedUrl, String accessKey, String... extra) throws IOException, InterruptedException {
        Path project = nodeProject();
        List<String> command = new ArrayList<>(List.of("node", "check.js", feedUrl, accessKey));
        command.addAll(List.of(extra));
        Path out = Files.createTempFile(dir, "node-", ".out");
        Path err = Files.createTempFile(dir, "node-", ".err");
        Process p;
        try {
            p = new ProcessBuilder(command).directory(project.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run `node` (Node 20+ must be on the PATH); " + INSTALL_HINT, e);
        }
        if (!p.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("node check.js did not finish in " + NODE_TIMEOUT_SECONDS + " s\n--- stderr\n" + Files.readString(err));
        }
        String stdout = Files.readString(out);
        String stderr = Files.readString(err);
        JsonNode json;
        try {
            json = TestServer.parse(stdout);
        } catch (AssertionError e) {
            throw new AssertionError("check.js printed no JSON: exit " + p.exitValue() + "\n--- stdout\n" + stdout
                    + "\n--- stderr\n" + stderr, e);
        }
        return new NodeRun(p.exitValue(), json, stdout, stderr);
    }

    String feedUrl(String versionName, String platform, String arch) {
        return server.base() + "/v1/electron/upgrade?electronKey=" + URLEncoder.encode(app, StandardCharsets.UTF_8)
                + "&versionName=" + versionName + "&platform=" + platform + "&arch=" + arch;
    }

    /** Versions 1.0.0 and 1.1.0 for platform/arch, a random 200 KB update file on 1.1.0, and a strategy offering it. */
    record Release(long versionId, byte[] file) {
    }

    Release publish(String platform, String arch, String fileName, long seed) {
        server.createVersion(app, "{\"versionName\":\"1.0.0\",\"platform\":\"" + platform + "\",\"arch\":\"" + arch + "\"}");
        long id = server.createVersion(app, "{\"versionName\":\"1.1.0\",\"platform\":\"" + platform + "\",\"arch\":\""
                + arch + "\"}").get("id").asLong();
        byte[] file = new byte[200 * 1024];
        new Random(seed).nextBytes(file);
        server.upload(app, id, "update", fileName, file);
        server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + id + ",\"upgradeType\":1,\"promptText\":\"New!\"}", 201);
        return new Release(id, file);
    }


    @Test
    void electronUpdaterPicksTheNewVersionFromLatestYmlAndVerifiesItsSha512() throws Exception {
        Release release = publish("windows", "x64", "App-Setup-1.1.0.exe", 11);
        String expectedSha512 = TestData.sha512Base64(release.file());
        String feed = feedUrl("1.0.0", "win32", "x64");

        NodeRun run = check(feed, key.accessKey());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("ok").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("provider").asText()).isEqualTo("GenericProvider");
        assertThat(r.get("electronUpdaterVersion").asText()).startsWith("6.");

        // electron-updater asked for latest.yml under the feed path, keeping the feed's query, with our headers.
        assertThat(r.get("channelFile").asText()).isEqualTo("latest.yml");
        URI channelUrl = URI.create(r.get("channelUrl").asText());
        assertThat(channelUrl.getRawPath()).isEqualTo("/v1/electron/upgrade/latest.yml");
        assertThat(channelUrl.getRawQuery()).isEqualTo(URI.create(feed).getRawQuery());
        JsonNode headers = r.get("requests").get(0).get("headers");
        assertThat(headers.get("X-AccessKey").asText()).isEqualTo(key.accessKey());
        assertThat(headers.get("x-user-staging-id").asText()).isEqualTo(r.get("stagingUserId").asText())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

        // Its update decision and its parse of our body.
        assertThat(r.get("isUpdateAvailable").asBoolean()).isTrue();
        assertThat(r.get("version").asText()).isEqualTo("1.1.0");
        assertThat(r.get("upgradeType").asInt()).isEqualTo(1);
        assertThat(r.get("promptUpgradeContent").asText()).isEqualTo("New!");
        assertThat(r.get("files")).hasSize(1);
        JsonNode file = r.get("files").get(0);
        assertThat(file.get("sha512").asText()).isEqualTo(expectedSha512);
        assertThat(file.get("size").asLong()).isEqualTo(release.file().length);
        URI fileUrl = URI.create(file.get("url").asText());
        assertThat(fileUrl.getRawPath()).isEqualTo("/v1/electron/files/" + release.versionId() + "/update/App-Setup-1.1.0.exe");
        // electron-updater replaced the file URL's own query with the feed's query; the file route still works.
        assertThat(fileUrl.getRawQuery()).isEqualTo(URI.create(feed).getRawQuery());
        assertThat(r.get("selectedFile").asText()).isEqualTo(file.get("url").asText());

        // Downloaded through electron-updater's own checksum-verifying path and with plain Node http.
        JsonNode download = r.get("downloads").get(0);
        assertThat(download.get("libraryVerified").asBoolean()).as(download.toString()).isTrue();
        assertThat(download.get("librarySize").asLong()).isEqualTo(release.file().length);
        assertThat(download.get("status").asInt()).isEqualTo(200);
        assertThat(download.get("size").asLong()).isEqualTo(release.file().length);
        assertThat(download.get("sha512").asText()).isEqualTo(expectedSha512);
        assertThat(download.get("verified").asBoolean()).isTrue();
    }

    @Test
    void electronUpdaterOnTheNewVersionReportsNoUpdate() throws Exception {
        publish("windows", "x64", "App-Setup-1.1.0.exe", 12);

        NodeRun run = check(feedUrl("1.1.0", "win32", "x64"), key.accessKey());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("ok").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("channelFile").asText()).isEqualTo("latest.yml");
        assertThat(r.get("isUpdateAvailable").asBoolean()).as(run.toString()).isFalse();
        assertThat(r.get("version").asText()).isEqualTo("1.1.0");
        assertThat(r.get("files")).isEmpty();
        assertThat(r.has("downloads")).isFalse();
        // Only the channel file was fetched.
        assertThat(r.get("requests")).hasSize(1);
    }

    @ParameterizedTest
    @CsvSource({
        "darwin, darwin, x64,   latest-mac.yml,         App-1.1.0-mac.zip",
        "darwin, darwin, arm64, latest-mac.yml,         App-1.1.0-arm64-mac.zip",
        "linux,  linux,  x64,   latest-linux.yml,       App-1.1.0.AppImage",
        "linux,  linux,  arm64, latest-linux-arm64.yml, App-1.1.0-arm64.AppImage",
    })
    void electronUpdaterUsesThePlatformChannelFile(String clientPlatform, String platform, String arch,
                                                   String channelFile, String fileName) throws Exception {
        Release release = publish(platform, arch, fileName, 13);

        NodeRun run = check(feedUrl("1.0.0", clientPlatform, arch), key.accessKey());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("channelFile").asText()).isEqualTo(channelFile);
        assertThat(URI.create(r.get("channelUrl").asText()).getRawPath()).isEqualTo("/v1/electron/upgrade/" + channelFile);
        assertThat(r.get("isUpdateAvailable").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("version").asText()).isEqualTo("1.1.0");
        assertThat(r.get("files")).hasSize(1);
        assertThat(URI.create(r.get("files").get(0).get("url").asText()).getRawPath())
                .isEqualTo("/v1/electron/files/" + release.versionId() + "/update/" + fileName);
        assertThat(r.get("files").get(0).get("sha512").asText()).isEqualTo(TestData.sha512Base64(release.file()));
        assertThat(r.get("downloads").get(0).get("libraryVerified").asBoolean()).isTrue();
        assertThat(r.get("downloads").get(0).get("verified").asBoolean()).isTrue();
    }

    /**
     * The whole path a new user takes: electron-builder's dist/ folder (an NSIS installer, its block map and
     * latest.yml) published with one command, then resolved, downloaded and SHA-512-verified by electron-updater.
     */
    @Test
    void aDistFolderPublishedWithOneCommandIsResolvedAndVerifiedByElectronUpdater() throws Exception {
        Path dist = Files.createDirectories(dir.resolve("dist"));
        byte[] installer = new byte[300 * 1024];
        new Random(77).nextBytes(installer);
        Files.write(dist.resolve("Desk Setup 1.2.0.exe"), installer);
        Files.writeString(dist.resolve("Desk Setup 1.2.0.exe.blockmap"), "{\"version\":\"2\",\"files\":[]}");
        Files.writeString(dist.resolve("latest.yml"), "version: 1.2.0\nfiles:\n  - url: Desk-Setup-1.2.0.exe\n"
                .replace("Desk-Setup-1.2.0.exe", "Desk Setup 1.2.0.exe") + "    sha512: " + TestData.sha512Base64(installer)
                + "\n    size: " + installer.length + "\npath: Desk Setup 1.2.0.exe\nsha512: " + TestData.sha512Base64(installer)
                + "\nreleaseDate: '2026-11-20T10:00:00.000Z'\n");
        Files.writeString(dist.resolve("builder-debug.yml"), "x: 1\n");

        int exit = new picocli.CommandLine(new dev.upshift.server.cli.UpshiftCommand()).execute("release", "publish",
                "--server", server.base(), "--token", TestServer.ADMIN_TOKEN, "--app", app, dist.toString());
        assertThat(exit).isZero();

        NodeRun run = check(feedUrl("1.0.0", "win32", "x64"), key.accessKey());
        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("ok").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("isUpdateAvailable").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("version").asText()).isEqualTo("1.2.0");
        JsonNode download = r.get("downloads").get(0);
        assertThat(download.get("libraryVerified").asBoolean()).as(download.toString()).isTrue();
        assertThat(download.get("sha512").asText()).isEqualTo(TestData.sha512Base64(installer));
    }
}
