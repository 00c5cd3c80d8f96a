package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.upshift.server.artifacts.LocalArtifactStore;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.cli.UpshiftCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import picocli.CommandLine;

/** {@code upshift artifacts gc} and {@code upshift artifacts verify} on the local store, beside a running server. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ArtifactMaintenanceTest {
    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;
    String app;
    long version;
    byte[] bytes;
    String sha256;

    @BeforeEach
    void start() {
        server = TestServer.start(database, dir);
        app = server.createApp("win", "Demo");
        version = server.createVersion(app, AdminApiTest.json("versionName", "v7", "versionCode", 7, "arch", "x64",
                "isPreRelease", false)).get("id").asLong();
        bytes = random(3000, 1);
        sha256 = server.upload(app, version, "install", "Demo-7.exe", bytes).get("sha256").asText();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void gcDeletesOldOrphansAndKeepsReferencedAndYoungBlobs() throws IOException, SQLException {
        String old = storeOrphan(random(100, 2), Instant.now().minus(2, ChronoUnit.DAYS));
        String young = storeOrphan(random(200, 3), Instant.now());
        insertOrphanRow(old, 100);
        Files.setLastModifiedTime(blobPath(sha256), FileTime.from(Instant.now().minus(10, ChronoUnit.DAYS)));
        Path staleTemp = Files.writeString(dir.resolve("data/artifacts/tmp/upload-1.part"), "x");
        Files.setLastModifiedTime(staleTemp, FileTime.from(Instant.now().minus(2, ChronoUnit.DAYS)));

        Run r = cli("artifacts", "gc");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("removed blob " + old + " (100 bytes").contains("removed blob row " + old)
                .contains("removed 1 blobs (100 bytes freed), 1 blob rows and 1 staged uploads")
                .doesNotContain(young).doesNotContain(sha256);
        assertThat(blobPath(old)).doesNotExist();
        assertThat(blobPath(young)).exists();
        assertThat(blobPath(sha256)).exists();
        assertThat(staleTemp).doesNotExist();
        // The referenced file still downloads.
        assertThat(TestServer.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base()
                + "/v1/win/download?winKey=" + app + "&versionId=" + version)).build()).statusCode()).isEqualTo(200);
    }

    @Test
    void aDryRunReportsButDeletesNothing() throws IOException, SQLException {
        String old = storeOrphan(random(100, 4), Instant.now().minus(2, ChronoUnit.DAYS));
        insertOrphanRow(old, 100);
        Run r = cli("artifacts", "gc", "--dry-run");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("would remove blob " + old).contains("would remove blob row " + old)
                .contains("dry run: would remove 1 blobs (100 bytes)");
        assertThat(blobPath(old)).exists();
        Run again = cli("artifacts", "gc", "--min-age=1h");
        assertThat(again.out()).contains("removed blob " + old);
    }

    @Test
    void verifyIsCleanOnAnIntactStoreAndFillsSha1() throws SQLException {
        sql("UPDATE blobs SET sha1 = NULL");
        Run r = cli("artifacts", "verify");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("verified 1 blobs (3000 bytes)").contains("all intact")
                .contains("recorded the SHA-1 of 1 blobs");
        assertThat(cli("artifacts", "verify").out()).doesNotContain("SHA-1");
    }

    @Test
    void verifyReportsADamagedBlobWithTheVersionThatUsesIt() throws IOException {
        byte[] damaged = Files.readAllBytes(blobPath(sha256));
        damaged[1234] ^= 0x01;
        Files.write(blobPath(sha256), damaged);
        Run r = cli("artifacts", "verify");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("DAMAGED " + sha256).contains("version v7").contains("Demo-7.exe")
                .contains("0 missing, 1 damaged");
    }

    @Test
    void verifyReportsAMissingBlob() throws IOException {
        Files.delete(blobPath(sha256));
        Run r = cli("artifacts", "verify");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("MISSING " + sha256).contains("version v7").contains("1 missing, 0 damaged");
    }

    @Test
    void aBadMinAgeIsRefused() {
        Run r = cli("artifacts", "gc", "--min-age=soon");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("'soon' is not an age");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    record Run(int exit, String out, String err) {
    }

    private Run cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--data-dir", dir.resolve("data").toString(), "--db-url", server.dbUrl));
        return run(all.toArray(String[]::new));
    }

    static synchronized Run run(String... args) {
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
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String storeOrphan(byte[] content, Instant lastModified) throws IOException {
        StoredBlob blob = LocalArtifactStore.forMaintenance(dir.resolve("data/artifacts"))
                .store(new ByteArrayInputStream(content), 1 << 20);
        Files.setLastModifiedTime(blobPath(blob.sha256()), FileTime.from(lastModified));
        return blob.sha256();
    }

    private void insertOrphanRow(String sha, long size) throws SQLException {
        sql("INSERT INTO blobs (sha256, size, md5, sha512, created_at) VALUES ('" + sha + "', " + size + ", '"
                + "0".repeat(32) + "', '" + "0".repeat(128) + "', " + Instant.now().minus(2, ChronoUnit.DAYS).toEpochMilli() + ")");
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.dbUrl); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private Path blobPath(String sha) {
        return dir.resolve("data/artifacts/sha256/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
