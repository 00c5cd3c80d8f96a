package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.upshift.server.config.ConfigException;
import dev.upshift.server.config.ConfigLoader;
import dev.upshift.server.config.ServerConfig;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The artifact-store settings: defaults, a complete S3 setup, and every refusal naming its setting. */
class ArtifactStoreConfigTest {
    private static ServerConfig load(Map<String, String> env) {
        Map<String, String> e = new HashMap<>(env);
        return new ConfigLoader(e, Map.of(), null).load();
    }

    @Test
    void theDefaultIsTheLocalStore() {
        ServerConfig c = load(Map.of());
        assertThat(c.artifactStore().isS3()).isFalse();
        assertThat(c.artifactStore().downloadUrlTtlSeconds()).isEqualTo(600);
    }

    @Test
    void anS3SetupIsReadFromTheEnvironmentAndTheSecretIsNeverPrinted() {
        ServerConfig c = load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_ENDPOINT", "http://127.0.0.1:9000",
                "UPSHIFT_S3_BUCKET", "releases", "UPSHIFT_S3_ACCESS_KEY", "AKIA1", "UPSHIFT_S3_SECRET_KEY", "s3cr3t-value",
                "UPSHIFT_S3_PATH_STYLE", "true", "UPSHIFT_DOWNLOAD_URL_TTL", "3600",
                "UPSHIFT_CDN_BASE_URL", "https://cdn.example.com/a"));
        assertThat(c.artifactStore().isS3()).isTrue();
        assertThat(c.artifactStore().s3Endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
        assertThat(c.artifactStore().s3Bucket()).isEqualTo("releases");
        assertThat(c.artifactStore().s3PathStyle()).isTrue();
        assertThat(c.artifactStore().downloadUrlTtlSeconds()).isEqualTo(3600);
        assertThat(c.artifactStore().cdnBaseUrl()).isEqualTo(URI.create("https://cdn.example.com/a"));
        assertThat(c.toString()).doesNotContain("s3cr3t-value");
    }

    @Test
    void s3WithoutABucketIsRefused() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("s3-bucket")
                .hasMessageContaining("required when artifact-store=s3");
    }

    @Test
    void invalidValuesAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "ftp")))
                .hasMessageContaining("artifact-store='ftp'");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_BUCKET", "b",
                "UPSHIFT_S3_ENDPOINT", "ftp://x"))).hasMessageContaining("s3-bucket='b'");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_BUCKET", "bucket",
                "UPSHIFT_S3_ENDPOINT", "ftp://x"))).hasMessageContaining("s3-endpoint='ftp://x'");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_BUCKET", "bucket",
                "UPSHIFT_DOWNLOAD_URL_TTL", "604801"))).hasMessageContaining("download-url-ttl='604801'")
                .hasMessageContaining("between 1 and 604800");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_BUCKET", "bucket",
                "UPSHIFT_S3_ACCESS_KEY", "AKIA1"))).hasMessageContaining("s3-secret-key");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_ARTIFACT_STORE", "s3", "UPSHIFT_S3_BUCKET", "bucket",
                "UPSHIFT_S3_PATH_STYLE", "yes"))).hasMessageContaining("s3-path-style='yes'");
    }

    @Test
    void s3SettingsWithTheLocalStoreAreRefusedWithoutPrintingTheSecret() {
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_S3_BUCKET", "bucket")))
                .hasMessageContaining("s3-bucket='bucket'").hasMessageContaining("no effect with artifact-store=local");
        assertThatThrownBy(() -> load(Map.of("UPSHIFT_S3_SECRET_KEY", "s3cr3t-value")))
                .hasMessageContaining("s3-secret-key='(set)'").hasMessageNotContaining("s3cr3t-value");
    }
}
