package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.upshift.server.config.ArtifactStoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/** A server with {@code artifact-store=s3}: uploads land in the bucket, downloads redirect to it. */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class S3DownloadTest {
    static final String BUCKET = "upshift-server";

    @RegisterExtension
    static final S3MockExtension S3 = S3MockExtension.builder().withInitialBuckets(BUCKET)
            .withSecureConnection(false).silent().build();

    @Parameter
    TestDatabase database;
    @TempDir
    Path dir;
    TestServer server;

    static ArtifactStoreConfig s3() {
        return ArtifactStoreConfig.s3(URI.create(S3.getServiceEndpoint()), BUCKET, "foo", "bar", true);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void anUploadLandsInTheBucketAndADownloadRedirectsToAPresignedUrl() throws Exception {
        server = TestServer.start(database, dir, c -> c.withArtifactStore(s3().withDownloadUrlTtl(120)));
        String app = server.createApp("win", "Demo");
        long version = createVersion(app, 1);
        byte[] bytes = random(5000, 1);
        String sha = server.upload(app, version, "install", "Demo%20Setup.exe", bytes).get("sha256").asText();
        try (S3Client client = S3.createS3ClientV2()) {
            String key = "sha256/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
            assertThat(client.getObject(r -> r.bucket(BUCKET).key(key), ResponseTransformer.toBytes()).asByteArray())
                    .isEqualTo(bytes);
        }
        assertThat(dir.resolve("data/artifacts/sha256")).doesNotExist();

        HttpResponse<byte[]> r = get(server.base() + "/v1/win/download?winKey=" + app + "&versionId=" + version);
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("X-Checksum-Sha256")).hasValue(sha);
        assertThat(r.headers().firstValue("Digest").orElseThrow()).startsWith("sha-256=");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        URI location = URI.create(r.headers().firstValue("Location").orElseThrow());
        assertThat(location.toString()).startsWith(S3.getServiceEndpoint()).contains("X-Amz-Expires=120");

        HttpResponse<byte[]> fetched = get(location.toString());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(bytes);
        assertThat(fetched.headers().firstValue("Content-Disposition").orElseThrow())
                .startsWith("attachment; filename=\"Demo Setup.exe\"");
        // The redirect counts as the download; HEAD does not.
        send(HttpRequest.newBuilder(URI.create(server.base() + "/v1/win/download?winKey=" + app + "&versionId="
                + version)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(server.adminOk("GET", "/api/admin/v1/apps/" + app + "/versions/" + version, null, 200)
                .get("downloadTimes").asLong()).isEqualTo(1);
    }

    @Test
    void identicalBytesInTwoVersionsAreStoredOnce() {
        server = TestServer.start(database, dir, c -> c.withArtifactStore(s3()));
        String app = server.createApp("win", "Demo");
        byte[] bytes = random(4000, 2);
        String a = server.upload(app, createVersion(app, 1), "install", "a.exe", bytes).get("sha256").asText();
        String b = server.upload(app, createVersion(app, 2), "install", "b.exe", bytes).get("sha256").asText();
        assertThat(b).isEqualTo(a);
        try (S3Client client = S3.createS3ClientV2()) {
            assertThat(client.listObjectsV2(r -> r.bucket(BUCKET).prefix("sha256/")).contents())
                    .filteredOn(o -> o.key().endsWith(a)).hasSize(1);
        }
    }

    @Test
    void aCdnBaseUrlTurnsDownloadsIntoRedirectsToTheCdn() {
        server = TestServer.start(database, dir, c -> c.withArtifactStore(
                s3().withCdnBaseUrl(URI.create("https://cdn.example.com/upshift"))));
        String app = server.createApp("win", "Demo");
        long version = createVersion(app, 1);
        String sha = server.upload(app, version, "install", "a.exe", random(100, 3)).get("sha256").asText();
        HttpResponse<byte[]> r = get(server.base() + "/v1/win/download?winKey=" + app + "&versionId=" + version);
        assertThat(r.statusCode()).isEqualTo(302);
        assertThat(r.headers().firstValue("Location")).hasValue("https://cdn.example.com/upshift/sha256/"
                + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha);
    }

    @Test
    void anUnreachableEndpointOrMissingBucketRefusesToStart() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ArtifactStoreConfig unreachable = ArtifactStoreConfig.s3(URI.create("http://127.0.0.1:" + closedPort), BUCKET,
                "foo", "bar", true);
        assertThatThrownBy(() -> TestServer.start(database, dir, c -> c.withArtifactStore(unreachable)))
                .hasMessageContaining("s3-endpoint=http://127.0.0.1:" + closedPort);
        ArtifactStoreConfig missing = ArtifactStoreConfig.s3(URI.create(S3.getServiceEndpoint()), "missing-bucket",
                "foo", "bar", true);
        assertThatThrownBy(() -> TestServer.start(database, dir.resolve("2"), c -> c.withArtifactStore(missing)))
                .hasMessageContaining("s3-bucket=missing-bucket");
    }

    @Test
    void gcAndVerifyWorkOnTheBucket() throws IOException {
        server = TestServer.start(database, dir, c -> c.withArtifactStore(s3()));
        String app = server.createApp("win", "Demo");
        long version = createVersion(app, 9);
        String sha = server.upload(app, version, "install", "kept.exe", random(700, 70 + database.ordinal())).get("sha256").asText();
        byte[] orphan = random(300, 8 + database.ordinal());
        String orphanSha = AdminApiTest.hex("SHA-256", orphan);
        String orphanKey = "sha256/" + orphanSha.substring(0, 2) + "/" + orphanSha.substring(2, 4) + "/" + orphanSha;
        try (S3Client client = S3.createS3ClientV2()) {
            client.putObject(r -> r.bucket(BUCKET).key(orphanKey),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(orphan));
        }
        Path config = Files.writeString(dir.resolve("s3.properties"), "artifact-store=s3\n"
                + "s3-endpoint=" + S3.getServiceEndpoint() + "\ns3-bucket=" + BUCKET + "\n"
                + "s3-access-key=foo\ns3-secret-key=bar\ns3-path-style=true\n");
        String[] where = {"--config", config.toString(), "--data-dir", dir.resolve("data").toString(),
                "--db-url", server.dbUrl};

        ArtifactMaintenanceTest.Run young = ArtifactMaintenanceTest.run(concat(new String[]{"artifacts", "gc"}, where));
        assertThat(young.exit()).as(young.err()).isZero();
        assertThat(young.out()).doesNotContain("removed blob " + orphanSha);
        // S3 cannot backdate an object, so the orphan is made old by asking for a minimum age of zero.
        ArtifactMaintenanceTest.Run gc = ArtifactMaintenanceTest.run(concat(new String[]{"artifacts", "gc",
                "--min-age=0"}, where));
        assertThat(gc.out()).contains("removed blob " + orphanSha).doesNotContain("removed blob " + sha)
                .contains("in s3://" + BUCKET);

        ArtifactMaintenanceTest.Run clean = ArtifactMaintenanceTest.run(concat(new String[]{"artifacts", "verify"}, where));
        assertThat(clean.exit()).as(clean.out() + clean.err()).isZero();
        try (S3Client client = S3.createS3ClientV2()) {
            String key = "sha256/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha;
            client.putObject(r -> r.bucket(BUCKET).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(random(700, 99)));
        }
        ArtifactMaintenanceTest.Run damaged = ArtifactMaintenanceTest.run(concat(new String[]{"artifacts", "verify"},
                where));
        assertThat(damaged.exit()).isEqualTo(1);
        assertThat(damaged.out()).contains("DAMAGED " + sha).contains("version v9").contains("kept.exe");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private long createVersion(String app, long code) {
        return server.createVersion(app, AdminApiTest.json("versionName", "v" + code, "versionCode", code,
                "arch", "x64", "isPreRelease", false)).get("id").asLong();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static HttpResponse<byte[]> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)));
    }

    private static HttpResponse<byte[]> send(HttpRequest.Builder b) {
        try {
            return TestServer.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
