package dev.upshift.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.kind.AppKind;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.ArtifactTooLargeException;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.artifacts.MediaTypes;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Versions and their artifacts in the admin API. One code path for all nine kinds: the kind decides which
 * platform fields are required and how the version is identified (integer code, or SemVer mapped to UpgradeLink's
 * integer code for sorting).
 *
 * <p>Artifact upload streams the request body to the artifact store (never whole in memory), which hashes and
 * makes the blob durable before any row refers to it. A version's file for a role is immutable: the same bytes
 * again are accepted (idempotent retry), other bytes are refused with 409.
 */
public final class VersionAdmin {
    private static final Set<String> COMMON = Set.of("versionName", "versionCode", "description", "releaseNote",
            "changelog", "releaseUrl", "isPreRelease", "upgradeMode", "forcedUpgradeVersionCode",
            "silentUpgradeVersionCode", "updateType");
    private static final List<String> UPDATE_TYPES = List.of("manual", "auto");

    private final Database db;
    private final CatalogStore catalog;
    private final ArtifactStore artifacts;
    private final DownloadCounter downloads;
    private final DownloadLinks links;
    private final Clock clock;
    private final long maxBodyBytes;
    private final long maxArtifactBytes;

    public VersionAdmin(Database db, CatalogStore catalog, ArtifactStore artifacts, DownloadCounter downloads,
                        DownloadLinks links, Clock clock, long maxBodyBytes, long maxArtifactBytes) {
        this.db = db;
        this.catalog = catalog;
        this.artifacts = artifacts;
        this.downloads = downloads;
        this.links = links;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
        this.maxArtifactBytes = maxArtifactBytes;
    }

    void register(RoutesConfig r) {
        String base = AdminApi.PREFIX + "/apps/{appKey}/versions";
        r.post(base, this::create);
        r.get(base, this::list);
        r.get(base + "/{id}", this::get);
        r.delete(base + "/{id}", this::delete);
        r.put(base + "/{id}/artifact", this::upload);
        r.get(base + "/{id}/artifacts", this::listArtifacts);
        r.put(base + "/{id}/patches", this::uploadPatch);
    }

    private static Set<String> allowedFields(AppKind kind) {
        Set<String> s = new HashSet<>(COMMON);
        switch (kind) {
            case URL -> s.add("urlPath");
            case CONFIGURATION -> s.add("content");
            case TAURI -> s.addAll(List.of("target", "arch", "signature"));
            case ELECTRON -> s.addAll(List.of("platform", "arch"));
            case WIN, MAC, LNX -> s.add("arch");
            default -> { }
        }
        return s;
    }

    /** A validated version, ready to insert. */
    private record NewVersion(String name, long code, String key, String platform, String arch, String description,
                              String releaseNote, String changelog, String releaseUrl, String urlPath, String content,
                              String signature, boolean preRelease, int upgradeMode, long forcedCode, long silentCode,
                              String updateType) {
    }

