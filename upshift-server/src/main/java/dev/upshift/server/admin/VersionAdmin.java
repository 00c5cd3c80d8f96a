package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.kind.AppKind;
import dev.upshift.core.version.SemVer;
import dev.upshift.server.artifacts.DownloadCounter;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import io.javalin.http.Context;
import java.io.IOException;
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
            "silentUpgradeVersionCode", "updateType", "minSystemVersion");
    private static final List<String> UPDATE_TYPES = List.of("manual", "auto");

    private final Database db;
    private final CatalogStore catalog;
    private final ArtifactAdmin files;
    private final DownloadCounter downloads;
    private final Clock clock;
    private final long maxBodyBytes;

    public VersionAdmin(Database db, CatalogStore catalog, ArtifactAdmin files, DownloadCounter downloads, Clock clock,
                        long maxBodyBytes) {
        this.db = db;
        this.catalog = catalog;
        this.files = files;
        this.downloads = downloads;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    void register(AdminRoutes r) {
        String base = AdminApi.PREFIX + "/apps/{appKey}/versions";
        r.post(base, Role.PUBLISHER, this::create);
        r.get(base, Role.VIEWER, this::list);
        r.get(base + "/{id}", Role.VIEWER, this::get);
        r.delete(base + "/{id}", Role.ADMIN, this::delete);
        r.post(base + "/{id}/yank", Role.PUBLISHER, this::yank);
        files.register(r);
        r.delete(base + "/{id}/yank", Role.PUBLISHER, this::unyank);
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
                              String updateType, String minSystemVersion) {
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
                in.string("signature", "", 4096).strip(), preRelease, (int) upgradeMode, forced, silent, updateType,
                minSystemVersion(in));
    }

    /** An OS release such as 10.15, 12.0.1 or 10.0.22631: digits and dots only, compared by clients component-wise. */
    private static String minSystemVersion(JsonInput in) {
        String v = in.string("minSystemVersion", "", 64).strip();
        if (!v.isEmpty() && !v.matches("[0-9]+(\\.[0-9]+){0,3}")) {
            throw AdminApiException.invalid("Field 'minSystemVersion' must be an OS release such as 10.15 or 10.0.22631; "
                    + "got '" + v + "'.");
        }
        return v;
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
        Version created = create(app, JsonInput.parse(AdminApi.body(ctx, maxBodyBytes), allowedFields(app.kind())),
                AdminApi.actor(ctx));
        Json.respond(ctx, 201, render(app, created, catalog.current()));
    }

    /**
     * Creates a version from admin API fields (the publishing paths build them from build manifests).
     *
     * @throws AdminApiException 400 for invalid fields, 409 when the identity exists
     */
    public Version create(App app, com.fasterxml.jackson.databind.node.ObjectNode fields, AuditLog.Actor actor) {
        return create(app, JsonInput.of(fields, allowedFields(app.kind())), actor);
    }

    private Version create(App app, JsonInput in, AuditLog.Actor actor) {
        NewVersion v = validate(app.kind(), in);
        String where = describe(app.kind(), v.platform(), v.arch());
        if (catalog.current().versionByIdentity(app.id(), v.platform(), v.arch(), v.key()).isPresent()) {
            throw duplicate(app, v, where);
        }
        long now = clock.millis();
        long id;
        try {
            id = db.jdbi().inTransaction(h -> auditedInsert(h, app, actor, v, in, now, h.createQuery("INSERT INTO versions (app_id, version_name, version_code, "
                            + "version_key, platform, arch, description, release_note, changelog, release_url, url_path, "
                            + "content, signature, is_pre_release, upgrade_mode, forced_upgrade_version_code, "
                            + "silent_upgrade_version_code, update_type, min_system_version, created_at) VALUES (:app, "
                            + ":name, :code, :key, :platform, :arch, :description, :releaseNote, :changelog, :releaseUrl, "
                            + ":urlPath, :content, :signature, :pre, :mode, :forced, :silent, :updateType, :minSystem, "
                            + ":now) RETURNING id")
                    .bind("app", app.id()).bind("name", v.name()).bind("code", v.code()).bind("key", v.key())
                    .bind("platform", v.platform()).bind("arch", v.arch()).bind("description", v.description())
                    .bind("releaseNote", v.releaseNote()).bind("changelog", v.changelog())
                    .bind("releaseUrl", v.releaseUrl()).bind("urlPath", v.urlPath()).bind("content", v.content())
                    .bind("signature", v.signature()).bind("pre", v.preRelease() ? 1 : 0).bind("mode", v.upgradeMode())
                    .bind("forced", v.forcedCode()).bind("silent", v.silentCode()).bind("updateType", v.updateType())
                    .bind("minSystem", v.minSystemVersion()).bind("now", now).mapTo(Long.class).one()));
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw duplicate(app, v, where);
            }
            throw e;
        }
        return catalog.refresh().version(id).orElseThrow();
    }

    private static long auditedInsert(org.jdbi.v3.core.Handle h, App app, AuditLog.Actor actor, NewVersion v,
                                      JsonInput in, long now, long id) {
        com.fasterxml.jackson.databind.node.ObjectNode detail = in.fields();
        detail.put("appKey", app.key());
        AuditLog.record(h, actor, now, "version.create", "version", id, Json.MAPPER.convertValue(detail, Map.class));
        return id;
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

    Map<String, Object> render(App app, Version v, CatalogSnapshot snap) {
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
        m.put("minSystemVersion", v.minSystemVersion());
        m.put("yanked", v.yanked());
        if (v.yanked()) {
            m.put("yankedAt", Sql.rfc3339(v.yankedAt()));
            m.put("yankReason", v.yankReason());
        }
        m.put("downloadTimes", downloads.total(v.id()));
        m.put("createdAt", Sql.rfc3339(v.createdAt()));
        m.put("artifacts", v.files().stream().map(f -> files.renderFile(app, v, f)).toList());
        if (app.kind() == AppKind.APK) {
            m.put("patches", snap.patchesTo(v.id()).stream().map(p -> files.renderPatch(app, p)).toList());
        }
        return m;
    }

    static Version ownedVersion(Context ctx, App app, CatalogSnapshot snap) {
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
        Json.respond(ctx, 200, Map.of("items", snap.versions(app.id()).stream().map(v -> render(app, v, snap)).toList()));
    }

    private void get(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Json.respond(ctx, 200, render(app, ownedVersion(ctx, app, snap), snap));
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
            int strategies = h.createUpdate("UPDATE strategies SET deleted_at = :now, updated_at = :now "
                    + "WHERE version_id = :id AND deleted_at IS NULL").bind("now", now).bind("id", v.id()).execute();
            AuditLog.record(h, AdminApi.actor(ctx), now, "version.delete", "version", v.id(),
                    Map.of("appKey", app.key(), "version", v.name(), "strategiesDeleted", strategies));
        });
        catalog.refresh();
        ctx.status(204);
    }

    /**
     * {@code POST .../versions/{id}/yank} {@code {"reason": "..."}}: stops offering the version everywhere from the
     * next request (checks, feeds, "latest" downloads), keeping the version, its files and its strategies for audit.
     * A rollback strategy can then move its clients back. Yanking a yanked version again keeps the first time.
     */
    private void yank(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        byte[] body = AdminApi.body(ctx, maxBodyBytes);
        String reason = body.length == 0 ? "" : JsonInput.parse(body, Set.of("reason")).string("reason", "", 1024);
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            int n = h.createUpdate("UPDATE versions SET yanked_at = :now, yank_reason = :reason "
                            + "WHERE id = :id AND yanked_at IS NULL")
                    .bind("now", now).bind("reason", reason).bind("id", v.id()).execute();
            if (n > 0) {
                AuditLog.record(h, AdminApi.actor(ctx), now, "version.yank", "version", v.id(),
                        Map.of("appKey", app.key(), "version", v.name(), "reason", reason));
            }
        });
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(app, after.version(v.id()).orElseThrow(), after));
    }

    /** {@code DELETE .../versions/{id}/yank}: offers the version again (its strategies apply as before). */
    private void unyank(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = ownedVersion(ctx, app, snap);
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE versions SET yanked_at = NULL, yank_reason = '' WHERE id = :id")
                    .bind("id", v.id()).execute();
            AuditLog.record(h, AdminApi.actor(ctx), clock.millis(), "version.unyank", "version", v.id(),
                    Map.of("appKey", app.key(), "version", v.name()));
        });
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(app, after.version(v.id()).orElseThrow(), after));
    }
}
