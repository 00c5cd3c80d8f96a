package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import dev.upshift.core.kind.AppKind;
import dev.upshift.server.accounts.Principal;
import dev.upshift.server.auth.RandomKeys;
import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.BodyReader;
import dev.upshift.server.http.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Admin API v0 under {@code /api/admin/v1}: tenants, access keys, apps, and (through {@link VersionAdmin},
 * {@link StrategyAdmin} and {@link DeviceAdmin}) versions with their artifacts, strategies, devices, device groups
 * and device models. Every route requires {@code Authorization: Bearer <token>} and sees only the token's
 * tenant; objects of other tenants answer 404, as if they did not exist. Every write rebuilds the catalog
 * snapshot before answering, so a client request sent after the answer sees the change.
 */
public final class AdminApi {
    public static final String PREFIX = "/api/admin/v1";
    static final String PRINCIPAL = "upshift.principal";

    private final Database db;
    private final CatalogStore catalog;
    private final SecretCipher cipher;
    private final AdminAuth auth;
    private final VersionAdmin versions;
    private final StrategyAdmin strategies;
    private final DeviceAdmin devices;
    private final Clock clock;
    private final long maxBodyBytes;

    public AdminApi(Database db, CatalogStore catalog, SecretCipher cipher, AdminAuth auth, VersionAdmin versions,
                    StrategyAdmin strategies, DeviceAdmin devices, Clock clock, long maxBodyBytes) {
        this.strategies = strategies;
        this.devices = devices;
        this.db = db;
        this.catalog = catalog;
        this.cipher = cipher;
        this.auth = auth;
        this.versions = versions;
        this.clock = clock;
        this.maxBodyBytes = maxBodyBytes;
    }

    /** Registers the authentication filter on {@code raw} and every admin route through {@code r}. */
    public void register(RoutesConfig raw, AdminRoutes r) {
        raw.before(PREFIX + "/*", this::requireToken);
        r.add("POST", PREFIX + "/tenants", AdminRoutes.Access.INSTALLATION, this::createTenant);
        r.post(PREFIX + "/access-keys", Role.ADMIN, this::createAccessKey);
        r.get(PREFIX + "/access-keys", Role.VIEWER, this::listAccessKeys);
        r.get(PREFIX + "/access-keys/{accessKey}", Role.VIEWER, this::getAccessKey);
        r.delete(PREFIX + "/access-keys/{accessKey}", Role.ADMIN, this::revokeAccessKey);
        r.post(PREFIX + "/apps", Role.ADMIN, this::createApp);
        r.get(PREFIX + "/apps", Role.VIEWER, this::listApps);
        r.get(PREFIX + "/apps/{appKey}", Role.VIEWER, this::getApp);
        r.patch(PREFIX + "/apps/{appKey}", Role.ADMIN, this::patchApp);
        r.get(PREFIX + "/audit-log", Role.ADMIN, this::auditLog);
        r.delete(PREFIX + "/apps/{appKey}", Role.ADMIN, this::deleteApp);
        versions.register(r);
        strategies.register(r);
        devices.register(r);
    }

    private void requireToken(Context ctx) {
        Principal p = auth.authenticate(ctx.header("Authorization")).orElseThrow(() ->
                new AdminApiException(AdminApiException.AdminError.UNAUTHORIZED,
                        "Send 'Authorization: Bearer <admin token>'. The first token is printed at first start and "
                                + "saved to <data-dir>/admin-token."));
        ctx.attribute(PRINCIPAL, p);
    }