    private static NewVersion validate(AppKind kind, JsonInput in) {
        String name = in.requiredString("versionName", 128);
        Long codeGiven = in.longValue("versionCode");
        long code;
        String key;
        boolean preRelease;
        Boolean preGiven = in.bool("isPreRelease");
        if (kind.versionScheme() == AppKind.VersionScheme.SEMVER) {
            SemVer.ParseResult parsed = SemVer.parse(name);
            SemVer v = parsed.value().orElseThrow(() -> AdminApiException.invalid("Field 'versionName' must be a "
                    + "SemVer version such as 1.2.3 or 1.3.0-beta.1 for " + kind.wireName() + " apps; '" + name + "' "
                    + parsed.error() + "."));
            code = v.legacyCode();
            if (codeGiven != null && codeGiven != code) {
                throw AdminApiException.invalid("Field 'versionCode' is derived from versionName for " + kind.wireName()
                        + " apps (" + v.canonical() + " -> " + code + "); omit it or send " + code + ".");
            }
            key = v.canonical();
            if (preGiven != null && !preGiven && v.isPreRelease()) {
                throw AdminApiException.invalid("Version " + name + " has a pre-release tag, so isPreRelease cannot be false.");
            }
            preRelease = v.isPreRelease() || Boolean.TRUE.equals(preGiven);
        } else {
            if (codeGiven == null) {
                throw AdminApiException.invalid("Field 'versionCode' is required for " + kind.wireName()
                        + " apps: a positive whole number that grows with every release.");
            }
            if (codeGiven <= 0) {
                throw AdminApiException.invalid("Field 'versionCode' must be a positive whole number; got " + codeGiven + ".");
            }
            code = codeGiven;
            key = Long.toString(code);
            preRelease = Boolean.TRUE.equals(preGiven);
        }

        String platform = "";
        if (kind.platformField() != AppKind.PlatformField.NONE) {
            String field = kind.platformField().wireName();
            String value = kind.normalizePlatform(in.requiredString(field, 32));
            if (!kind.platforms().contains(value)) {
                throw AdminApiException.invalid("Field '" + field + "' must be one of " + kind.platforms() + "; got '"
                        + value + "'.");
            }
            platform = value;
        }
        String arch = "";
        if (kind.hasArch()) {
            String value = in.requiredString("arch", 32);
            if (!kind.arches().contains(value)) {
                throw AdminApiException.invalid("Field 'arch' must be one of " + kind.arches() + " for " + kind.wireName()
                        + " apps; got '" + value + "'.");
            }
            arch = value;
        }

        String urlPath = "";
        if (kind == AppKind.URL) {
            urlPath = httpUrl(in.requiredString("urlPath", 2048), "urlPath");
        }
        String content = null;
        if (kind == AppKind.CONFIGURATION) {
            JsonNode c = in.raw("content");
            if (c == null || c.isMissingNode()) {
                throw AdminApiException.invalid("Field 'content' is required for configuration apps: any JSON value.");
            }
            content = c.toString();
            if (content.length() > 1_000_000) {
                throw AdminApiException.invalid("Field 'content' is larger than 1 MB once serialised.");
            }
        }
        String releaseUrl = in.string("releaseUrl", "", 2048).strip();
        if (!releaseUrl.isEmpty()) {
            httpUrl(releaseUrl, "releaseUrl");
        }
        long upgradeMode = Optional.ofNullable(in.longValue("upgradeMode")).orElse(1L);
        if (upgradeMode < 0 || upgradeMode > 3) {
            throw AdminApiException.invalid("Field 'upgradeMode' must be 0 (unknown), 1 (prompt), 2 (silent) or 3 (forced).");
        }
        long forced = nonNegative(in, "forcedUpgradeVersionCode");
        long silent = nonNegative(in, "silentUpgradeVersionCode");
        String updateType = in.string("updateType", "manual", 32);
        if (!UPDATE_TYPES.contains(updateType)) {
            throw AdminApiException.invalid("Field 'updateType' must be one of " + UPDATE_TYPES + ".");
        }
        return new NewVersion(name, code, key, platform, arch, in.string("description", "", 4096),
                in.string("releaseNote", "", 65536), in.string("changelog", "", 65536), releaseUrl, urlPath, content,
                in.string("signature", "", 4096).strip(), preRelease, (int) upgradeMode, forced, silent, updateType);
    }

    private static long nonNegative(JsonInput in, String field) {
        Long v = in.longValue(field);
        if (v != null && v < 0) {
            throw AdminApiException.invalid("Field '" + field + "' must not be negative.");
        }
        return v == null ? 0 : v;
    }

