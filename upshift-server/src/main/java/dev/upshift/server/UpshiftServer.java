package dev.upshift.server;

import dev.upshift.server.accounts.LoginThrottle;
import dev.upshift.server.accounts.Sessions;
import dev.upshift.server.admin.AccountAdmin;
import dev.upshift.server.admin.AdminApi;
import dev.upshift.server.admin.OpenApiDocument;
import dev.upshift.server.console.Console;
import dev.upshift.server.admin.AdminAuth;
import dev.upshift.server.admin.AdminRoutes;
import dev.upshift.server.admin.DeviceAdmin;
import dev.upshift.server.admin.StrategyAdmin;
import dev.upshift.server.admin.ArtifactAdmin;
import dev.upshift.server.admin.VersionAdmin;
import dev.upshift.server.admin.ReleaseAdmin;
import dev.upshift.server.protocol.feeds.StaticFeeds;
import dev.upshift.server.protocol.upgradelink.CiUploadEndpoint;
import dev.upshift.server.publish.ReleasePublisher;
import dev.upshift.server.publish.RemoteFetcher;
import dev.upshift.server.publish.UploadChecks;
import dev.upshift.core.rollout.InMemoryRolloutCounters;
import dev.upshift.server.protocol.upgradelink.ElectronFeedEndpoint;
import dev.upshift.server.protocol.upgradelink.TauriUpdaterEndpoint;
import dev.upshift.server.protocol.upgradelink.UpgradeEndpoint;
import dev.upshift.server.admin.StatisticsAdmin;
import dev.upshift.server.events.DownloadFacts;
import dev.upshift.server.events.EventQueue;
import dev.upshift.server.events.EventStatistics;
import dev.upshift.server.protocol.upgradelink.ReportEndpoint;
import dev.upshift.server.protocol.upgradelink.StatisticsEndpoint;
import dev.upshift.server.rollout.DurableRolloutCounters;
import dev.upshift.server.rollout.RolloutHealth;
import dev.upshift.server.rollout.UpdateChecks;
import java.util.List;
import java.util.function.Supplier;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.ArtifactStores;
import dev.upshift.server.auth.DurableNonceStore;
import dev.upshift.server.auth.LegacyRequestAuthenticator;
import dev.upshift.server.auth.NonceJournal;
import dev.upshift.server.auth.NonceStore;
import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.config.ServerConfig;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.SqliteNativeLibrary;
import dev.upshift.server.http.HttpServer;
import dev.upshift.server.metrics.Metrics;
import dev.upshift.server.metrics.OpsEndpoints;
import dev.upshift.server.metrics.ReadinessCheck;
import dev.upshift.server.protocol.upgradelink.ClientCall;
import dev.upshift.server.protocol.upgradelink.DownloadEndpoint;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import dev.upshift.server.protocol.upgradelink.VersionEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;

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
    private final EventQueue events;
    private final HttpServer http;
    private final CatalogStore catalog;
    private final AdminAuth.Bootstrap bootstrap;
    private final RolloutHealth rolloutHealth;
    private final Metrics metrics;
    private final ReadinessCheck readiness;
    private final List<AdminRoutes.Route> adminRoutes;
    private final Sessions sessions;

    private UpshiftServer(ServerConfig config, Database db, NonceStore nonces, DownloadCounter downloads,
                          EventQueue events, HttpServer http, CatalogStore catalog, AdminAuth.Bootstrap bootstrap,
                          Metrics metrics, ReadinessCheck readiness, RolloutHealth rolloutHealth,
                          List<AdminRoutes.Route> adminRoutes, Sessions sessions) {
        this.adminRoutes = List.copyOf(adminRoutes);
        this.sessions = sessions;
        this.rolloutHealth = rolloutHealth;
        this.metrics = metrics;
        this.readiness = readiness;
        this.events = events;
        this.config = config;
        this.db = db;
        this.nonces = nonces;
        this.downloads = downloads;
        this.http = http;
        this.catalog = catalog;
        this.bootstrap = bootstrap;
    }

    /** True until the installation's first owner exists (the console then offers setup). */
    public boolean setupNeeded() {
        return sessions.setupNeeded();
    }

    /** The admin API's routes with the access each needs, as registered (for the OpenAPI and access tests). */
    public List<AdminRoutes.Route> adminRoutes() {
        return adminRoutes;
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
        if (config.dbUrl().startsWith("jdbc:sqlite:")) {
            SqliteNativeLibrary.useCopyUnder(config.dataDir().resolve("native"));
        }
        StartupWarmUp warmUp = StartupWarmUp.begin();
        Database db;
        try {
            db = Database.open(config.dbUrl(), config.dbUser(), config.dbPassword());
        } catch (RuntimeException e) {
            warmUp.abandon();
            throw e;
        }
        ReadinessCheck readiness = null;
        NonceStore nonces = null;
        DownloadCounter downloads = null;
        EventQueue events = null;
        try {
            db.migrate();
            Metrics metrics = warmUp.metrics();
            boolean hasKeys = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM access_keys")
                    .mapTo(Long.class).one()) > 0;
            SecretCipher cipher = SecretCipher.load(secretKeyFromEnv, config.dataDir().resolve("secret.key"), !hasKeys);
            AdminAuth adminAuth = new AdminAuth(db, clock);
            AdminAuth.Bootstrap bootstrap = adminAuth.bootstrap(adminTokenFromEnv, config.dataDir());
            CatalogStore catalog = new CatalogStore(db, cipher);
            catalog.refresh();
            ArtifactStore artifacts = ArtifactStores.open(config, true);
            downloads = new DownloadCounter(db, metrics);
            // SQLite: one process owns the data directory, so a local journal suffices and no signed request waits
            // for a commit (decision 0019). PostgreSQL: the shared table, so every node sees every nonce.
            if (db.dialect() == Database.Dialect.SQLITE) {
                NonceJournal journal = NonceJournal.open(config.dataDir(), clock, metrics);
                nonces = journal;
                metrics.gauge("upshift.nonce.entries", "Nonces held in memory by the nonce journal (SQLite)",
                        journal::entries);
            } else {
                DurableNonceStore durable = new DurableNonceStore(db, clock, metrics);
                nonces = durable;
                metrics.gauge("upshift.nonce.queue.depth", "Nonce reservations waiting for the group commit "
                        + "(PostgreSQL)", durable::pending);
            }
            // SQLite: reports are acknowledged once in the local report journal (decision 0025). PostgreSQL: nodes may
            // have no lasting disk of their own, so a report waits for its commit (decision 0015).
            events = db.dialect() == Database.Dialect.SQLITE
                    ? EventQueue.journaled(db, clock, config.events().reportZone(), config.events().retentionDays(),
                            config.dataDir().resolve("reports"))
                    : new EventQueue(db, clock, config.events().reportZone(), config.events().retentionDays());
            downloads.onCount(new DownloadFacts(catalog, events, clock));
            EventStatistics statistics = new EventStatistics(db, clock, config.events().reportZone());
            InMemoryRolloutCounters counters = DurableRolloutCounters.open(db, clock, metrics);
            // ---- metrics gauges (read at every scrape) ----
            EventQueue eventQueue = events;
            metrics.gauge("upshift.events.queue.depth", "Reports and facts waiting for the event writer",
                    eventQueue::depth);
            metrics.gauge("upshift.events.queue.capacity", "Capacity of the event queue", eventQueue::capacity);
            metrics.counter("upshift.events.dropped", "Server facts dropped: recorded after the queue closed, or device "
                    + "registrations beyond the bound while the database was unreachable",
                    eventQueue::dropped);
            metrics.counter("upshift.events.written", "Events written to the database", eventQueue::written);
            metrics.gauge("upshift.events.facts.flush.interval.seconds", "Seconds between writes of the summed check "
                    + "facts: 1 while they are cheap, up to 10 when many roll-up keys change (decision 0029)",
                    eventQueue::factFlushIntervalSeconds);
            eventQueue.setBatchListener(nanos -> metrics.recordBatchTime("events", nanos));
            metrics.gauge("upshift.catalog.snapshot.age.seconds", "Seconds since the catalog snapshot was built",
                    () -> (System.currentTimeMillis() - catalog.current().loadedAtMillis()) / 1000.0);
            metrics.declareAuthFailureReasons(Arrays.stream(LegacyRequestAuthenticator.Failure.values())
                    .map(LegacyRequestAuthenticator.Failure::reason).toList());
            readiness = new ReadinessCheck(db, catalog);
            OpsEndpoints ops = new OpsEndpoints(metrics, readiness, config.metricsToken());
            UpdateChecks updateChecks = new UpdateChecks(counters, events, clock);

            // Set again once the HTTP server has bound (port 0 picks one); read by request threads. One string per
            // port, so the links' users can tell a change by identity without building it per request.
            java.util.concurrent.atomic.AtomicReference<String> boundBaseUrl =
                    new java.util.concurrent.atomic.AtomicReference<>(config.publicBaseUrl(config.port()));
            Supplier<String> baseUrl = boundBaseUrl::get;
            DownloadLinks links = new DownloadLinks(baseUrl);
            ClientCall calls = new ClientCall(new LegacyRequestAuthenticator(clock, nonces,
                    failure -> metrics.authFailure(failure.reason())), config.maxBodyBytes());
            VersionEndpoint versionEndpoint = new VersionEndpoint(catalog, calls, downloads, links);
            DownloadEndpoint downloadEndpoint = new DownloadEndpoint(catalog, artifacts, downloads);
            UpgradeEndpoint upgradeEndpoint = new UpgradeEndpoint(catalog, calls, updateChecks, links);
            TauriUpdaterEndpoint tauri = new TauriUpdaterEndpoint(catalog, updateChecks, links);
            ElectronFeedEndpoint electron = new ElectronFeedEndpoint(catalog, updateChecks, artifacts, downloads, baseUrl);
            ReportEndpoint reportEndpoint = new ReportEndpoint(catalog, calls, events, clock);
            StatisticsEndpoint statisticsEndpoint = new StatisticsEndpoint(catalog, calls, statistics);
            UploadChecks uploadChecks = new UploadChecks();
            ArtifactAdmin artifactAdmin = new ArtifactAdmin(db, catalog, artifacts, links, uploadChecks, clock,
                    config.maxArtifactBytes());
            VersionAdmin versionAdmin = new VersionAdmin(db, catalog, artifactAdmin, downloads, clock, config.maxBodyBytes());
            StrategyAdmin strategyAdmin = new StrategyAdmin(db, catalog, counters, clock, config.maxBodyBytes());
            ReleasePublisher publisher = new ReleasePublisher(db, catalog, artifacts, artifactAdmin, versionAdmin,
                    strategyAdmin, uploadChecks, new RemoteFetcher(config.publish().fetchHosts(), config.publish().fetchAllowPrivate()), clock, config.maxArtifactBytes());
            ReleaseAdmin releaseAdmin = new ReleaseAdmin(catalog, artifactAdmin, publisher, uploadChecks,
                    config.maxBodyBytes());
            CiUploadEndpoint ciUpload = new CiUploadEndpoint(catalog, calls, artifactAdmin, publisher, uploadChecks);
            DeviceAdmin deviceAdmin = new DeviceAdmin(db, catalog, clock, config.maxBodyBytes());
            Sessions sessions = new Sessions(db, clock, config.sessions(), adminAuth::installationTenantId,
                    config.publicUrl() != null && "https".equalsIgnoreCase(config.publicUrl().getScheme()));
            AdminApi adminApi = new AdminApi(db, catalog, cipher, adminAuth, versionAdmin, strategyAdmin, deviceAdmin,
                    sessions, clock, config.maxBodyBytes());
            OpenApiDocument openApi = warmUp.openApi();
            AccountAdmin accountAdmin = new AccountAdmin(db, adminAuth, sessions, new LoginThrottle(clock), clock,
                    config.maxBodyBytes());
            Console console = new Console(catalog, db, statistics, links, sessions, clock);

            List<AdminRoutes.Route> adminRoutes = new ArrayList<>();
            HttpServer http = new HttpServer(config.host(), config.port(), metrics, clientRoutes -> {
                versionEndpoint.register(clientRoutes);
                upgradeEndpoint.register(clientRoutes);
                tauri.register(clientRoutes);
                electron.register(clientRoutes);
                reportEndpoint.register(clientRoutes);
                statisticsEndpoint.register(clientRoutes);
            }, routes -> {
                ops.register(routes);
                electron.registerFiles(routes);
                downloadEndpoint.register(routes);
                new StaticFeeds(catalog, links, baseUrl, clock).register(routes);
                ciUpload.register(routes);
                AdminRoutes admin = new AdminRoutes(routes);
                adminApi.register(routes, admin);
                accountAdmin.register(admin);
                openApi.register(admin);
                releaseAdmin.register(admin);
                new StatisticsAdmin(catalog, statistics).register(admin);
                adminRoutes.addAll(admin.routes());
                console.register(routes);
            });
            http.start();
            boundBaseUrl.set(config.publicBaseUrl(http.port()));
            RolloutHealth rolloutHealth = new RolloutHealth(db, catalog, clock).start(Duration.ofSeconds(15));
            return new UpshiftServer(config, db, nonces, downloads, events, http, catalog, bootstrap, metrics,
                    readiness, rolloutHealth, adminRoutes, sessions);
        } catch (RuntimeException | IOException e) {
            if (nonces != null) {
                nonces.close();
            }
            if (downloads != null) {
                downloads.close();
            }
            if (events != null) {
                events.close();
            }
            if (readiness != null) {
                readiness.close();
            }
            warmUp.abandon();
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

    /**
     * Stops accepting requests, then closes the nonce store (forcing the journal, or draining the writer), the
     * download counts and the event queue, then closes the pool.
     */
    @Override
    public void close() {
        rolloutHealth.close();
        http.stop();
        nonces.close();
        downloads.close();
        events.close();
        readiness.close();
        metrics.close();
        db.close();
    }

    /** The nonce store (tests close it under a running server to make reservations fail). */
    NonceStore nonces() {
        return nonces;
    }

    /** The database, for tests that take it away under a running server. */
    Database database() {
        return db;
    }

    /** The asynchronous log of update-check facts (for tests and metrics). */
    /** The automatic pause and stage advance job (tests run it with {@link RolloutHealth#runOnce()}). */
    public RolloutHealth rolloutHealth() {
        return rolloutHealth;
    }

    /** The event pipeline: reports and facts (for tests and metrics). */
    public EventQueue events() {
        return events;
    }
}
