package dev.upshift.server.config;

import java.net.URI;

/**
 * Where artifact bytes are kept and how downloads reach them: the {@code artifact-store}, {@code s3-*},
 * {@code download-url-ttl} and {@code cdn-base-url} settings, validated by {@link ConfigLoader}.
 *
 * @param kind                   {@code local} (files in the data directory, served by Upshift) or {@code s3}
 * @param s3Endpoint             S3 API endpoint for MinIO, R2 and other compatible servers; null for AWS
 * @param s3Region               signing region
 * @param s3Bucket               bucket (required with s3)
 * @param s3AccessKey            access key id, or null for the AWS default credential chain
 * @param s3SecretKey            secret access key (never printed)
 * @param s3PathStyle            path-style requests ({@code endpoint/bucket/key}), needed by most non-AWS servers
 * @param downloadUrlTtlSeconds  lifetime of presigned download URLs
 * @param cdnBaseUrl             when set, downloads redirect to {@code <cdn-base-url>/<key>} instead of presigning
 */
public record ArtifactStoreConfig(
        String kind,
        URI s3Endpoint,
        String s3Region,
        String s3Bucket,
        String s3AccessKey,
        String s3SecretKey,
        boolean s3PathStyle,
        long downloadUrlTtlSeconds,
        URI cdnBaseUrl) {

    public static final String LOCAL = "local";
    public static final String S3 = "s3";

    /** The default: files in the data directory. */
    public static ArtifactStoreConfig local() {
        return new ArtifactStoreConfig(LOCAL, null, "us-east-1", null, null, null, false, 600, null);
    }

    /** An S3 store with static credentials (tests and programmatic use). */
    public static ArtifactStoreConfig s3(URI endpoint, String bucket, String accessKey, String secretKey,
                                         boolean pathStyle) {
        return new ArtifactStoreConfig(S3, endpoint, "us-east-1", bucket, accessKey, secretKey, pathStyle, 600, null);
    }

    public boolean isS3() {
        return S3.equals(kind);
    }

    public ArtifactStoreConfig withDownloadUrlTtl(long seconds) {
        return new ArtifactStoreConfig(kind, s3Endpoint, s3Region, s3Bucket, s3AccessKey, s3SecretKey, s3PathStyle,
                seconds, cdnBaseUrl);
    }

    public ArtifactStoreConfig withCdnBaseUrl(URI cdn) {
        return new ArtifactStoreConfig(kind, s3Endpoint, s3Region, s3Bucket, s3AccessKey, s3SecretKey, s3PathStyle,
                downloadUrlTtlSeconds, cdn);
    }

    @Override
    public String toString() {
        // Never print the secret key.
        return "ArtifactStoreConfig[kind=" + kind + ", s3Endpoint=" + s3Endpoint + ", s3Region=" + s3Region
                + ", s3Bucket=" + s3Bucket + ", s3AccessKey=" + s3AccessKey
                + ", s3SecretKey=" + (s3SecretKey == null ? "null" : "(set)") + ", s3PathStyle=" + s3PathStyle
                + ", downloadUrlTtlSeconds=" + downloadUrlTtlSeconds + ", cdnBaseUrl=" + cdnBaseUrl + "]";
    }
}