    private static String httpUrl(String value, String field) {
        try {
            URI u = new URI(value);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null) {
                return value;
            }
        } catch (URISyntaxException ignored) {
            // fall through to the error
        }
        throw AdminApiException.invalid("Field '" + field + "' must be an absolute http or https URL.");
    }

    private void create(Context ctx) {
        App app = AdminApi.ownedApp(ctx, catalog.current());
        NewVersion v = validate(app.kind(), JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), allowedFields(app.kind())));
        String where = describe(app.kind(), v.platform(), v.arch());
        if (catalog.current().versionByIdentity(app.id(), v.platform(), v.arch(), v.key()).isPresent()) {
            throw duplicate(app, v, where);
        }
        long now = clock.millis();
        long id;
        try {
            id = db.jdbi().withHandle(h -> h.createQuery("INSERT INTO versions (app_id, version_name, version_code, "
                            + "version_key, platform, arch, description, release_note, changelog, release_url, url_path, "
                            + "content, signature, is_pre_release, upgrade_mode, forced_upgrade_version_code, "
                            + "silent_upgrade_version_code, update_type, created_at) VALUES (:app, :name, :code, :key, "
                            + ":platform, :arch, :description, :releaseNote, :changelog, :releaseUrl, :urlPath, :content, "
                            + ":signature, :pre, :mode, :forced, :silent, :updateType, :now) RETURNING id")
                    .bind("app", app.id()).bind("name", v.name()).bind("code", v.code()).bind("key", v.key())
                    .bind("platform", v.platform()).bind("arch", v.arch()).bind("description", v.description())
                    .bind("releaseNote", v.releaseNote()).bind("changelog", v.changelog())
                    .bind("releaseUrl", v.releaseUrl()).bind("urlPath", v.urlPath()).bind("content", v.content())
                    .bind("signature", v.signature()).bind("pre", v.preRelease() ? 1 : 0).bind("mode", v.upgradeMode())
                    .bind("forced", v.forcedCode()).bind("silent", v.silentCode()).bind("updateType", v.updateType())
                    .bind("now", now).mapTo(Long.class).one());
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw duplicate(app, v, where);
            }
            throw e;
        }
        CatalogSnapshot snap = catalog.refresh();
        Json.respond(ctx, 201, render(app, snap.version(id).orElseThrow()));
    }

    private static AdminApiException duplicate(App app, NewVersion v, String where) {
        return AdminApiException.conflict("App " + app.key() + " already has version " + v.key()
                + (v.key().equals(v.name()) ? "" : " (" + v.name() + ")") + where
                + ". Versions are immutable: publish a new version code instead, or delete the old one first.");
    }

    private static String describe(AppKind kind, String platform, String arch) {
        StringBuilder sb = new StringBuilder();
        if (!platform.isEmpty()) {
            sb.append(" for ").append(kind.platformField().wireName()).append(' ').append(platform);
        }
        if (!arch.isEmpty()) {
            sb.append(sb.length() == 0 ? " for" : ",").append(" arch ").append(arch);
        }
        return sb.toString();
    }

    Map<String, Object> render(App app, Version v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", v.id());
        m.put("appKey", app.key());
        m.put("kind", app.kind().wireName());
        m.put("versionName", v.name());
        m.put("versionCode", v.code());
        if (app.kind().platformField() != AppKind.PlatformField.NONE) {
            m.put(app.kind().platformField().wireName(), v.platform());
        }
        if (app.kind().hasArch()) {
            m.put("arch", v.arch());
        }
        m.put("description", v.description());
        m.put("releaseNote", v.releaseNote());
        m.put("changelog", v.changelog());
        m.put("releaseUrl", v.releaseUrl());
        if (app.kind() == AppKind.URL) {
            m.put("urlPath", v.urlPath());
        }
        if (app.kind() == AppKind.CONFIGURATION) {
            try {
                m.put("content", Json.MAPPER.readTree(v.content()));
            } catch (IOException e) {
                m.put("content", null);
            }
        }
        if (app.kind() == AppKind.TAURI) {
            m.put("signature", v.signature());
        }
        m.put("isPreRelease", v.preRelease());
        m.put("upgradeMode", v.upgradeMode());
        m.put("forcedUpgradeVersionCode", v.forcedUpgradeVersionCode());
        m.put("silentUpgradeVersionCode", v.silentUpgradeVersionCode());
        m.put("updateType", v.updateType());
        m.put("downloadTimes", downloads.total(v.id()));
        m.put("createdAt", Sql.rfc3339(v.createdAt()));
        m.put("artifacts", v.files().values().stream().sorted((a, b) -> a.role().compareTo(b.role()))
                .map(f -> renderFile(app, v, f)).toList());
        if (app.kind() == AppKind.APK) {
            m.put("patches", catalog.current().patchesTo(v.id()).stream().map(p -> renderPatch(app, p)).toList());
        }
        return m;
    }

    private Map<String, Object> renderFile(App app, Version v, VersionFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", f.role());
        m.put("fileName", f.fileName());
        m.put("mediaType", f.mediaType());
        m.put("size", f.size());
        m.put("md5", f.md5());
        m.put("sha256", f.sha256());
        m.put("sha512", f.sha512());
        m.put("downloadUrl", links.download(app, v, f.role()));
        m.put("uploadedAt", Sql.rfc3339(f.createdAt()));
        return m;
    }

    private Version ownedVersion(Context ctx, App app, CatalogSnapshot snap) {
        String idText = ctx.pathParam("id");
        long id;
        try {
            id = Long.parseLong(idText);
        } catch (NumberFormatException e) {
            throw AdminApiException.invalid("Version id must be a number; got '" + idText + "'.");
        }
        return snap.version(id).filter(v -> v.appId() == app.id())
                .orElseThrow(() -> AdminApiException.notFound("App " + app.key() + " has no version " + idText + "."));
    }

    private void list(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Json.respond(ctx, 200, Map.of("items", snap.versions(app.id()).stream().map(v -> render(app, v)).toList()));
    }

    private void get(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Json.respond(ctx, 200, render(app, ownedVersion(ctx, app, snap)));
    }

    private void delete(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE versions SET deleted_at = :now WHERE id = :id AND deleted_at IS NULL")
                    .bind("now", now).bind("id", v.id()).execute();
            // A strategy cannot offer a deleted version; remove it with the version rather than leave it orphaned.
            h.createUpdate("UPDATE strategies SET deleted_at = :now, updated_at = :now WHERE version_id = :id "
                    + "AND deleted_at IS NULL").bind("now", now).bind("id", v.id()).execute();
        });
        catalog.refresh();
        ctx.status(204);
    }

    private void listArtifacts(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        Json.respond(ctx, 200, Map.of("items", v.files().values().stream().map(f -> renderFile(app, v, f)).toList()));
    }

    private void upload(Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        if (!app.kind().hasArtifacts()) {
            throw AdminApiException.invalid(app.kind().wireName() + " apps have no artifacts: "
                    + (app.kind() == AppKind.URL ? "their versions link to urlPath." : "their versions carry 'content'."));
        }
        String role = Optional.ofNullable(ctx.queryParam("role")).orElse("install");
        if (!role.equals("install") && !role.equals("update")) {
            throw AdminApiException.invalid("Query 'role' must be 'install' or 'update'; got '" + role + "'.");
        }
        String fileName = Optional.ofNullable(ctx.queryParam("fileName")).orElse(defaultFileName(app.name() + "-" + v.name()));
        validateFileName(fileName);
        StoredBlob blob;
        try (ArtifactStore.Staged staged = receive(ctx)) {
            blob = staged.blob();
            Optional<VersionFile> existing = v.file(role);
            if (existing.isPresent()) {
                if (!existing.get().sha256().equals(blob.sha256())) {
                    throw AdminApiException.conflict("Version " + v.name() + " already has a different " + role
                            + " artifact (sha256 " + existing.get().sha256() + "). Artifacts are immutable: publish a "
                            + "new version instead.");
                }
                Json.respond(ctx, 200, renderFile(app, v, existing.get()));
                return;
            }
            staged.commit();
        }
        long now = clock.millis();
        String mediaType = MediaTypes.forFileName(fileName);
        try {
            db.jdbi().useTransaction(h -> {
                insertBlob(h, blob, now);
                h.createUpdate("INSERT INTO version_files (version_id, role, blob_sha256, file_name, media_type, "
                                + "created_at) VALUES (:v, :role, :s, :name, :type, :now)")
                        .bind("v", v.id()).bind("role", role).bind("s", blob.sha256()).bind("name", fileName)
                        .bind("type", mediaType).bind("now", now).execute();
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                // Another upload of this role finished first: the same bytes make this one a successful retry.
                CatalogSnapshot now2 = catalog.refresh();
                Optional<VersionFile> winner = now2.version(v.id()).flatMap(x -> x.file(role));
                if (winner.isPresent() && winner.get().sha256().equals(blob.sha256())) {
                    Json.respond(ctx, 200, renderFile(app, now2.version(v.id()).orElseThrow(), winner.get()));
                    return;
                }
                throw AdminApiException.conflict("Another upload for the " + role + " artifact of version " + v.name()
                        + " finished first with different bytes; artifacts are immutable.");
            }
            throw e;
        }
        CatalogSnapshot after = catalog.refresh();
        Version updated = after.version(v.id()).orElseThrow();
        Json.respond(ctx, 200, renderFile(app, updated, updated.file(role).orElseThrow()));
    }

    /** Records a committed blob's digests; the same bytes uploaded again (any version) share the row. */
    private static void insertBlob(org.jdbi.v3.core.Handle h, StoredBlob blob, long now) {
        h.createUpdate("INSERT INTO blobs (sha256, size, md5, sha512, created_at) VALUES (:s, :size, :md5, :sha512, :now) "
                        + "ON CONFLICT (sha256) DO NOTHING")
                .bind("s", blob.sha256()).bind("size", blob.size()).bind("md5", blob.md5())
                .bind("sha512", blob.sha512()).bind("now", now).execute();
    }

    /** Streams the request body into the artifact store's staging area within the size cap. */
    private ArtifactStore.Staged receive(Context ctx) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared == 0) {
            throw AdminApiException.invalid("The request body is empty; send the file's bytes as the body.");
        }
        if (declared > maxArtifactBytes) {
            throw new AdminApiException(AdminApiException.AdminError.PAYLOAD_TOO_LARGE,
                    "Artifact of " + declared + " bytes is larger than max-artifact-bytes=" + maxArtifactBytes + ".");
        }
        ArtifactStore.Staged staged;
        try (InputStream in = new RequestBodyStream(ctx.req().getInputStream())) {
            staged = artifacts.stage(in, maxArtifactBytes);
        } catch (ArtifactTooLargeException e) {
            throw new AdminApiException(AdminApiException.AdminError.PAYLOAD_TOO_LARGE,
                    "Artifact is larger than max-artifact-bytes=" + e.limit() + "; nothing was stored.");
        }
        if (staged.blob().size() == 0) {
            staged.close();
            throw AdminApiException.invalid("The request body is empty; send the file's bytes as the body.");
        }
        return staged;
    }

    /**
     * {@code PUT .../versions/{id}/patches?fromVersionId=N&patchAlgo=1&fileName=...}: an APK delta patch from an
     * older installed version to this one (1 = HDiffPatch, 2 = bsdiff). Offered by {@code /v1/apk/upgrade} to
     * clients on that older version that ask for the algorithm.
     */
    private void uploadPatch(Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        if (app.kind() != AppKind.APK) {
            throw AdminApiException.invalid("Delta patches are for apk apps only.");
        }
        long from;
        long algo;
        try {
            from = Long.parseLong(Optional.ofNullable(ctx.queryParam("fromVersionId")).orElse(""));
            algo = Long.parseLong(Optional.ofNullable(ctx.queryParam("patchAlgo")).orElse("1"));
        } catch (NumberFormatException e) {
            throw AdminApiException.invalid("Query 'fromVersionId' (a version id) is required and 'patchAlgo' must be 1 or 2.");
        }
        if (algo != 1 && algo != 2) {
            throw AdminApiException.invalid("Query 'patchAlgo' must be 1 (HDiffPatch) or 2 (bsdiff).");
        }
        Version base = snap.version(from).filter(x -> x.appId() == app.id()).orElseThrow(() ->
                AdminApiException.invalid("Version " + ctx.queryParam("fromVersionId") + " is not a version of app " + app.key() + "."));
        if (base.code() >= v.code()) {
            throw AdminApiException.invalid("A patch goes from an older version to a newer one; version " + base.name()
                    + " is not older than " + v.name() + ".");
        }
        String fileName = Optional.ofNullable(ctx.queryParam("fileName"))
                .orElse(defaultFileName(app.name() + "-" + base.name() + "-" + v.name()) + ".patch");
        validateFileName(fileName);
        StoredBlob blob;
        Optional<dev.upshift.server.catalog.VersionPatch> existing = snap.patch(v.id(), base.id(), (int) algo);
        try (ArtifactStore.Staged staged = receive(ctx)) {
            blob = staged.blob();
            if (existing.isPresent() && !existing.get().file().sha256().equals(blob.sha256())) {
                throw AdminApiException.conflict("A different patch from " + base.name() + " to " + v.name()
                        + " with this algorithm exists; patches are immutable.");
            }
            if (existing.isEmpty()) {
                staged.commit();
            }
        }
        if (existing.isEmpty()) {
            long now = clock.millis();
            try {
                db.jdbi().useTransaction(h -> {
                    insertBlob(h, blob, now);
                    h.createUpdate("INSERT INTO version_patches (version_id, from_version_id, patch_algo, blob_sha256, "
                                    + "file_name, created_at) VALUES (:v, :f, :a, :s, :n, :now)")
                            .bind("v", v.id()).bind("f", base.id()).bind("a", algo).bind("s", blob.sha256())
                            .bind("n", fileName).bind("now", now).execute();
                });
            } catch (RuntimeException e) {
                boolean sameBytes = Sql.isUniqueViolation(e) && catalog.refresh().patch(v.id(), base.id(), (int) algo)
                        .map(p -> p.file().sha256().equals(blob.sha256())).orElse(false);
                if (!sameBytes && Sql.isUniqueViolation(e)) {
                    throw AdminApiException.conflict("Another upload of this patch finished first with different bytes; "
                            + "patches are immutable.");
                }
                if (!sameBytes) {
                    throw e;
                }
                throw e;
            }
        }
        CatalogSnapshot after = catalog.refresh();
        dev.upshift.server.catalog.VersionPatch p = after.patch(v.id(), base.id(), (int) algo).orElseThrow();
        Json.respond(ctx, 200, renderPatch(app, p));
    }

    private Map<String, Object> renderPatch(App app, dev.upshift.server.catalog.VersionPatch p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", p.id());
        m.put("fromVersionId", p.fromVersionId());
        m.put("patchAlgo", p.algo());
        m.put("fileName", p.file().fileName());
        m.put("size", p.file().size());
        m.put("md5", p.file().md5());
        m.put("sha256", p.file().sha256());
        m.put("downloadUrl", links.patch(app, p));
        return m;
    }

    /** Marks read failures of the request body, so they answer 400 instead of passing for storage errors. */
    private static final class RequestBodyStream extends java.io.FilterInputStream {
        RequestBodyStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new dev.upshift.server.http.BodyReader.IncompleteBodyException(e);
            }
        }
    }

    /** A file name made from app and version names: separators, quotes and controls become '_', at most 200 chars. */
    static String defaultFileName(String text) {
        StringBuilder sb = new StringBuilder();
        for (char c : text.toCharArray()) {
            sb.append(c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"' ? '_' : c);
        }
        return sb.length() > 200 ? sb.substring(0, 200) : sb.toString();
    }

    private static void validateFileName(String name) {
        if (name.isEmpty() || name.length() > 255 || name.equals(".") || name.equals("..")) {
            throw AdminApiException.invalid("Query 'fileName' must be 1 to 255 characters.");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == '"') {
                throw AdminApiException.invalid("Query 'fileName' must be a plain file name without path separators, "
                        + "quotes or control characters.");
            }
        }
    }
}
