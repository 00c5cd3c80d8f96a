package dev.upshift.server.protocol.feeds;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.core.rollout.RolloutEngine;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import dev.upshift.server.protocol.upgradelink.ClientApiException;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The static update feeds, for clients that do not speak UpgradeLink: one release model ({@link ChannelReleases}),
 * one view per format. The app key and channel are in the path, never in the query, because electron-updater
 * copies a feed's query onto every file URL and Squirrel/Velopack resolve package names against the feed's
 * directory. The feeds are public by app key (native updaters cannot sign) and read only the catalog snapshot.
 * Every route answers GET and HEAD; unknown apps, apps of another kind and unknown channels are 404001 JSON errors.
 *
 * <pre>
 * /feeds/{app}/tauri/{channel}/latest.json                         Tauri static JSON, all platforms
 * /feeds/{app}/tauri/{channel}/{target}/{arch}/latest.json         Tauri static JSON, one platform
 * /feeds/{app}/electron/{channel}[-mac|-linux[-arch]].yml          electron-updater generic provider
 * /feeds/{app}/squirrel-mac/{channel}/{arch}/{currentVersion}      Squirrel.Mac server mode (200 JSON or 204)
 * /feeds/{app}/squirrel-win/{channel}/RELEASES                     Squirrel.Windows (packages next to it)
 * /feeds/{app}/velopack/releases.{channel}.json                    Velopack (packages next to it)
 * /feeds/{app}/sparkle/{channel}[/{arch}]/appcast.xml              Sparkle appcast
 * </pre>
 * What each feed publishes and how percentages map is in decision 0014 and {@code docs/api/feeds.md}.
 */
public final class StaticFeeds {
    private static final Pattern VELOPACK_FEED = Pattern.compile("releases\\.([A-Za-z0-9-]{1,40})\\.json");
    private static final List<String> VELOPACK_OS = List.of("win", "osx", "linux");

    private final CatalogStore catalog;
    private final DownloadLinks links;
    private final Supplier<String> baseUrl;
    private final Clock clock;

    public StaticFeeds(CatalogStore catalog, DownloadLinks links, Supplier<String> baseUrl, Clock clock) {
        this.catalog = catalog;
        this.links = links;
        this.baseUrl = baseUrl;
        this.clock = clock;
    }

    /** A handler that knows whether it answers a HEAD. */
    private interface Handler {
        void handle(Context ctx, boolean head) throws Exception;
    }

    public void register(RoutesConfig r) {
        route(r, "/feeds/{appKey}/tauri/{channel}/latest.json", (ctx, head) -> tauri(ctx, head, null, null));
        route(r, "/feeds/{appKey}/tauri/{channel}/{target}/{arch}/latest.json",
                (ctx, head) -> tauri(ctx, head, ctx.pathParam("target"), ctx.pathParam("arch")));
        route(r, "/feeds/{appKey}/electron/{file}", this::electron);
        route(r, "/feeds/{appKey}/electron/arm64/{versionId}/{role}/{fileName}", this::electronArm64File);
        route(r, "/feeds/{appKey}/squirrel-mac/{channel}/{arch}/{currentVersion}", this::squirrelMac);
        route(r, "/feeds/{appKey}/squirrel-win/{channel}/{file}", this::squirrelWindows);
        route(r, "/feeds/{appKey}/velopack/{file}", this::velopack);
        route(r, "/feeds/{appKey}/sparkle/{channel}/appcast.xml", (ctx, head) -> sparkle(ctx, head, "x64"));
        route(r, "/feeds/{appKey}/sparkle/{channel}/{arch}/appcast.xml",
                (ctx, head) -> sparkle(ctx, head, ctx.pathParam("arch")));
    }

    private static void route(RoutesConfig r, String path, Handler h) {
        r.get(path, ctx -> h.handle(ctx, false));
        r.head(path, ctx -> h.handle(ctx, true));
    }

    /** When a release started to be published: the later of its strategy's creation and its window's begin. */
    static long publishedAt(ChannelReleases.Release r) {
        return Math.max(r.strategy().createdAt(), r.strategy().rule().begin().toEpochMilli());
    }

