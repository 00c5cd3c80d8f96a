package dev.upshift.server.config;

import java.net.URI;
import java.nio.file.Path;

/**
 * The validated, frozen settings of one server process. Built only by {@link ConfigLoader}, which checks every
 * value and refuses to start with a message that names the setting, the value and the rule.
 *
 * @param host             interface to bind, {@code 0.0.0.0} by default
 * @param port             TCP port; 0 picks a free one (used by tests)
 * @param dataDir          where the embedded database, the artifacts and generated keys live
 * @param dbUrl            JDBC URL: {@code jdbc:sqlite:...} (default, inside the data dir) or {@code jdbc:postgresql:...}
 * @param dbUser           database user (PostgreSQL only)
 * @param dbPassword       database password (PostgreSQL only)
 * @param publicUrl        base URL clients use to reach this server, for download links; null means "derive from
 *                         the bound address"
 * @param maxBodyBytes     largest JSON request body accepted on client and admin API calls
 * @param maxArtifactBytes largest artifact upload accepted
 * @param artifactStore    where artifact bytes are kept (local files or an S3 bucket) and how downloads reach them
 * @param publish          where publishing may fetch release files from
 * @param metricsToken     the bearer token {@code GET /metrics} requires, or null to leave it open
 * @param events           the event pipeline: report zone and raw-event retention
 */
public record ServerConfig(
        String host,
        int port,
        Path dataDir,
        String dbUrl,
        String dbUser,
        String dbPassword,
        URI publicUrl,
        long maxBodyBytes,
        long maxArtifactBytes,
        ArtifactStoreConfig artifactStore,
        PublishConfig publish,
        String metricsToken,
        EventsConfig events,
        SessionConfig sessions) {

    /** Settings with the default artifact store (local files) and no publish fetching. */
    public ServerConfig(String host, int port, Path dataDir, String dbUrl, String dbUser, String dbPassword,
                        URI publicUrl, long maxBodyBytes, long maxArtifactBytes) {
        this(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes, maxArtifactBytes,
                ArtifactStoreConfig.local(), PublishConfig.none(), null, EventsConfig.defaults(), SessionConfig.defaults());
    }

    public ServerConfig withArtifactStore(ArtifactStoreConfig store) {
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes,
                maxArtifactBytes, store, publish, metricsToken, events, sessions);
    }

    public ServerConfig withPublish(PublishConfig p) {
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes,
                maxArtifactBytes, artifactStore, p, metricsToken, events, sessions);
    }

    public ServerConfig withMetricsToken(String token) {
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes,
                maxArtifactBytes, artifactStore, publish, token, events, sessions);
    }

    public ServerConfig withEvents(EventsConfig e) {
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes,
                maxArtifactBytes, artifactStore, publish, metricsToken, e, sessions);
    }

    public ServerConfig withSessions(SessionConfig s) {
        return new ServerConfig(host, port, dataDir, dbUrl, dbUser, dbPassword, publicUrl, maxBodyBytes,
                maxArtifactBytes, artifactStore, publish, metricsToken, events, s);
    }

    public Path artifactsDir() {
        return dataDir.resolve("artifacts");
    }

    public boolean isSqlite() {
        return dbUrl.startsWith("jdbc:sqlite:");
    }

    /** The base URL for links, given the port the server actually bound. */
    public String publicBaseUrl(int boundPort) {
        if (publicUrl != null) {
            String s = publicUrl.toString();
            return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        }
        String h = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        return "http://" + h + ":" + boundPort;
    }

    @Override
    public String toString() {
        // Never print the password.
        return "ServerConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir + ", dbUrl=" + dbUrl
                + ", dbUser=" + dbUser + ", publicUrl=" + publicUrl + ", maxBodyBytes=" + maxBodyBytes
                + ", maxArtifactBytes=" + maxArtifactBytes + ", artifactStore=" + artifactStore + ", publish=" + publish
                + ", metricsToken=" + (metricsToken == null ? "none" : "(set)") + ", events=" + events + ", sessions=" + sessions + "]";
    }
}
