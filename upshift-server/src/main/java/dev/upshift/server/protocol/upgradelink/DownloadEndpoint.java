package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.artifacts.FileResponder;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET|HEAD /v1/<kind>/download}: the unauthenticated "download" links of UpgradeLink, for every kind with
 * files, plus url apps (a 302 to the stored external URL).
 *
 * <p>Selection, with the protocol's defects fixed: {@code versionId} must belong to the app named by the key (no
 * reaching into other apps' files); else {@code versionCode} picks that exact version; else the highest version
 * that is not a pre-release. Platform and arch filters (where the kind has them) apply to the code and latest
 * selections. {@code downloadType=2} picks the update bundle, 1 (default) the install package. Only a GET that
 * sends every byte of the file (a 200, or a range covering the whole file) counts as a download; resumes, probes,
 * HEAD and 304 do not.
 */
public final class DownloadEndpoint {
    static final String FILES = "/v1/files/{appKey}/{versionId}/{role}/{fileName}";
    private static final String BLOCKMAP = ".blockmap";
    private static final Map<String, List<String>> ELECTRON_VARIANTS = Map.of(
            ".dmg", List.of("dmg"), ".exe", List.of("nsis", "exe"), ".AppImage", List.of("appimage"),
            ".zip", List.of("zip"));

    private final CatalogStore catalog;
    private final ArtifactStore artifacts;
    private final DownloadCounter downloads;

    public DownloadEndpoint(CatalogStore catalog, ArtifactStore artifacts, DownloadCounter downloads) {
        this.catalog = catalog;
        this.artifacts = artifacts;
        this.downloads = downloads;
    }

    public void register(RoutesConfig r) {
        for (AppKind kind : AppKind.values()) {
            if (kind == AppKind.CONFIGURATION) {
                continue;
            }
            String path = "/v1/" + kind.wireName() + "/download";
            r.get(path, ctx -> handle(kind, ctx, false, null));
            r.head(path, ctx -> handle(kind, ctx, true, null));
        }
        // electron's fixed "download the installer" links (upgradelink-protocol §4.7), one per package format.
        ELECTRON_VARIANTS.forEach((suffix, formats) -> {
            String path = "/v1/electron/download" + suffix;
            r.get(path, ctx -> handle(AppKind.ELECTRON, ctx, false, formats));
            r.head(path, ctx -> handle(AppKind.ELECTRON, ctx, true, formats));
        });
        r.get(FILES, ctx -> file(ctx, false));
        r.head(FILES, ctx -> file(ctx, true));
    }

