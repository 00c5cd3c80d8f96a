package dev.upshift.server;

import dev.upshift.server.admin.AdminApi;
import dev.upshift.server.admin.AdminAuth;
import dev.upshift.server.admin.VersionAdmin;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.artifacts.LocalArtifactStore;
import dev.upshift.server.auth.DurableNonceStore;
import dev.upshift.server.auth.LegacyRequestAuthenticator;
import dev.upshift.server.auth.NonceStore;
import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.config.ServerConfig;
import dev.upshift.server.db.Database;
import dev.upshift.server.http.HttpServer;
import dev.upshift.server.protocol.upgradelink.ClientCall;
import dev.upshift.server.protocol.upgradelink.DownloadEndpoint;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import dev.upshift.server.protocol.upgradelink.VersionEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;

/**
 * The composition root: builds every part of the server with plain constructors, in dependency order, and
 * owns their lifecycle. Nothing is discovered by scanning; if a part is not created here, it does not run.
 *
 * <p>Usage: {@code UpshiftServer s = UpshiftServer.start(config, env, clock); ... s.close();}
 */
public final class UpshiftServer implements AutoCloseable {
    private final ServerConfig config;
    private final Database db;
    private final NonceStore nonces;
    private final DownloadCounter downloads;
    private final HttpServer http;
    private final CatalogStore catalog;
    private final AdminAuth.Bootstrap bootstrap;

    private UpshiftServer(ServerConfig config, Database db, NonceStore nonces, DownloadCounter downloads,
                          HttpServer http, CatalogStore catalog, AdminAuth.Bootstrap bootstrap) {
        this.config = config;
        this.db = db;
        this.nonces = nonces;
        this.downloads = downloads;
        this.http = http;
        this.catalog = catalog;
        this.bootstrap = bootstrap;
    }

    /**
     * Starts a server.
     *
     * @param adminTokenFromEnv {@code UPSHIFT_ADMIN_TOKEN}, used only when the installation has no admin token yet
     * @param secretKeyFromEnv  {@code UPSHIFT_SECRET_KEY}, or null to use {@code <data-dir>/secret.key}
     */
    public static UpshiftServer start(ServerConfig config, String adminTokenFromEnv, String secretKeyFromEnv,
                                      Clock clock) {
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new IllegalStateException("Cannot create data directory " + config.dataDir() + ": " + e.getMessage());
        }
        Database db = Database.open(config.dbUrl(), config.dbUser(), config.dbPassword());
        NonceStore nonces = null;
        DownloadCounter downloads = null;
        try {
            db.migrate();
            boolean hasKeys = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM access_keys")
                    .mapTo(Long.class).one()) > 0;
            SecretCipher cipher = SecretCipher.load(secretKeyFromEnv, config.dataDir().resolve("secret.key"), !hasKeys);
            AdminAuth adminAuth = new AdminAuth(db, clock);
            AdminAuth.Bootstrap bootstrap = adminAuth.bootstrap(adminTokenFromEnv, config.dataDir());
            CatalogStore catalog = new CatalogStore(db, cipher);
            catalog.refresh();
            LocalArtifactStore artifacts = new LocalArtifactStore(config.artifactsDir());
            downloads = new DownloadCounter(db);
            nonces = new DurableNonceStore(db, clock);

            int[] boundPort = {config.port()};
            DownloadLinks links = new DownloadLinks(() -> config.publicBaseUrl(boundPort[0]));
            ClientCall calls = new ClientCall(new LegacyRequestAuthenticator(clock, nonces), config.maxBodyBytes());
            VersionEndpoint versionEndpoint = new VersionEndpoint(catalog, calls, downloads, links);
            DownloadEndpoint downloadEndpoint = new DownloadEndpoint(catalog, artifacts, downloads);
            VersionAdmin versionAdmin = new VersionAdmin(db, catalog, artifacts, downloads, links, clock,
                    config.maxBodyBytes(), config.maxArtifactBytes());
            AdminApi adminApi = new AdminApi(db, catalog, cipher, adminAuth, versionAdmin, clock, config.maxBodyBytes());

            HttpServer http = new HttpServer(config.host(), config.port(), routes -> {
                versionEndpoint.register(routes);
                downloadEndpoint.register(routes);
                adminApi.register(routes);
            });
            http.start();
            boundPort[0] = http.port();
            return new UpshiftServer(config, db, nonces, downloads, http, catalog, bootstrap);
        } catch (RuntimeException | IOException e) {
            if (nonces != null) {
                nonces.close();
            }
            if (downloads != null) {
                downloads.close();
            }
            db.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    public int port() {
        return http.port();
    }

    public String baseUrl() {
        return config.publicBaseUrl(http.port());
    }

    public AdminAuth.Bootstrap bootstrap() {
        return bootstrap;
    }

    public CatalogStore catalog() {
        return catalog;
    }

    public ServerConfig config() {
        return config;
    }

    /** Stops accepting requests, then drains the nonce writer and the download counts, then closes the pool. */
    @Override
    public void close() {
        http.stop();
        nonces.close();
        downloads.close();
        db.close();
    }
}
