package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.ClientExchange;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /v1/<kind>/version} for all nine kinds: "tell me about the version I run".
 *
 * <p>Semantics (kept from the reference implementation, and written down in docs/api/upgradelink.md): the answer
 * describes the version that <em>matches the client's own version</em>, same app, same platform/arch, same version,
 * not the newest one; no match is 404001. The request names the client's version as an integer
 * {@code versionCode} (url, file, apk, configuration, win, mac, lnx) or as a SemVer {@code versionName}
 * (tauri, electron; an integer {@code versionCode} is accepted as an alternative and matches the release with that
 * UpgradeLink code).
 *
 * <p>Response {@code data} per kind follows the protocol (spec section 4.4); win, mac and lnx return the documented
 * superset with hashes, size, download URL and download count from the uploaded artifact.
 */
public final class VersionEndpoint {
    private final CatalogStore catalog;
    private final ClientCall calls;
    private final DownloadCounter downloads;
    private final DownloadLinks links;

    public VersionEndpoint(CatalogStore catalog, ClientCall calls, DownloadCounter downloads, DownloadLinks links) {
        this.catalog = catalog;
        this.calls = calls;
        this.downloads = downloads;
        this.links = links;
    }

    public void register(ClientRouter r) {
        for (AppKind kind : AppKind.values()) {
            r.post("/v1/" + kind.wireName() + "/version", calls.threading(), exchange -> handle(kind, exchange));
        }
    }

    private void handle(AppKind kind, ClientExchange exchange) {
        ClientCall.Signed call = calls.authenticate(exchange, catalog.current());
        ClientRequest body = call.body();

        String appKey = body.requiredString(kind.keyField());
        ClientRequest.ClientVersion clientVersion = kind.versionScheme() == AppKind.VersionScheme.SEMVER
                ? body.semverVersion()
                : new ClientRequest.ClientVersion(null, body.requiredPositiveLong("versionCode"));
        String platform = kind.platformField() == AppKind.PlatformField.NONE ? ""
                : body.requiredChoice(kind.platformField().wireName(), kind.platforms(), kind);
        String arch = kind.hasArch() ? body.requiredChoice("arch", kind.arches(), kind) : "";

        App app = ClientCall.ownedApp(call, kind, appKey);
        Optional<Version> found = clientVersion.semver() != null
                ? call.catalog().versionByIdentity(app.id(), platform, arch, clientVersion.semver().canonical())
                : call.catalog().versionByCode(app.id(), platform, arch, clientVersion.code());
        Version v = found.orElseThrow(() -> new ClientApiException(UpgradeLinkCode.NOT_FOUND,
                "No available version found",
                "The corresponding application version was not found. Please confirm it has been created for this "
                        + "app" + (platform.isEmpty() ? "" : ", " + platform) + (arch.isEmpty() ? "" : ", " + arch) + "."));

        String msg = kind == AppKind.TAURI ? "New version obtained" : "Version details found";
        ClientCall.respond(exchange, UpgradeLinkCode.FOUND, msg, "", data(kind, app, v));
    }

    private Map<String, Object> data(AppKind kind, App app, Version v) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(kind.keyField(), app.key());
        switch (kind) {
            case URL, FILE, CONFIGURATION -> {
                d.put("versionName", v.name());
                d.put("versionCode", v.code());
                d.put("description", v.description());
            }
            case APK -> {
                d.put("packageName", app.packageName());
                d.put("versionName", v.name());
                d.put("versionCode", v.code());
                d.put("description", v.description());
            }
            case TAURI -> {
                d.put("versionName", v.name());
                d.put("versionCode", v.code());
                d.put("target", v.platform());
                d.put("arch", v.arch());
                d.put("description", v.description());
            }
            case ELECTRON -> {
                d.put("platform", v.platform());
                d.put("arch", v.arch());
                d.put("versionName", v.name());
                d.put("versionCode", v.code());
                d.put("description", v.description());
            }
            case WIN, MAC, LNX -> desktopSuperset(kind, app, v, d);
        }
        return d;
    }

    /** The documented win superset, in the documented field order; mac and lnx mirror it. */
    private void desktopSuperset(AppKind kind, App app, Version v, Map<String, Object> d) {
        Optional<VersionFile> file = v.primaryFile();
        d.put("packageName", app.packageName());
        d.put("versionName", v.name());
        d.put("versionCode", v.code());
        d.put("description", v.description());
        d.put("pubDate", Sql.rfc3339(v.createdAt()));
        d.put("arch", v.arch());
        d.put("releaseNote", v.releaseNote());
        d.put("changelog", v.changelog());
        d.put("upgradeMode", v.upgradeMode());
        d.put("forcedUpgradeVersionCode", v.forcedUpgradeVersionCode());
        d.put("silentUpgradeVersionCode", v.silentUpgradeVersionCode());
        d.put("target", kind.wireName());
        d.put("releaseUrl", v.releaseUrl());
        d.put("updateType", v.updateType());
        d.put("md5", file.map(VersionFile::md5).orElse(""));
        d.put("sha256", file.map(VersionFile::sha256).orElse(""));
        d.put("downloadUrl", file.map(f -> links.download(app, v, f.role())).orElse(""));
        d.put("fileSize", file.map(VersionFile::size).orElse(0L));
        d.put("downloadTimes", downloads.total(v.id()));
        d.put("isPreRelease", v.preRelease());
    }
}