    /**
     * {@code GET /v1/files/<appKey>/<versionId>/<role>/<fileName>}: one file of one version by a path without a
     * query, for feeds whose clients build file URLs from a base (electron-updater copies the feed's query onto
     * every file URL; Squirrel, Velopack and Sparkle resolve names against the feed). {@code <fileName>.blockmap}
     * serves the file's electron-builder block map. Works for yanked versions too: a client that already started a
     * download may finish it, and operators can audit the bytes.
     */
    private void file(Context ctx, boolean head) throws IOException {
        CatalogSnapshot snap = catalog.current();
        String appKey = ctx.pathParam("appKey");
        App app = snap.app(appKey).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "No app with key '" + appKey + "'"));
        serveVersionFile(ctx, snap, app, artifacts, downloads, head);
    }

    /** Serves path parameters {@code versionId}, {@code role} and {@code fileName} of {@code app}. */
    static void serveVersionFile(Context ctx, CatalogSnapshot snap, App app, ArtifactStore artifacts,
                                 DownloadCounter downloads, boolean head) throws IOException {
        long id;
        try {
            id = Long.parseLong(ctx.pathParam("versionId"));
        } catch (NumberFormatException e) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "The version id in the path must be a number");
        }
        Version v = snap.version(id).filter(x -> x.appId() == app.id()).orElseThrow(() ->
                new ClientApiException(UpgradeLinkCode.NOT_FOUND, "This app has no version with id " + id));
        String role = ctx.pathParam("role");
        String name = ctx.pathParam("fileName");
        Optional<VersionFile> exact = v.file(role, name);
        if (exact.isPresent()) {
            serveFile(ctx, artifacts, downloads, exact.get(), "version " + v.name(), v.id(), head);
            return;
        }
        // The name must be the file's own or its block map's: electron-updater probes "<file>.blockmap" before a
        // differential download, and answering that with the installer would make it download everything twice.
        if (name.endsWith(BLOCKMAP)) {
            String base = name.substring(0, name.length() - BLOCKMAP.length());
            // electron-updater finds the installed version's block map by replacing the new version with the old
            // one in the new file's URL: the path keeps the new version's id but names the old file, so look for
            // that name among the versions built for the same platform and arch.
            Optional<VersionFile> owner = v.file(role, base).filter(f -> f.blockmap() != null)
                    .or(() -> snap.versions(app.id()).stream()
                            .filter(o -> o.platform().equals(v.platform()) && o.arch().equals(v.arch()))
                            .flatMap(o -> o.file(role, base).stream()).filter(f -> f.blockmap() != null).findFirst());
            if (owner.isPresent()) {
                VersionFile.Blockmap bm = owner.get().blockmap();
                serveFile(ctx, artifacts, downloads, VersionFile.plain("blockmap", bm.sha256(), bm.size(), "", null, "",
                        name, "application/octet-stream", owner.get().createdAt()), "the block map of " + name, null, head);
                return;
            }
        }
        throw new ClientApiException(UpgradeLinkCode.NOT_FOUND, "Version " + v.name() + " has no " + role
                + " file named '" + name + "'");
    }

    /** {@code formats}: only files of these formats (the electron {@code download.<ext>} links), or null for any. */
    private void handle(AppKind kind, Context ctx, boolean head, List<String> formats) throws IOException {
        CatalogSnapshot snap = catalog.current();
        String appKey = ctx.queryParam(kind.keyField());
        if (appKey == null || appKey.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER, "Missing parameter: " + kind.keyField());
        }
        long versionId = nonNegative(ctx, "versionId");
        long versionCode = nonNegative(ctx, "versionCode");
        long downloadType = nonNegative(ctx, "downloadType");
        if (downloadType > 2) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter downloadType must be 1 (install package) or 2 (update bundle)");
        }
        App app = snap.app(appKey).filter(a -> a.kind() == kind).orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.NOT_FOUND, "No " + kind.wireName() + " app with " + kind.keyField() + " '" + appKey + "'"));

        long patchId = nonNegative(ctx, "patchId");
        if (patchId > 0) {
            dev.upshift.server.catalog.VersionPatch patch = snap.patch(patchId)
                    .filter(p -> snap.version(p.versionId()).map(v -> v.appId() == app.id()).orElse(false))
                    .orElseThrow(() -> new ClientApiException(UpgradeLinkCode.NOT_FOUND, "This app has no patch " + patchId));
            serveFile(ctx, artifacts, downloads, patch.file(), "patch " + patchId, null, head);
            return;
        }
        Version version;
        if (versionId > 0) {
            version = snap.version(versionId).filter(v -> v.appId() == app.id()).orElseThrow(() -> new ClientApiException(
                    UpgradeLinkCode.NOT_FOUND, "This app has no version with id " + versionId));
        } else {
            String platform = filter(ctx, kind, kind.platformField().wireName(), kind.platforms());
            String arch = filter(ctx, kind, "arch", kind.arches());
            // Versions whose file is not uploaded yet are skipped, so "download latest" keeps working while a
            // new version is being published.
            List<Version> candidates = snap.versions(app.id()).stream()
                    .filter(v -> platform == null || v.platform().equals(platform))
                    .filter(v -> arch == null || v.arch().equals(arch))
                    .filter(v -> kind == AppKind.URL || !v.files().isEmpty())
                    .filter(v -> !v.yanked())
                    .filter(v -> formats == null || v.files().stream().anyMatch(f -> formats.contains(f.format())))
                    .toList();
            Optional<Version> chosen = versionCode > 0
                    ? candidates.stream().filter(v -> v.code() == versionCode)
                            .min((a, b) -> Boolean.compare(a.preRelease(), b.preRelease()))
                    : candidates.stream().filter(v -> !v.preRelease()).findFirst();
            version = chosen.orElseThrow(() -> new ClientApiException(UpgradeLinkCode.NOT_FOUND,
                    versionCode > 0 ? "No version with code " + versionCode + " matches" : "This app has no released version yet"));
        }

        if (kind == AppKind.URL) {
            ctx.redirect(version.urlPath(), io.javalin.http.HttpStatus.FOUND);
            if (!head) {
                downloads.increment(version.id());
            }
            return;
        }
        String role = downloadType == 2 ? "update" : "install";
        Optional<VersionFile> chosen = formats == null ? version.file(role).or(version::primaryFile)
                : version.files().stream().filter(f -> formats.contains(f.format()))
                        .min(Comparator.comparing(f -> f.role().equals(role) ? 0 : 1));
        VersionFile file = chosen.orElseThrow(() -> new ClientApiException(UpgradeLinkCode.NOT_FOUND, "Version "
                + version.name() + " has no " + (formats == null ? "uploaded file yet" : formats.get(0) + " file")));
        serveFile(ctx, artifacts, downloads, file, "version " + version.name(), version.id(), head);
    }

    /**
     * Sends a stored file and counts a whole-file download for {@code countVersionId} (null: not counted). A file
     * the catalog names but storage lacks is 500002, never a 404 that would hide the damage.
     */
    static void serveFile(Context ctx, ArtifactStore artifacts, DownloadCounter downloads, VersionFile file,
                          String what, Long countVersionId, boolean head) throws IOException {
        // A store that serves its blobs elsewhere (S3: presigned or CDN URL) gets a 302; the download is counted
        // on the redirect (decision 0013).
        Optional<URI> redirect = artifacts.redirectUrl(file.sha256(), file.fileName(), file.mediaType());
        if (redirect.isPresent()) {
            if (FileResponder.redirect(ctx, redirect.get(), file, head) && countVersionId != null) {
                downloads.increment(countVersionId);
            }
            return;
        }
        Path path = artifacts.localPath(file.sha256()).orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.DATA_CHECK, "The file of " + what + " is missing from storage"));
        if (FileResponder.serve(ctx, path, file, head) == FileResponder.Outcome.FULL && countVersionId != null) {
            downloads.increment(countVersionId);
        }
    }

    private static String filter(Context ctx, AppKind kind, String field, List<String> allowed) {
        if (field == null || allowed.isEmpty()) {
            return null;
        }
        String value = ctx.queryParam(field);
        if (value == null || value.isEmpty()) {
            throw new ClientApiException(UpgradeLinkCode.MISSING_PARAMETER,
                    "Missing parameter: " + field + " (one of " + String.join(", ", allowed) + "), or give versionId");
        }
        String normalized = field.equals("platform") ? kind.normalizePlatform(value) : value;
        if (!allowed.contains(normalized)) {
            throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER,
                    "Parameter " + field + " must be one of " + String.join(", ", allowed) + "; got '" + value + "'");
        }
        return normalized;
    }

    private static long nonNegative(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return 0;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter " + name + " must be a non-negative integer");
    }
}