    /**
     * {@code GET /audit-log?limit=100&before=<id>&action=strategy.auto_pause}: the tenant's audit records, newest
     * first; page with {@code before} set to the last id seen.
     */
    private void auditLog(Context ctx) {
        long tenant = principal(ctx).tenantId();
        int limit = (int) queryLong(ctx, "limit", 100, 1, 1000);
        long before = queryLong(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        String action = ctx.queryParam("action");
        List<Map<String, Object>> items = db.jdbi().withHandle(h -> h.createQuery("SELECT id, at, actor, action, "
                        + "target_type, target_id, detail FROM audit_log WHERE tenant_id = :t AND id < :before"
                        + (action == null ? "" : " AND action = :action") + " ORDER BY id DESC LIMIT :limit")
                .bind("t", tenant).bind("before", before).bind("limit", limit).bind("action", action)
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", rs.getLong("id"));
                    m.put("at", Sql.rfc3339(rs.getLong("at")));
                    m.put("actor", rs.getString("actor"));
                    m.put("action", rs.getString("action"));
                    m.put("targetType", rs.getString("target_type"));
                    m.put("targetId", rs.getString("target_id"));
                    try {
                        m.put("detail", Json.MAPPER.readTree(rs.getString("detail")));
                    } catch (java.io.IOException e) {
                        m.put("detail", rs.getString("detail"));
                    }
                    return m;
                }).list());
        Json.respond(ctx, 200, Map.of("items", items));
    }

    /** An integer query parameter within [min, max], or {@code fallback} when absent; 400 with the bounds otherwise. */
    static long queryLong(Context ctx, String name, long fallback, long min, long max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw AdminApiException.invalid("Query '" + name + "' must be a whole number from " + min + " to " + max + ".");
    }

    /** Who made an admin call, for the audit log (tokens have no names until accounts exist). */
    static String actor(Context ctx) {
        return principal(ctx).name();
    }

    static Principal principal(Context ctx) {
        return ctx.attribute(PRINCIPAL);
    }

    static byte[] body(Context ctx, long maxBodyBytes) {
        return BodyReader.read(ctx, maxBodyBytes, n -> new AdminApiException(
                AdminApiException.AdminError.PAYLOAD_TOO_LARGE, "Request body is larger than " + n + " bytes."));
    }

    // ---- tenants -------------------------------------------------------------------------------------------

    private void createTenant(Context ctx) {
        if (!principal(ctx).installation()) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                    "Only the installation's bootstrap token can create tenants.");
        }
        JsonInput in = JsonInput.parse(body(ctx, maxBodyBytes), Set.of("name"));
        String name = in.requiredString("name", 128);
        long id;
        String token = RandomKeys.adminToken();
        try {
            id = db.jdbi().inTransaction(h -> {
                long tid = h.createQuery("INSERT INTO tenants (name, created_at) VALUES (:n, :now) RETURNING id")
                        .bind("n", name).bind("now", clock.millis()).mapTo(Long.class).one();
                AdminAuth.insertToken(h, tid, token, "first token of tenant " + name, false, clock.millis());
                return tid;
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                throw AdminApiException.conflict("A tenant named '" + name + "' already exists.");
            }
            throw e;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("name", name);
        out.put("adminToken", token);
        Json.respond(ctx, 201, out);
    }

    // ---- access keys ---------------------------------------------------------------------------------------

    private void createAccessKey(Context ctx) {
        JsonInput in = JsonInput.parse(body(ctx, maxBodyBytes), Set.of("description"));
        String description = in.string("description", "", 256);
        long tenant = principal(ctx).tenantId();
        String accessKey = RandomKeys.key22();
        String secret = RandomKeys.secret43();
        long now = clock.millis();
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO access_keys (tenant_id, access_key, secret_enc, "
                        + "description, enabled, created_at) VALUES (:t, :k, :s, :d, 1, :now)")
                .bind("t", tenant).bind("k", accessKey).bind("s", cipher.encrypt(accessKey, secret))
                .bind("d", description).bind("now", now).execute());
        catalog.refresh();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("accessKey", accessKey);
        out.put("secretKey", secret);
        out.put("description", description);
        out.put("enabled", true);
        out.put("createdAt", Sql.rfc3339(now));
        out.put("note", "The secretKey is shown only in this response; store it now.");
        Json.respond(ctx, 201, out);
    }

    private List<Map<String, Object>> accessKeys(long tenant, String only) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT access_key, description, enabled, created_at, "
                        + "revoked_at FROM access_keys WHERE tenant_id = :t AND revoked_at IS NULL "
                        + (only == null ? "" : "AND access_key = :k ") + "ORDER BY id")
                .bind("t", tenant).bind("k", only)
                .map((rs, c) -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("accessKey", rs.getString("access_key"));
                    m.put("description", rs.getString("description"));
                    m.put("enabled", rs.getInt("enabled") == 1);
                    m.put("createdAt", Sql.rfc3339(rs.getLong("created_at")));
                    return m;
                }).list());
    }

    private void listAccessKeys(Context ctx) {
        Json.respond(ctx, 200, Map.of("items", accessKeys(principal(ctx).tenantId(), null)));
    }

    private void getAccessKey(Context ctx) {
        List<Map<String, Object>> found = accessKeys(principal(ctx).tenantId(), ctx.pathParam("accessKey"));
        if (found.isEmpty()) {
            throw AdminApiException.notFound("No access key '" + ctx.pathParam("accessKey") + "'.");
        }
        Json.respond(ctx, 200, found.get(0));
    }

    private void revokeAccessKey(Context ctx) {
        String key = ctx.pathParam("accessKey");
        int n = db.jdbi().withHandle(h -> h.createUpdate("UPDATE access_keys SET revoked_at = :now, enabled = 0 "
                        + "WHERE access_key = :k AND tenant_id = :t AND revoked_at IS NULL")
                .bind("now", clock.millis()).bind("k", key).bind("t", principal(ctx).tenantId()).execute());
        if (n == 0) {
            throw AdminApiException.notFound("No access key '" + key + "'.");
        }
        catalog.refresh();
        ctx.status(204);
    }

    // ---- apps ----------------------------------------------------------------------------------------------

    private void createApp(Context ctx) {
        JsonInput in = JsonInput.parse(body(ctx, maxBodyBytes), Set.of("kind", "name", "packageName", "description",
                "tauriPublicKey", "sparklePublicKey"));
        String kindText = in.requiredString("kind", 32);
        AppKind kind = AppKind.fromWireName(kindText).orElseThrow(() -> AdminApiException.invalid(
                "Field 'kind' must be one of " + AppKind.allWireNames() + "; got '" + kindText + "'."));
        String name = in.requiredString("name", 128);
        String packageName = in.string("packageName", "", 256).strip();
        if (!packageName.isEmpty() && !kind.hasPackageName()) {
            throw AdminApiException.invalid("Field 'packageName' applies to apk, win, mac and lnx apps only.");
        }
        String description = in.string("description", "", 2048);
        String tauriKey = tauriPublicKey(in, kind, "");
        String sparkleKey = sparklePublicKey(in, kind, "");
        long tenant = principal(ctx).tenantId();
        String key = RandomKeys.key22();
        long now = clock.millis();
        db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO apps (tenant_id, app_key, kind, name, package_name, "
                        + "description, tauri_public_key, sparkle_public_key, created_at, updated_at) VALUES (:t, :k, "
                        + ":kind, :n, :p, :d, :tk, :sk, :now, :now)")
                .bind("t", tenant).bind("k", key).bind("kind", kind.wireName()).bind("n", name).bind("p", packageName)
                .bind("d", description).bind("tk", tauriKey).bind("sk", sparkleKey).bind("now", now).execute());
        CatalogSnapshot snap = catalog.refresh();
        Json.respond(ctx, 201, render(snap.app(key).orElseThrow(), snap));
    }

    /**
     * {@code PATCH /apps/{appKey}}: name, description and the keys that published files must verify against. An
     * empty key turns its check off.
     */
    private void patchApp(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = ownedApp(ctx, snap);
        JsonInput in = JsonInput.parse(body(ctx, maxBodyBytes), Set.of("name", "description", "tauriPublicKey",
                "sparklePublicKey"));
        String name = in.has("name") ? in.requiredString("name", 128) : app.name();
        String description = in.has("description") ? in.string("description", "", 2048) : app.description();
        String tauriKey = tauriPublicKey(in, app.kind(), app.tauriPublicKey());
        String sparkleKey = sparklePublicKey(in, app.kind(), app.sparklePublicKey());
        db.jdbi().useHandle(h -> h.createUpdate("UPDATE apps SET name = :n, description = :d, tauri_public_key = :tk, "
                        + "sparkle_public_key = :sk, updated_at = :now WHERE id = :id")
                .bind("n", name).bind("d", description).bind("tk", tauriKey).bind("sk", sparkleKey)
                .bind("now", clock.millis()).bind("id", app.id()).execute());
        CatalogSnapshot after = catalog.refresh();
        Json.respond(ctx, 200, render(after.app(app.key()).orElseThrow(), after));
    }

    /** The base64 minisign public key from tauri.conf.json ({@code plugins.updater.pubkey}); tauri apps only. */
    private static String tauriPublicKey(JsonInput in, AppKind kind, String current) {
        if (!in.has("tauriPublicKey")) {
            return current;
        }
        String k = in.string("tauriPublicKey", "", 1024).strip();
        if (!k.isEmpty()) {
            if (kind != AppKind.TAURI) {
                throw AdminApiException.invalid("Field 'tauriPublicKey' applies to tauri apps only.");
            }
            try {
                dev.upshift.server.publish.MinisignVerifier.forPublicKey(k);
            } catch (dev.upshift.server.publish.PublishCheckException e) {
                throw AdminApiException.invalid("Field 'tauriPublicKey' is not a minisign public key: " + e.getMessage()
                        + ". Use the 'pubkey' value from tauri.conf.json.");
            }
        }
        return k;
    }

    /** The base64 Ed25519 key from Info.plist ({@code SUPublicEDKey}); mac and electron apps only. */
    private static String sparklePublicKey(JsonInput in, AppKind kind, String current) {
        if (!in.has("sparklePublicKey")) {
            return current;
        }
        String k = in.string("sparklePublicKey", "", 128).strip();
        if (!k.isEmpty()) {
            if (kind != AppKind.MAC && kind != AppKind.ELECTRON) {
                throw AdminApiException.invalid("Field 'sparklePublicKey' applies to mac and electron apps only.");
            }
            try {
                dev.upshift.server.publish.SparkleSignatureVerifier.forPublicKey(k, 1);
            } catch (dev.upshift.server.publish.PublishCheckException e) {
                throw AdminApiException.invalid("Field 'sparklePublicKey' is not an Ed25519 public key: " + e.getMessage()
                        + ". Use the SUPublicEDKey value that Sparkle's generate_keys printed.");
            }
        }
        return k;
    }

    static Map<String, Object> render(App a, CatalogSnapshot snap) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", a.key());
        m.put("kind", a.kind().wireName());
        m.put("name", a.name());
        m.put("packageName", a.packageName());
        m.put("description", a.description());
        m.put("keyField", a.kind().keyField());
        m.put("versionCount", snap.versions(a.id()).size());
        if (a.kind() == AppKind.TAURI) {
            m.put("tauriPublicKey", a.tauriPublicKey());
        }
        if (a.kind() == AppKind.MAC || a.kind() == AppKind.ELECTRON) {
            m.put("sparklePublicKey", a.sparklePublicKey());
        }
        m.put("createdAt", Sql.rfc3339(a.createdAt()));
        return m;
    }

    private void listApps(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        long tenant = principal(ctx).tenantId();
        String kindText = ctx.queryParam("kind");
        AppKind kindFilter = kindText == null ? null : AppKind.fromWireName(kindText).orElseThrow(() ->
                AdminApiException.invalid("Query 'kind' must be one of " + AppKind.allWireNames() + "."));
        List<App> apps = new ArrayList<>(snap.apps());
        apps.removeIf(a -> a.tenantId() != tenant || (kindFilter != null && a.kind() != kindFilter));
        apps.sort(Comparator.comparingLong(App::id));
        Json.respond(ctx, 200, Map.of("items", apps.stream().map(a -> render(a, snap)).toList()));
    }

    static App ownedApp(Context ctx, CatalogSnapshot snap) {
        String key = ctx.pathParam("appKey");
        return snap.app(key).filter(a -> a.tenantId() == principal(ctx).tenantId())
                .orElseThrow(() -> AdminApiException.notFound("No app with key '" + key + "'."));
    }

    private void getApp(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        Json.respond(ctx, 200, render(ownedApp(ctx, snap), snap));
    }

    private void deleteApp(Context ctx) {
        App app = ownedApp(ctx, catalog.current());
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE apps SET deleted_at = :now, updated_at = :now WHERE id = :id AND deleted_at IS NULL")
                    .bind("now", now).bind("id", app.id()).execute();
            h.createUpdate("UPDATE versions SET deleted_at = :now WHERE app_id = :id AND deleted_at IS NULL")
                    .bind("now", now).bind("id", app.id()).execute();
            h.createUpdate("UPDATE strategies SET deleted_at = :now, updated_at = :now WHERE app_id = :id "
                    + "AND deleted_at IS NULL").bind("now", now).bind("id", app.id()).execute();
        });
        catalog.refresh();
        ctx.status(204);
    }
}
