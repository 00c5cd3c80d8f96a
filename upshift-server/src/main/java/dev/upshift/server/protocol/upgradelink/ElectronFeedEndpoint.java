package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.Channels;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.StrategyEntry;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import dev.upshift.server.rollout.UpdateChecks;
import dev.upshift.server.http.ClientExchange;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.JavalinExchange;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /v1/electron/upgrade} and its channel files ({@code /upgrade/latest.yml}, {@code latest-mac.yml},
 * {@code latest-linux.yml}, {@code beta-linux-arm64.yml}, ...): the electron-updater "generic provider" feed,
 * configured as {@code setFeedURL({provider: 'generic', url: '.../v1/electron/upgrade?electronKey=K&versionName=...&platform=...&arch=...'})}
 * with {@code requestHeaders: {'X-AccessKey': ak}}.
 *
 * <p>The body is JSON (valid YAML) with {@code version}, {@code files[{url, sha512, size}]}, {@code path},
 * {@code sha512}, {@code releaseDate} plus UpgradeLink's {@code upgradeType} and {@code promptUpgradeContent}.
 * {@code sha512} is the base64 SHA-512 of the stored file, computed at upload. The channel comes from the channel
 * file's name ({@code beta.yml} means beta; {@code latest} means stable) unless a {@code channel} parameter says
 * otherwise. The device identity is {@code devKey}, else the {@code x-user-staging-id} header electron-updater
 * sends with every check.
 *
 * <p>File URLs carry the version in the path ({@code /v1/electron/files/<versionId>/<role>/<fileName>}) because
 * electron-updater replaces a file URL's query with the feed's query; the feed's query still names the app key,
 * which the file route requires.
 */
public final class ElectronFeedEndpoint {
    private static final Pattern CHANNEL_FILE = Pattern.compile("([a-z0-9][a-z0-9-]*?)(-mac|-linux(-[a-z0-9]+)?)?\\.yml");

    private final CatalogStore catalog;
    private final UpdateChecks checks;
    private final ArtifactStore artifacts;
    private final DownloadCounter downloads;
    private final java.util.function.Supplier<String> baseUrl;

    public ElectronFeedEndpoint(CatalogStore catalog, UpdateChecks checks, ArtifactStore artifacts,
                                DownloadCounter downloads, java.util.function.Supplier<String> baseUrl) {
        this.catalog = catalog;
        this.checks = checks;
        this.artifacts = artifacts;
        this.downloads = downloads;
        this.baseUrl = baseUrl;
    }

    /** The feed, on the client router: electron apps ask it at every start and on a timer. */
    public void register(ClientRouter r) {
        r.get("/v1/electron/upgrade", ClientRouter.Threading.SELECTOR, exchange -> handle(exchange, null));
        r.get("/v1/electron/upgrade/{file}", ClientRouter.Threading.SELECTOR, exchange -> {
            Matcher m = CHANNEL_FILE.matcher(exchange.pathParam("file"));
            if (!m.matches()) {
                throw new ClientApiException(UpgradeLinkCode.REQUEST_NOT_FOUND,
                        "Unknown feed file '" + exchange.pathParam("file") + "'; electron-updater asks for <channel>[-mac|-linux[-arch]].yml");
            }
            handle(exchange, m.group(1));
        });
    }

    /** The files the feed links to, streamed with ranges by Javalin's download path. */
    public void registerFiles(RoutesConfig r) {
        r.get("/v1/electron/files/{versionId}/{role}/{fileName}", ctx -> file(ctx, false));
        r.head("/v1/electron/files/{versionId}/{role}/{fileName}", ctx -> file(ctx, true));
    }

    private void handle(ClientExchange exchange, String channelFromFile) {
        CatalogSnapshot snap = catalog.current();
        AppKind kind = AppKind.ELECTRON;
        String appKey = FeedQuery.required(exchange, kind.keyField());
        String versionText = FeedQuery.required(exchange, "versionName");
        ClientVersion current = ClientVersion.of(FeedQuery.semver("versionName", versionText));
        String platform = FeedQuery.choice(exchange, kind, "platform", kind.platforms());
        String arch = FeedQuery.choice(exchange, kind, "arch", kind.arches());
        ClientVersion appointed = FeedQuery.appointed(exchange);
        String channel = UpgradeEndpoint.channel(FeedQuery.optional(exchange, "channel"));
        if (channel == null && channelFromFile != null && !Channels.normalize(channelFromFile).equals(Channels.STABLE)) {
            channel = channelFromFile;
        }
        String device = UpgradeEndpoint.deviceKey(FeedQuery.optional(exchange, "devKey"), exchange);
        App app = ClientCall.feedApp(exchange, snap, kind, appKey);

        UpdateChecks.Outcome outcome = checks.check(snap, app, new UpdateChecks.Request(current, appointed, platform,
                arch, channel, device, UpgradeEndpoint.deviceModel(FeedQuery.optional(exchange, "devModelKey"))));
        UpgradeEndpoint.refuseIfFlowLimited(exchange, outcome);
        Map<String, Object> body = new LinkedHashMap<>();
        if (!outcome.isOffer() || outcome.offered().files().isEmpty()) {
            body.put("version", versionText);
            body.put("promptUpgradeContent", UpgradeEndpoint.LATEST_MSG);
            body.put("files", null);
            body.put("path", "");
            body.put("sha512", "");
            body.put("releaseDate", "");
            body.put("upgradeType", 0);
            exchange.respondJson(200, Json.bytes(body));
            return;
        }
        Version v = outcome.offered();
        StrategyEntry strategy = snap.strategy(outcome.offer().strategy().id()).orElseThrow();
        List<Map<String, Object>> files = new ArrayList<>();
        for (String role : List.of("update", "install")) {
            v.file(role).ifPresent(f -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("url", fileUrl(app, v, f));
                entry.put("sha512", StoredBlob.base64OfHex(f.sha512()));
                entry.put("size", f.size());
                files.add(entry);
            });
        }
        body.put("upgradeType", outcome.offer().strategy().upgradeType());
        body.put("promptUpgradeContent", outcome.offer().strategy().promptText());
        body.put("version", v.name());
        body.put("files", files);
        body.put("path", files.get(0).get("url"));
        body.put("sha512", files.get(0).get("sha512"));
        body.put("releaseDate", Sql.rfc3339(strategy.updatedAt()));
        exchange.respondJson(200, Json.bytes(body));
    }

    private String fileUrl(App app, Version v, VersionFile f) {
        return baseUrl.get() + "/v1/electron/files/" + v.id() + "/" + f.role() + "/"
                + URLEncoder.encode(f.fileName(), StandardCharsets.UTF_8).replace("+", "%20")
                + "?electronKey=" + URLEncoder.encode(app.key(), StandardCharsets.UTF_8);
    }

    private void file(Context ctx, boolean head) throws IOException {
        CatalogSnapshot snap = catalog.current();
        String appKey = FeedQuery.required(new JavalinExchange(ctx), AppKind.ELECTRON.keyField());
        App app = snap.app(appKey).filter(a -> a.kind() == AppKind.ELECTRON).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "No electron app with electronKey '" + appKey + "'"));
        DownloadEndpoint.serveVersionFile(ctx, snap, app, artifacts, downloads, head);
    }
}
