package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.server.cli.UpshiftCommand;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code upshift} command line, run in-process against a real server (SQLite). */
class CliTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(TestDatabase.SQLITE, dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** What one command printed, and its exit code. */
    record Run(int exit, String out, String err) {
        JsonNode json() {
            return TestServer.parse(out);
        }

        /**
         * What the command itself wrote to stderr: its lines, without the in-process server's log lines, which
         * share System.err in this test.
         */
        String message() {
            return err.lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"))
                    .collect(java.util.stream.Collectors.joining("\n"));
        }
    }

    private static Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        return runRaw(all.toArray(String[]::new));
    }

    /** Runs a command against the test server with the admin token. */
    private static Run admin(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", server.base(), "--token", TestServer.ADMIN_TOKEN));
        return runRaw(all.toArray(String[]::new));
    }

    private static synchronized Run runRaw(String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new UpshiftCommand()).execute(args);
        } finally {
            System.out.flush();
            System.err.flush();
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void serveGetsALighterCommandLineThatReadsTheSame() {
        CommandLine full = new CommandLine(new UpshiftCommand());
        CommandLine serveOnly = UpshiftCommand.commandLine(new String[]{"serve", "--port", "0"});
        assertThat(serveOnly.getSubcommands().keySet()).containsExactly("serve");
        assertThat(serveOnly.getSubcommands().get("serve").getUsageMessage())
                .isEqualTo(full.getSubcommands().get("serve").getUsageMessage()).contains("Usage: upshift serve");
        assertThat(serveOnly.getCommandSpec().version()).isEqualTo(full.getCommandSpec().version());
        assertThat(UpshiftCommand.commandLine(new String[]{"key", "list"}).getSubcommands()).containsKey("key");
    }

    @Test
    void theHiddenTrainingRunStartsAThrowawayServerTwiceAndLeavesNothingBehind() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> before;
        try (var s = Files.list(tmp)) {
            before = s.filter(p -> p.getFileName().toString().startsWith("upshift-training")).toList();
        }
        Run r = run("training-run");
        assertThat(r.exit()).as(r.message()).isZero();
        // Two rounds (first start, then a restart on the data the first left), each asking for both pages.
        assertThat(r.err().lines().filter(l -> l.startsWith("training run: GET /health/ready 200"))).hasSize(2);
        assertThat(r.err().lines().filter(l -> l.startsWith("training run: GET /console/setup 200"))).hasSize(2);
        try (var s = Files.list(tmp)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("upshift-training")).toList())
                    .containsExactlyInAnyOrderElementsOf(before);
        }
        assertThat(run("--help").out()).doesNotContain("training-run");
    }

    @Test
    void keyCreatePrintsTheNewKeyWithItsSecret() {
        Run r = admin("key", "create", "--description", "x");
        assertThat(r.exit()).as(r.message()).isZero();
        JsonNode key = r.json();
        assertThat(key.get("accessKey").asText()).matches("[A-Za-z0-9_-]{22}");
        assertThat(key.get("secretKey").asText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(key.get("description").asText()).isEqualTo("x");
        assertThat(server.adminOk("GET", "/api/admin/v1/access-keys/" + key.get("accessKey").asText(), null, 200)
                .get("description").asText()).isEqualTo("x");

        Run list = admin("key", "list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains(key.get("accessKey").asText()).doesNotContain(key.get("secretKey").asText());
    }

    @Test
    void appCreateThenVersionAddWithAFileUploadsItAndPrintsItsSha256() throws IOException {
        Run app = admin("app", "create", "--kind", "win", "--name", "Demo");
        assertThat(app.exit()).as(app.message()).isZero();
        JsonNode created = app.json();
        String appKey = created.get("key").asText();
        assertThat(appKey).matches("[A-Za-z0-9_-]{22}");
        assertThat(created.get("kind").asText()).isEqualTo("win");
        assertThat(created.get("name").asText()).isEqualTo("Demo");

        byte[] bytes = new byte[20_000];
        new Random(41).nextBytes(bytes);
        Path file = Files.createTempFile(dir, "Demo-", ".exe");
        Files.write(file, bytes);

        Run version = admin("version", "add", "--app", appKey, "--name", "v1", "--code", "1", "--arch", "x64",
                "--file", file.toString());
        assertThat(version.exit()).as(version.message()).isZero();
        JsonNode v = version.json();
        assertThat(v.get("versionName").asText()).isEqualTo("v1");
        assertThat(v.get("versionCode").asLong()).isEqualTo(1);
        assertThat(v.get("arch").asText()).isEqualTo("x64");
        assertThat(v.get("artifacts")).hasSize(1);
        JsonNode artifact = v.get("artifacts").get(0);
        assertThat(artifact.get("sha256").asText()).isEqualTo(AdminApiTest.hex("SHA-256", bytes));
        assertThat(artifact.get("size").asLong()).isEqualTo(bytes.length);
        assertThat(artifact.get("fileName").asText()).isEqualTo(file.getFileName().toString());

        JsonNode stored = server.adminOk("GET", "/api/admin/v1/apps/" + appKey + "/versions/" + v.get("id").asLong(),
                null, 200);
        assertThat(stored.get("artifacts").get(0).get("sha256").asText()).isEqualTo(AdminApiTest.hex("SHA-256", bytes));
    }

    @Test
    void aBadKindExitsWithOneAndAReadableMessage() {
        Run r = admin("app", "create", "--kind", "bogus", "--name", "Demo");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.message()).startsWith("upshift: ").contains("'bogus'", "win", "tauri", "invalid_request")
                .doesNotContain("Exception").doesNotContain("\n");
    }

    @Test
    void versionAddForAnUnknownAppExitsWithOne() {
        Run r = admin("version", "add", "--app", "no-such-app", "--name", "v1", "--code", "1", "--arch", "x64");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.message()).startsWith("upshift: ").contains("no-such-app", "not_found");
    }

    @Test
    void aWrongTokenExitsWithOneAndSaysUnauthorized() {
        Run r = run("app", "list", "--server", server.base(), "--token", "not-the-token-0123456789");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.message()).startsWith("upshift: ").contains("unauthorized", "401");
    }

    @Test
    void anUnreachableServerExitsWithOneAndSaysCannotReach() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String base = "http://127.0.0.1:" + closedPort;
        Run r = run("app", "list", "--server", base, "--token", TestServer.ADMIN_TOKEN);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.message()).startsWith("upshift: ").contains("Cannot reach", base).doesNotContain("\n");
    }

    @Test
    void releasePublishPublishesATauriBundleFolderWithOneCommand() throws IOException {
        dev.upshift.server.publish.MinisignTestSigner signer = new dev.upshift.server.publish.MinisignTestSigner();
        String app = server.createApp("tauri", "Bundle");
        Run keyed = admin("app", "update", "--app", app, "--tauri-public-key", signer.tauriPublicKey());
        assertThat(keyed.exit()).as(keyed.message()).isZero();
        assertThat(keyed.json().get("tauriPublicKey").asText()).isEqualTo(signer.tauriPublicKey());
        Path bundle = Files.createTempDirectory(dir, "bundle");
        Files.createDirectories(bundle.resolve("appimage"));
        Files.createDirectories(bundle.resolve("deb"));
        byte[] appImage = TestData.bytes(70_000, 31);
        byte[] deb = TestData.bytes(50_000, 32);
        Files.write(bundle.resolve("appimage/bundle_1.3.0_amd64.AppImage"), appImage);
        Files.writeString(bundle.resolve("appimage/bundle_1.3.0_amd64.AppImage.sig"), signer.tauriSignature(appImage, true));
        Files.write(bundle.resolve("deb/bundle_1.3.0_amd64.deb"), deb);
        Files.writeString(bundle.resolve("deb/bundle_1.3.0_amd64.deb.sig"), signer.tauriSignature(deb, true));
        Files.writeString(bundle.resolve("deb/README.txt"), "not a bundle");

        Run r = admin("release", "publish", "--app", app, "--percentage", "50", bundle.toString());

        assertThat(r.exit()).as(r.message()).isZero();
        assertThat(r.out()).contains("uploaded bundle_1.3.0_amd64.AppImage").contains("uploaded bundle_1.3.0_amd64.deb")
                .contains("published 1.3.0 linux/x86_64").contains("2 file(s)");
        JsonNode versions = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions", null, 200).get("items");
        assertThat(versions).hasSize(1);
        assertThat(versions.get(0).get("artifacts")).hasSize(2);
        JsonNode strategy = server.adminOk("GET", "/api/admin/v1/apps/" + app + "/strategies", null, 200).get("items").get(0);
        assertThat(strategy.get("percentage").asText()).isEqualTo("50");

        Run again = admin("release", "publish", "--app", app, bundle.toString());
        assertThat(again.exit()).as(again.message()).isZero();
        assertThat(again.out()).contains("already published 1.3.0 linux/x86_64");

        Files.writeString(bundle.resolve("deb/bundle_1.3.0_amd64.deb.sig"), signer.tauriSignature(appImage, true));
        Run tampered = admin("release", "publish", "--app", app, bundle.toString());
        assertThat(tampered.exit()).isEqualTo(1);
        assertThat(tampered.message()).contains("Tauri updater signature check failed");
    }

    @Test
    void releasePublishOfAFolderWithoutBuildOutputSaysWhatItLooksFor() throws IOException {
        String app = server.createApp("electron", "Empty");
        Path empty = Files.createTempDirectory(dir, "empty");
        Run r = admin("release", "publish", "--app", app, empty.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.message()).contains("No electron-builder channel file").contains("dist/");
    }
}
