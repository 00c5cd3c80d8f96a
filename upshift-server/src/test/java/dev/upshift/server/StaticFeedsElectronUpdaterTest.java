package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
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

/**
 * The static electron feed ({@code /feeds/<appKey>/electron} as a generic-provider base URL, no query) checked by the
 * real npm {@code electron-updater} through {@code src/test/node/electron-updater-check/check.js} (see
 * {@link ElectronUpdaterClientTest}): the library picks the channel file, parses our YAML, decides (including its
 * own {@code stagingPercentage} check), resolves the file URLs and downloads them through its SHA-512-verifying path.
 *
 * <p>Needs Node 20+ and {@code npm ci --prefix upshift-server/src/test/node/electron-updater-check}.
 */
class StaticFeedsElectronUpdaterTest {
    @TempDir
    Path dir;
    TestServer server;
    String app;

    @BeforeEach
    void start() {
        ElectronUpdaterClientTest.nodeProject();
        server = TestServer.start(TestDatabase.SQLITE, dir);
        app = server.createApp("electron", "Stat");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    record NodeRun(int exitCode, JsonNode out, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    NodeRun check(String... args) throws IOException, InterruptedException {
        Path project = ElectronUpdaterClientTest.nodeProject();
        List<String> command = new ArrayList<>(List.of("node", "check.js", server.base() + "/feeds/" + app + "/electron",
                "no-access-key-needed"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "node-", ".out");
        Path err = Files.createTempFile(dir, "node-", ".err");
        Process p = new ProcessBuilder(command).directory(project.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(ElectronUpdaterClientTest.NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("node check.js did not finish\n--- stderr\n" + Files.readString(err));
        }
        String stdout = Files.readString(out);
        return new NodeRun(p.exitValue(), TestServer.parse(stdout), stdout, Files.readString(err));
    }

    private byte[] publish(String version, String platform, String arch, String role, String fileName, String strategy) {
        long id = server.createVersion(app, "{\"versionName\":\"" + version + "\",\"platform\":\"" + platform
                + "\",\"arch\":\"" + arch + "\"}").get("id").asLong();
        byte[] file = new byte[150 * 1024];
        new Random(fileName.hashCode()).nextBytes(file);
        server.upload(app, id, role, fileName, file);
        server.adminOk("POST", "/api/admin/v1/apps/" + app + "/strategies",
                "{\"versionId\":" + id + (strategy.isEmpty() ? "" : "," + strategy) + "}", 201);
        return file;
    }


    @Test
    void electronUpdaterResolvesTheStaticFeedAndVerifiesTheDownload() throws Exception {
        byte[] setup = publish("1.1.0", "windows", "x64", "install", "Stat-Setup-1.1.0.exe", "");

        NodeRun run = check("--current-version", "1.0.0", "--platform", "win32", "--arch", "x64");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("channelFile").asText()).isEqualTo("latest.yml");
        assertThat(URI.create(r.get("channelUrl").asText()).getRawPath()).isEqualTo("/feeds/" + app + "/electron/latest.yml");
        assertThat(r.get("isUpdateAvailable").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("version").asText()).isEqualTo("1.1.0");
        assertThat(r.get("files")).hasSize(1);
        assertThat(r.get("files").get(0).get("sha512").asText()).isEqualTo(TestData.sha512Base64(setup));
        assertThat(URI.create(r.get("files").get(0).get("url").asText()).getRawPath()).endsWith("/Stat-Setup-1.1.0.exe");
        assertThat(r.get("downloads").get(0).get("libraryVerified").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("downloads").get(0).get("verified").asBoolean()).isTrue();
    }

    @Test
    void electronUpdaterReadsBetaAndLinuxArchChannelFiles() throws Exception {
        publish("1.1.0", "linux", "arm64", "update", "Stat-1.1.0-arm64.AppImage", "");
        byte[] beta = publish("1.2.0-beta.1", "linux", "arm64", "update", "Stat-1.2.0-beta.1-arm64.AppImage",
                "\"channel\":\"beta\"");

        NodeRun run = check("--current-version", "1.1.0", "--platform", "linux", "--arch", "arm64", "--channel", "beta");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode r = run.out();
        assertThat(r.get("channelFile").asText()).isEqualTo("beta-linux-arm64.yml");
        assertThat(r.get("isUpdateAvailable").asBoolean()).as(run.toString()).isTrue();
        assertThat(r.get("version").asText()).isEqualTo("1.2.0-beta.1");
        assertThat(r.get("files").get(0).get("sha512").asText()).isEqualTo(TestData.sha512Base64(beta));
        assertThat(r.get("downloads").get(0).get("libraryVerified").asBoolean()).as(run.toString()).isTrue();
    }

    @Test
    void electronUpdaterAppliesTheStagingPercentageItself() throws Exception {
        publish("1.1.0", "windows", "x64", "install", "Stat-Setup-1.1.0.exe", "\"percentage\":50");
        // electron-updater's bucket is the last 4 bytes of the staging id as a fraction of 0xffffffff.
        NodeRun inside = check("--current-version", "1.0.0", "--platform", "win32", "--arch", "x64",
                "--staging-id", "5c0fe2a2-6a3f-5f6e-9a63-0b1d00000010");
        NodeRun outside = check("--current-version", "1.0.0", "--platform", "win32", "--arch", "x64",
                "--staging-id", "5c0fe2a2-6a3f-5f6e-9a63-0b1dfffffff0");

        assertThat(inside.exitCode()).as(inside.toString()).isZero();
        assertThat(inside.out().get("updateInfo").get("stagingPercentage").asInt()).isEqualTo(50);
        assertThat(inside.out().get("isUpdateAvailable").asBoolean()).as(inside.toString()).isTrue();
        assertThat(outside.exitCode()).as(outside.toString()).isZero();
        assertThat(outside.out().get("isUpdateAvailable").asBoolean()).as(outside.toString()).isFalse();
    }
}
