package dev.upshift.server.artifacts;

import dev.upshift.server.config.ArtifactStoreConfig;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Content-addressed blobs in an S3-compatible bucket (AWS S3, MinIO, R2, ...), under the same keys as the local
 * store: {@code sha256/ab/cd/abcd...}.
 *
 * <p>Write protocol: an upload is streamed into {@code <data-dir>/artifacts/tmp} while hashing (the same
 * {@link StagingArea} as the local store, so the size cap and the digests are identical). {@link Staged#commit()}
 * then asks for the object ({@code HeadObject}); if it exists with the same size and was written within the last
 * {@link #REFRESH_AFTER hour}, nothing is sent (deduplication). Otherwise the file is uploaded: one
 * {@code PutObject} below the multipart threshold, else a multipart upload that is aborted on any failure. Every
 * request carries {@code x-amz-checksum-sha256} of its bytes, so the server refuses bytes damaged in transit. S3
 * makes an object visible only once it is completely and durably stored, so the database row written after
 * {@code commit()} never names a partial object.
 *
 * <p>Why an old identical object is uploaded again: garbage collection deletes unreferenced objects older than its
 * {@code --min-age}. An upload whose bytes match such an orphan must give it a fresh last-modified time before its
 * row exists, or GC could delete it in between. S3 has no cheap "touch", so the bytes are sent again (rare: only
 * re-uploads of bytes orphaned for over an hour).
 *
 * <p>Downloads are redirected ({@link #redirectUrl}) to a presigned GET URL that sets Content-Disposition and
 * Content-Type, or to {@code <cdn-base-url>/<key>} when a CDN is configured.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {
    /** Smallest part S3 accepts (except the last). */
    static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    static final long DEFAULT_MULTIPART_THRESHOLD = 64L * 1024 * 1024;
    static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
    /** An existing identical object younger than this is not uploaded again. */
    static final Duration REFRESH_AFTER = Duration.ofHours(1);

    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final URI endpoint;
    private final StagingArea staging;
    private final Duration urlLifetime;
    private final String cdnBase;
    private final long multipartThreshold;
    private final long partSize;
    private final AtomicLong singleUploads = new AtomicLong();
    private final AtomicLong multipartUploads = new AtomicLong();
    private final AtomicLong skippedUploads = new AtomicLong();

    private S3ArtifactStore(ArtifactStoreConfig c, StagingArea staging, long multipartThreshold, long partSize) {
        AwsCredentialsProvider credentials = c.s3AccessKey() == null
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(c.s3AccessKey(), c.s3SecretKey()));
        S3Configuration s3Config = S3Configuration.builder().pathStyleAccessEnabled(c.s3PathStyle()).build();
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(c.s3Region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3Config)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                // We send our own SHA-256 with every upload; no second checksum is computed by the SDK.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        S3Presigner.Builder p = S3Presigner.builder()
                .region(Region.of(c.s3Region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3Config);
        if (c.s3Endpoint() != null) {
            b.endpointOverride(c.s3Endpoint());
            p.endpointOverride(c.s3Endpoint());
        }
        this.s3 = b.build();
        this.presigner = p.build();
        this.bucket = c.s3Bucket();
        this.endpoint = c.s3Endpoint();
        this.staging = staging;
        this.urlLifetime = Duration.ofSeconds(c.downloadUrlTtlSeconds());
        String cdn = c.cdnBaseUrl() == null ? null : c.cdnBaseUrl().toString();
        this.cdnBase = cdn == null ? null : cdn.endsWith("/") ? cdn.substring(0, cdn.length() - 1) : cdn;
        this.multipartThreshold = multipartThreshold;
        this.partSize = partSize;
    }

    /**
     * Connects to the bucket and checks that it is reachable ({@code HeadBucket}).
     *
     * @param stagingDir   where uploads are staged ({@code <data-dir>/artifacts/tmp})
     * @param clearStaging true for a starting server (removes files left by a crash), false for maintenance commands
     * @throws IllegalStateException naming the setting to fix when the bucket cannot be reached
     */
    public static S3ArtifactStore open(ArtifactStoreConfig c, Path stagingDir, boolean clearStaging) throws IOException {
        return open(c, stagingDir, clearStaging, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE);
    }

    static S3ArtifactStore open(ArtifactStoreConfig c, Path stagingDir, boolean clearStaging, long multipartThreshold,
                                long partSize) throws IOException {
        if (partSize < MIN_PART_SIZE || multipartThreshold < partSize) {
            throw new IllegalArgumentException("part size must be at least 5 MiB and at most the multipart threshold");
        }
        StagingArea staging = new StagingArea(stagingDir);
        if (clearStaging) {
            staging.clear();
        }
        S3ArtifactStore store = new S3ArtifactStore(c, staging, multipartThreshold, partSize);
        try {
            store.checkBucket();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    private void checkBucket() {
        String where = "s3-bucket=" + bucket + " at " + (endpoint == null ? "AWS" : "s3-endpoint=" + endpoint);
        try {
            s3.headBucket(r -> r.bucket(bucket));
        } catch (S3Exception e) {
            String why = switch (e.statusCode()) {
                case 404 -> "the bucket does not exist; create it or fix s3-bucket";
                case 301, 400 -> "the bucket is in another region or the request was refused; check s3-region and "
                        + "s3-path-style";
                case 401, 403 -> "access is denied; check s3-access-key and s3-secret-key and the bucket policy";
                default -> "the server answered HTTP " + e.statusCode();
            };
            throw new IllegalStateException("Cannot use the artifact store " + where + ": " + why + ".");
        } catch (SdkException e) {
            throw new IllegalStateException("Cannot reach the artifact store " + where + ": " + e.getMessage()
                    + " Check s3-endpoint and the network.");
        }
    }

    @Override
    public Staged stage(InputStream in, long maxBytes) throws IOException {
        return new S3Staged(staging.receive(in, maxBytes));
    }

    private final class S3Staged extends StagedFile {
        S3Staged(StagingArea.Received received) {
            super(received);
        }

        @Override
        public void commit() throws IOException {
            StoredBlob blob = blob();
            String key = ArtifactStore.key(blob.sha256());
            try {
                Optional<HeadObjectResponse> existing = head(key);
                if (existing.isPresent() && existing.get().contentLength() == blob.size()
                        && existing.get().lastModified().isAfter(Instant.now().minus(REFRESH_AFTER))) {
                    skippedUploads.incrementAndGet();
                    return;
                }
                if (blob.size() < multipartThreshold) {
                    putObject(key, temp, blob);
                } else {
                    multipartUpload(key, temp, blob.size());
                }
            } catch (SdkException e) {
                throw new IOException("uploading " + key + " to s3://" + bucket + " failed: " + e.getMessage(), e);
            }
        }
    }

    private void putObject(String key, Path file, StoredBlob blob) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentLength(blob.size())
                        .contentType("application/octet-stream")
                        .checksumSHA256(StoredBlob.base64OfHex(blob.sha256())),
                RequestBody.fromFile(file));
        singleUploads.incrementAndGet();
    }

    private void multipartUpload(String key, Path file, long size) throws IOException {
        String uploadId = s3.createMultipartUpload(r -> r.bucket(bucket).key(key)
                .contentType("application/octet-stream").checksumAlgorithm(ChecksumAlgorithm.SHA256)).uploadId();
        boolean done = false;
        try {
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long offset = 0; offset < size; offset += partSize, number++) {
                long length = Math.min(partSize, size - offset);
                long from = offset;
                int n = number;
                String checksum = base64(sha256(file, from, length));
                String etag = s3.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(n)
                                .contentLength(length).checksumSHA256(checksum),
                        RequestBody.fromContentProvider(() -> slice(file, from, length), length,
                                "application/octet-stream")).eTag();
                parts.add(CompletedPart.builder().partNumber(n).eTag(etag).checksumSHA256(checksum).build());
            }
            s3.completeMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            multipartUploads.incrementAndGet();
            done = true;
        } finally {
            if (!done) {
                try {
                    s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
                } catch (SdkException ignored) {
                    // The bucket's lifecycle rule for incomplete multipart uploads cleans up (see operations.md).
                }
            }
        }
    }

    private Optional<HeadObjectResponse> head(String key) {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(bucket).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public Optional<Path> localPath(String sha256) {
        return Optional.empty();
    }

    @Override
    public Optional<URI> redirectUrl(String sha256, String fileName, String mediaType) {
        String key = ArtifactStore.key(sha256);
        if (cdnBase != null) {
            return Optional.of(URI.create(cdnBase + "/" + key));
        }
        GetObjectRequest get = GetObjectRequest.builder().bucket(bucket).key(key)
                .responseContentDisposition(FileResponder.contentDisposition(fileName))
                .responseContentType(mediaType)
                .build();
        try {
            return Optional.of(presigner.presignGetObject(r -> r.signatureDuration(urlLifetime).getObjectRequest(get))
                    .url().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("presigned URL is not a URI: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean exists(String sha256) throws IOException {
        try {
            return head(ArtifactStore.key(sha256)).isPresent();
        } catch (SdkException e) {
            throw new IOException("s3://" + bucket + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        String key = ArtifactStore.key(sha256);
        try {
            return s3.getObject(r -> r.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new NoSuchFileException("s3://" + bucket + "/" + key);
        } catch (SdkException e) {
            throw new IOException("reading s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String sha256) throws IOException {
        String key = ArtifactStore.key(sha256);
        try {
            s3.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new IOException("deleting s3://" + bucket + "/" + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Stream<BlobInfo> list() throws IOException {
        try {
            return s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix("sha256/")).contents().stream()
                    .filter(o -> ArtifactStore.isSha256(o.key().substring(o.key().lastIndexOf('/') + 1)))
                    .map(o -> new BlobInfo(o.key().substring(o.key().lastIndexOf('/') + 1), o.size(), o.lastModified()));
        } catch (SdkException e) {
            throw new IOException("listing s3://" + bucket + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public int deleteStagedOlderThan(Instant cutoff, boolean dryRun) throws IOException {
        return staging.deleteOlderThan(cutoff, dryRun);
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (endpoint == null ? "" : " at " + endpoint);
    }

    /** Uploads sent as one PutObject. */
    long singleUploads() {
        return singleUploads.get();
    }

    /** Uploads sent as a multipart upload. */
    long multipartUploads() {
        return multipartUploads.get();
    }

    /** Commits that found the identical object already stored. */
    long skippedUploads() {
        return skippedUploads.get();
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static byte[] sha256(Path file, long offset, long length) throws IOException {
        MessageDigest md = BlobDigests.digest("SHA-256");
        try (InputStream in = slice(file, offset, length)) {
            byte[] buf = new byte[BlobDigests.BUFFER];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }

    /** {@code length} bytes of {@code file} from {@code offset}, as a stream the caller closes. */
    private static InputStream slice(Path file, long offset, long length) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ).position(offset);
            return new FilterInputStream(Channels.newInputStream(ch)) {
                private long left = length;

                @Override
                public int read() throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int b = super.read();
                    if (b >= 0) {
                        left--;
                    }
                    return b;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int n = super.read(b, off, (int) Math.min(len, left));
                    if (n > 0) {
                        left -= n;
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
