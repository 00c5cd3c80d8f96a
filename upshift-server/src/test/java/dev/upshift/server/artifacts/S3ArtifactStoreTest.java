package dev.upshift.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.adobe.testing.s3mock.junit5.S3MockExtension;
import dev.upshift.server.config.ArtifactStoreConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;

/** {@link S3ArtifactStore} against S3Mock, a real S3 API server in the test JVM. */
class S3ArtifactStoreTest {
    static final String BUCKET = "upshift-artifacts";

    @RegisterExtension
    static final S3MockExtension S3 = S3MockExtension.builder().withInitialBuckets(BUCKET)
            .withSecureConnection(false).silent().build();

    @TempDir
    Path dir;
    S3ArtifactStore store;
    S3Client client;

    static ArtifactStoreConfig config() {
        return ArtifactStoreConfig.s3(URI.create(S3.getServiceEndpoint()), BUCKET, "foo", "bar", true);
    }

    @BeforeEach
    void open() throws IOException {
        store = S3ArtifactStore.open(config(), dir.resolve("tmp"), true, S3ArtifactStore.MIN_PART_SIZE,
                S3ArtifactStore.MIN_PART_SIZE);
        client = S3.createS3ClientV2();
    }

    @AfterEach
    void close() {
        store.close();
        client.close();
    }

    @Test
    void aSmallBlobIsOnePutUnderItsContentAddress() throws IOException {
        byte[] bytes = random(1000, 1);
        StoredBlob blob = store.store(new ByteArrayInputStream(bytes), 1 << 20);
        assertThat(store.singleUploads()).isEqualTo(1);
        assertThat(object(ArtifactStore.key(blob.sha256()))).isEqualTo(bytes);
        assertThat(ArtifactStore.key(blob.sha256())).isEqualTo("sha256/" + blob.sha256().substring(0, 2) + "/"
                + blob.sha256().substring(2, 4) + "/" + blob.sha256());
        assertThat(store.exists(blob.sha256())).isTrue();
        try (InputStream in = store.open(blob.sha256())) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void aTwelveMebibyteBlobGoesMultipartAndArrivesIntact() throws IOException {
        byte[] bytes = random(12 * 1024 * 1024 + 123, 2);
        StoredBlob blob = store.store(new ByteArrayInputStream(bytes), 64L << 20);
        assertThat(store.multipartUploads()).isEqualTo(1);
        assertThat(store.singleUploads()).isZero();
        assertThat(object(ArtifactStore.key(blob.sha256()))).isEqualTo(bytes);
        assertThat(client.listMultipartUploads(r -> r.bucket(BUCKET)).uploads()).isEmpty();
    }

    @Test
    void identicalBytesAreStoredOnce() throws IOException {
        byte[] bytes = random(2000, 3);
        StoredBlob a = store.store(new ByteArrayInputStream(bytes), 1 << 20);
        StoredBlob b = store.store(new ByteArrayInputStream(bytes), 1 << 20);
        assertThat(b).isEqualTo(a);
        assertThat(store.singleUploads()).isEqualTo(1);
        assertThat(store.skippedUploads()).isEqualTo(1);
        try (Stream<BlobInfo> all = store.list()) {
            assertThat(all.filter(i -> i.sha256().equals(a.sha256())).count()).isEqualTo(1);
        }
    }

    @Test
    void anUploadOverTheCapLeavesNothing() {
        assertThatThrownBy(() -> store.store(new ByteArrayInputStream(random(5000, 4)), 4000))
                .isInstanceOf(ArtifactTooLargeException.class);
        assertThat(dir.resolve("tmp")).isEmptyDirectory();
    }

    @Test
    void aPresignedUrlServesTheBytesWithTheFileNameAndType() throws Exception {
        byte[] bytes = random(3000, 5);
        StoredBlob blob = store.store(new ByteArrayInputStream(bytes), 1 << 20);
        URI url = store.redirectUrl(blob.sha256(), "Demo Setup 1.0.exe", "application/vnd.microsoft.portable-executable")
                .orElseThrow();
        assertThat(url.getQuery()).contains("X-Amz-Signature=").contains("X-Amz-Expires=600");
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(bytes);
        assertThat(r.headers().firstValue("Content-Disposition")).hasValue(
                "attachment; filename=\"Demo Setup 1.0.exe\"; filename*=UTF-8''Demo%20Setup%201.0.exe");
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/vnd.microsoft.portable-executable");
    }

    @Test
    void aCdnBaseUrlReplacesPresigning() throws IOException {
        ArtifactStoreConfig c = config().withCdnBaseUrl(URI.create("https://cdn.example.com/files/"));
        try (S3ArtifactStore cdn = S3ArtifactStore.open(c, dir.resolve("tmp"), false)) {
            String sha = "ab".repeat(32);
            assertThat(cdn.redirectUrl(sha, "x.exe", "application/octet-stream")).hasValue(
                    URI.create("https://cdn.example.com/files/sha256/ab/ab/" + sha));
        }
    }

    @Test
    void listOpenAndDeleteSeeWhatIsStored() throws IOException {
        StoredBlob blob = store.store(new ByteArrayInputStream(random(100, 6)), 1 << 20);
        List<BlobInfo> listed;
        try (Stream<BlobInfo> all = store.list()) {
            listed = all.filter(i -> i.sha256().equals(blob.sha256())).toList();
        }
        assertThat(listed).singleElement().satisfies(i -> {
            assertThat(i.size()).isEqualTo(100);
            assertThat(i.lastModified()).isAfter(Instant.now().minusSeconds(300));
        });
        store.delete(blob.sha256());
        assertThat(store.exists(blob.sha256())).isFalse();
        assertThatThrownBy(() -> store.open(blob.sha256())).isInstanceOf(NoSuchFileException.class);
        store.delete(blob.sha256()); // absent: no error
    }

    @Test
    void aMissingBucketOrAnUnreachableEndpointRefusesToOpenNamingTheSetting() throws IOException {
        ArtifactStoreConfig noBucket = ArtifactStoreConfig.s3(URI.create(S3.getServiceEndpoint()), "no-such-bucket",
                "foo", "bar", true);
        assertThatThrownBy(() -> S3ArtifactStore.open(noBucket, dir.resolve("tmp"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("s3-bucket=no-such-bucket").hasMessageContaining("does not exist");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        ArtifactStoreConfig unreachable = ArtifactStoreConfig.s3(URI.create("http://127.0.0.1:" + closedPort), BUCKET,
                "foo", "bar", true);
        assertThatThrownBy(() -> S3ArtifactStore.open(unreachable, dir.resolve("tmp"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("s3-endpoint=http://127.0.0.1:" + closedPort);
    }

    private byte[] object(String key) {
        return client.getObject(r -> r.bucket(BUCKET).key(key), ResponseTransformer.toBytes()).asByteArray();
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