    private ChannelReleases releases(CatalogSnapshot snap, App app, String channel) {
        return ChannelReleases.of(snap, app, channel, Instant.now(clock));
    }

    // ---- Tauri -----------------------------------------------------------------------------------------------

    private void tauri(Context ctx, boolean head, String target, String arch) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "tauri", List.of(AppKind.TAURI));
        String channel = FeedHttp.channel(snap, app, ctx.pathParam("channel"));
        if (target != null) {
            oneOf("target", target, AppKind.TAURI.platforms());
            oneOf("arch", arch, AppKind.TAURI.arches());
        }
        Optional<Map<String, Object>> doc = TauriStaticFeed.render(app, releases(snap, app, channel), target, arch, links);
        if (doc.isEmpty()) {
            FeedHttp.noContent(ctx); // Tauri reads 204 as "no update" from any endpoint
            return;
        }
        FeedHttp.send(ctx, head, "application/json", Json.bytes(doc.get()));
    }

    // ---- electron-updater ------------------------------------------------------------------------------------

    private void electron(Context ctx, boolean head) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "electron", List.of(AppKind.ELECTRON));
        String file = ctx.pathParam("file");
        ElectronChannelFile.Request req = ElectronChannelFile.parse(file).orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.NOT_FOUND, "Unknown feed file '" + file
                + "'; electron-updater asks for <channel>[-mac|-linux[-<arch>]].yml"));
        String channel = FeedHttp.channel(snap, app, req.channel());
        Optional<byte[]> body = ElectronChannelFile.render(app, releases(snap, app, channel), req, links, baseUrl.get());
        // electron-updater has no "no update" answer: a 404 is ERR_UPDATER_CHANNEL_FILE_NOT_FOUND, reported as a
        // failed check, which is what an empty channel is until something is published to it.
        FeedHttp.send(ctx, head, "text/yaml; charset=utf-8", body.orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.NOT_FOUND, "Nothing is published to channel '" + channel + "' for " + req.platform()
                + (req.arch() == null ? "" : " " + req.arch()) + " yet")));
    }

    /** An arm64 mac zip whose name lacks "arm64", under a URL that has it (MacUpdater picks files by URL). */
    private void electronArm64File(Context ctx, boolean head) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "electron", List.of(AppKind.ELECTRON));
        Version v = versionOf(snap, app, ctx.pathParam("versionId"));
        String role = ctx.pathParam("role");
        String name = ctx.pathParam("fileName");
        Optional<VersionFile> exact = v.file(role, name);
        String target;
        if (exact.isPresent()) {
            target = links.file(app, v, exact.get());
        } else if (name.endsWith(".blockmap") && v.file(role, name.substring(0, name.length() - 9)).isPresent()) {
            target = links.file(app, v, v.file(role, name.substring(0, name.length() - 9)).get()) + ".blockmap";
        } else {
            throw new ClientApiException(UpgradeLinkCode.NOT_FOUND, "Version " + v.name() + " has no " + role
                    + " file named '" + name + "'");
        }
        redirect(ctx, target);
    }

    // ---- Squirrel.Mac ----------------------------------------------------------------------------------------

    private void squirrelMac(Context ctx, boolean head) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "squirrel-mac", List.of(AppKind.ELECTRON, AppKind.MAC));
        String channel = FeedHttp.channel(snap, app, ctx.pathParam("channel"));
        String arch = ctx.pathParam("arch");
        oneOf("arch", arch, List.of("x64", "arm64"));
        ClientVersion current = clientVersion(app, ctx.pathParam("currentVersion"));
        String platform = app.kind() == AppKind.ELECTRON ? "darwin" : "";
        Optional<ChannelReleases.Release> newest = releases(snap, app, channel).on(platform, null).stream()
                .filter(r -> archMatches(app, r.version(), arch))
                .filter(r -> !r.partial() && zip(r.version()).isPresent())
                .findFirst();
        if (newest.isEmpty()) {
            FeedHttp.noContent(ctx);
            return;
        }
        ChannelReleases.Release r = newest.get();
        boolean newer = r.strategy().rule().version().isNewerThan(current);
        // Squirrel.Mac installs whatever it is given, so a client on a yanked version is moved to the published one.
        boolean rollback = !newer && !r.strategy().rule().version().sameAs(current)
                && runsYanked(snap, app, platform, arch, current);
        if (!newer && !rollback) {
            FeedHttp.noContent(ctx);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", links.file(app, r.version(), zip(r.version()).orElseThrow()));
        body.put("name", r.version().name());
        body.put("notes", r.notes());
        body.put("pub_date", Sql.rfc3339(r.version().createdAt()));
        FeedHttp.send(ctx, head, "application/json", Json.bytes(body));
    }

    private static Optional<VersionFile> zip(Version v) {
        return v.files().stream().filter(f -> f.role().equals("update") && f.format().equals("zip")).findFirst()
                .or(() -> v.files().stream().filter(f -> f.format().equals("zip")).findFirst());
    }

    private static ClientVersion clientVersion(App app, String text) {
        if (app.kind().versionScheme() == AppKind.VersionScheme.SEMVER) {
            SemVer.ParseResult p = SemVer.parse(text);
            if (p.version() == null) {
                throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                        "The current version in the path must be a SemVer version such as 1.0.1; '" + text + "' " + p.error());
            }
            return ClientVersion.of(p.version());
        }
        try {
            long code = Long.parseLong(text);
            if (code >= 0) {
                return ClientVersion.ofCode(code);
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "The current version in the path must be the "
                + "integer version code (CFBundleVersion) for " + app.kind().wireName() + " apps; got '" + text + "'");
    }

    private static boolean runsYanked(CatalogSnapshot snap, App app, String platform, String arch, ClientVersion current) {
        String semver = current.semver() != null ? current.semver().canonical() : null;
        for (String a : List.of(arch, "")) {
            Optional<Version> v = snap.installedVersionId(app.id(), platform, a, semver, current.code())
                    .flatMap(snap::version);
            if (v.isPresent()) {
                return v.get().yanked();
            }
        }
        return false;
    }

    /** Electron versions are per arch; mac versions may be arch-neutral (empty arch), which matches any arch. */
    private static boolean archMatches(App app, Version v, String arch) {
        return v.arch().equals(arch) || (app.kind() != AppKind.ELECTRON && v.arch().isEmpty());
    }

    // ---- Squirrel.Windows ------------------------------------------------------------------------------------

    private void squirrelWindows(Context ctx, boolean head) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "squirrel-win", List.of(AppKind.ELECTRON, AppKind.WIN));
        String channel = FeedHttp.channel(snap, app, ctx.pathParam("channel"));
        String file = ctx.pathParam("file");
        if (!file.equals("RELEASES")) {
            redirectToPackage(ctx, snap, app, file);
            return;
        }
        String arch = squirrelArch(ctx.queryParam("arch"));
        String platform = app.kind() == AppKind.ELECTRON ? "windows" : "";
        List<NupkgFeeds.Package> packages = NupkgFeeds.packages(releases(snap, app, channel).on(platform, null),
                r -> !r.partial() && (r.version().arch().equals(arch) || r.version().arch().isEmpty()));
        FeedHttp.send(ctx, head, "text/plain; charset=utf-8", NupkgFeeds.releasesFile(packages));
    }

    /** Squirrel's {@code arch} query ({@code amd64}, {@code x86}, {@code arm64}) as a stored arch; x64 when absent. */
    static String squirrelArch(String q) {
        if (q == null || q.isEmpty()) {
            return "x64";
        }
        return switch (q.toLowerCase(Locale.ROOT)) {
            case "amd64", "x64" -> "x64";
            case "x86", "ia32" -> "ia32";
            case "arm64" -> "arm64";
            default -> throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter arch must be amd64, x86 or arm64; got '" + q + "'");
        };
    }

    // ---- Velopack --------------------------------------------------------------------------------------------

    private void velopack(Context ctx, boolean head) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "velopack", List.of(AppKind.WIN, AppKind.MAC, AppKind.LNX));
        String file = ctx.pathParam("file");
        Matcher m = VELOPACK_FEED.matcher(file);
        if (!m.matches()) {
            redirectToPackage(ctx, snap, app, file);
            return;
        }
        // Velopack's channel is the OS name by default (win, osx, linux); "win-beta" is the beta channel for
        // Windows; any other name is an Upshift channel for the app's own OS.
        String requested = m.group(1).toLowerCase(Locale.ROOT);
        String os = null;
        String channelName = requested;
        int dash = requested.indexOf('-');
        String head0 = dash < 0 ? requested : requested.substring(0, dash);
        if (VELOPACK_OS.contains(head0)) {
            os = head0;
            channelName = dash < 0 ? "stable" : requested.substring(dash + 1);
        }
        String channel = FeedHttp.channel(snap, app, channelName);
        String appOs = switch (app.kind()) {
            case WIN -> "win";
            case MAC -> "osx";
            default -> "linux";
        };
        String arch = ctx.queryParam("arch");
        String stagingId = ctx.queryParam("stagingId");
        List<NupkgFeeds.Package> packages = os != null && !os.equals(appOs) ? List.of()
                : NupkgFeeds.packages(releases(snap, app, channel).all(), r ->
                        (arch == null || arch.isEmpty() || r.version().arch().isEmpty() || r.version().arch().equals(arch))
                                && (!r.partial() || inStaging(r, stagingId)));
        FeedHttp.send(ctx, head, "application/json", Json.bytes(NupkgFeeds.velopack(app, packages)));
    }

    /** Velopack sends its installation's {@code stagingId}: the same bucket as the engine's percentage check. */
    private static boolean inStaging(ChannelReleases.Release r, String stagingId) {
        return stagingId != null && !stagingId.isEmpty() && stagingId.length() <= 128
                && RolloutEngine.bucket(r.strategy().id(), stagingId) < r.percentage();
    }

    // ---- Sparkle ---------------------------------------------------------------------------------------------

    private void sparkle(Context ctx, boolean head, String arch) {
        CatalogSnapshot snap = catalog.current();
        App app = FeedHttp.app(snap, ctx.pathParam("appKey"), "sparkle", List.of(AppKind.MAC, AppKind.ELECTRON));
        String channel = FeedHttp.channel(snap, app, ctx.pathParam("channel"));
        oneOf("arch", arch, List.of("x64", "arm64"));
        String platform = app.kind() == AppKind.ELECTRON ? "darwin" : "";
        List<ChannelReleases.Release> list = releases(snap, app, channel).on(platform, null).stream()
                .filter(r -> r.version().arch().equals(arch) || r.version().arch().isEmpty())
                .toList();
        FeedHttp.send(ctx, head, "application/rss+xml; charset=utf-8", SparkleAppcast.render(app, list, links));
    }

    // ---- packages --------------------------------------------------------------------------------------------

    /**
     * A package named relative to a Squirrel or Velopack feed: a 302 to its {@code /v1/files} URL, which serves
     * ranges and counts the download. Any version of the app may be fetched this way (as through {@code /v1/files}).
     */
    private void redirectToPackage(Context ctx, CatalogSnapshot snap, App app, String fileName) {
        for (Version v : snap.versions(app.id())) {
            for (VersionFile f : v.files()) {
                if (f.format().equals("nupkg") && f.fileName().equals(fileName)) {
                    redirect(ctx, links.file(app, v, f));
                    return;
                }
            }
        }
        throw new ClientApiException(UpgradeLinkCode.NOT_FOUND, "App '" + app.key() + "' has no package named '"
                + fileName + "'");
    }

    private static void redirect(Context ctx, String url) {
        ctx.header("Cache-Control", "no-cache");
        ctx.redirect(url, HttpStatus.FOUND);
    }

    private static Version versionOf(CatalogSnapshot snap, App app, String id) {
        long n;
        try {
            n = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "The version id in the path must be a number");
        }
        return snap.version(n).filter(v -> v.appId() == app.id()).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "This app has no version with id " + n));
    }

    private static void oneOf(String name, String value, List<String> allowed) {
        if (!allowed.contains(value)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Path segment " + name + " must be one of " + String.join(", ", allowed) + "; got '" + value + "'");
        }
    }
}
