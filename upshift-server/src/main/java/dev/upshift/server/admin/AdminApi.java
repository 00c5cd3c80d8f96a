package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import dev.upshift.core.kind.AppKind;
import dev.upshift.server.accounts.Principal;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.accounts.Sessions;
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
    private final Sessions sessions;
    private AdminRoutes routes;

    public AdminApi(Database db, CatalogStore catalog, SecretCipher cipher, AdminAuth auth, VersionAdmin versions,
                    StrategyAdmin strategies, DeviceAdmin devices, Sessions sessions, Clock clock,
                    long maxBodyBytes) {
        this.sessions = sessions;
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
        this.routes = r;
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
        r.get(PREFIX + "/audit-log/export", Role.ADMIN, this::exportAuditLog);
        r.delete(PREFIX + "/apps/{appKey}", Role.ADMIN, this::deleteApp);
        versions.register(r);
        strategies.register(r);
        devices.register(r);
    }

    /**
     * Authenticates every admin request except the public routes (login, first-owner setup): a bearer token (an API
     * token or a bootstrap token) or, for the console, the session cookie. Cookie-authenticated writes must also
     * prove they come from the console: the session's {@code X-CSRF-Token} header, and no cross-site
     * {@code Origin}/{@code Sec-Fetch-Site}.
     */
    private void requireToken(Context ctx) {
        // Admin answers may hold secrets shown once (keys, tokens): never cached, never sniffed as another type.
        ctx.header("Cache-Control", "no-store");
        ctx.header("X-Content-Type-Options", "nosniff");
        if (routes.isPublic(ctx.method().name(), ctx.path())) {
            return;
        }
        Principal p = auth.authenticate(ctx.header("Authorization")).orElse(null);
        if (p == null && ctx.header("Authorization") == null) {
            p = sessions.fromSession(ctx).orElse(null);
            if (p != null && !SAFE_METHODS.contains(ctx.method().name())) {
                requireSameOrigin(ctx);
                String sent = ctx.header("X-CSRF-Token");
                if (sent == null || !java.security.MessageDigest.isEqual(
                        sent.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        p.csrfToken().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                    throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "Missing or wrong "
                            + "X-CSRF-Token header; reload the console page and try again.");
                }
            }
        }
        if (p == null) {
            throw new AdminApiException(AdminApiException.AdminError.UNAUTHORIZED, "Sign in to the console, or send "
                    + "'Authorization: Bearer <token>' with an API token. Before the first owner exists, the bootstrap "
                    + "token printed at first start (and saved to <data-dir>/admin-token) works.");
        }
        ctx.attribute(PRINCIPAL, p);
    }

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

    /**
     * Refuses a browser request another site started: {@code Sec-Fetch-Site} must be same-origin (or none: typed in
     * the address bar) and {@code Origin}, when sent, must be this server. Requests without both headers (scripts,
     * old browsers) pass; the anti-forgery token or the JSON content type still stands in their way.
     */
    static void requireSameOrigin(Context ctx) {
        String site = ctx.header("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                    "Cross-site request refused (Sec-Fetch-Site: " + site + ").");
        }
        String origin = ctx.header("Origin");
        if (origin != null) {
            String host = ctx.host();
            java.net.URI o;
            try {
                o = java.net.URI.create(origin);
            } catch (IllegalArgumentException e) {
                o = null;
            }
            String originHost = o == null || o.getHost() == null ? null
                    : o.getHost() + (o.getPort() < 0 ? "" : ":" + o.getPort());
            if (host == null || !host.equalsIgnoreCase(originHost)) {
                throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                        "Cross-origin request refused (Origin: " + origin + ").");
            }
        }
    }

    /**
     * {@code GET /audit-log}: the tenant's audit records, newest first, filtered by {@code action}, {@code actor},
     * {@code targetType}, {@code targetId} and a {@code from}/{@code to} time range (RFC 3339); page with
     * {@code before} set to the last id seen.
     */
    private void auditLog(Context ctx) {
        int limit = (int) queryLong(ctx, "limit", 100, 1, 1000);
        Json.respond(ctx, 200, Map.of("items", auditRecords(ctx, limit)));
    }

    /** {@code GET /audit-log/export?format=csv|jsonl}: the same filters, every matching record, as a download. */
    private void exportAuditLog(Context ctx) {
        String format = ctx.queryParam("format") == null ? "csv" : ctx.queryParam("format");
        if (!format.equals("csv") && !format.equals("jsonl")) {
            throw AdminApiException.invalid("Query 'format' must be csv or jsonl.");
        }
        List<Map<String, Object>> items = auditRecords(ctx, 100_000);
        StringBuilder out = new StringBuilder();
        if (format.equals("csv")) {
            out.append("id,at,actor,ip,action,targetType,targetId,detail\r\n");
            for (Map<String, Object> m : items) {
                out.append(m.get("id"));
                for (String k : List.of("at", "actor", "ip", "action", "targetType", "targetId", "detail")) {
                    out.append(',').append(csvField(String.valueOf(m.get(k))));
                }
                out.append("\r\n");
            }
            ctx.contentType("text/csv; charset=utf-8");
        } else {
            for (Map<String, Object> m : items) {
                out.append(Json.MAPPER.valueToTree(m).toString()).append('\n');
            }
            ctx.contentType("application/x-ndjson");
        }
        ctx.header("Content-Disposition", "attachment; filename=\"upshift-audit-log." + format + "\"");
        ctx.header("Cache-Control", "no-store");
        ctx.result(out.toString());
    }

    /** Quotes a CSV field, and defuses spreadsheet formulas (a field starting with = + - @ is prefixed with '). */
    static String csvField(String v) {
        String s = !v.isEmpty() && "=+-@\t\r".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    private List<Map<String, Object>> auditRecords(Context ctx, int limit) {
        long tenant = principal(ctx).tenantId();
        long before = queryLong(ctx, "before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
        long from = queryInstant(ctx, "from", Long.MIN_VALUE);
        long to = queryInstant(ctx, "to", Long.MAX_VALUE);
        StringBuilder sql = new StringBuilder("SELECT id, at, actor, ip, action, target_type, target_id, detail "
                + "FROM audit_log WHERE tenant_id = :t AND id < :before AND at >= :from AND at <= :to");
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("action", "action");
        filters.put("actor", "actor");
        filters.put("targetType", "target_type");
        filters.put("targetId", "target_id");
        Map<String, String> bound = new LinkedHashMap<>();
        filters.forEach((param, column) -> {
            String v = ctx.queryParam(param);
            if (v != null && !v.isEmpty()) {
                sql.append(" AND ").append(column).append(" = :").append(param);
                bound.put(param, v);
            }
        });
        sql.append(" ORDER BY id DESC LIMIT :limit");
        return db.jdbi().withHandle(h -> {
            var q = h.createQuery(sql.toString()).bind("t", tenant).bind("before", before).bind("from", from)
                    .bind("to", to).bind("limit", limit);
            bound.forEach(q::bind);
            return q.map((rs, c) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", rs.getLong("id"));
                m.put("at", Sql.rfc3339(rs.getLong("at")));
                m.put("actor", rs.getString("actor"));
                m.put("ip", rs.getString("ip"));
                m.put("action", rs.getString("action"));
                m.put("targetType", rs.getString("target_type"));
                m.put("targetId", rs.getString("target_id"));
                try {
                    m.put("detail", Json.MAPPER.readTree(rs.getString("detail")));
                } catch (java.io.IOException e) {
                    m.put("detail", rs.getString("detail"));
                }
                return m;
            }).list();
        });
    }

    /** An RFC 3339 instant query parameter in epoch millis, or {@code fallback} when absent. */
    private static long queryInstant(Context ctx, String name, long fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return java.time.OffsetDateTime.parse(v).toInstant().toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw AdminApiException.invalid("Query '" + name + "' must be an RFC 3339 time such as "
                    + "2026-11-23T00:00:00Z; got '" + v + "'.");
        }
    }

    /**
     * An audit detail for a settings change: for each field the request sent, its value before (from the rendered
     * object) and after (as sent).
     */
    static Map<String, Object> changes(Map<String, Object> before, JsonInput in) {
        Map<String, Object> was = new LinkedHashMap<>();
        Map<String, Object> now = new LinkedHashMap<>();
        in.fields().fields().forEachRemaining(e -> {
            was.put(e.getKey(), before.get(e.getKey()));
            now.put(e.getKey(), e.getValue());
        });
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("before", was);
        detail.put("after", now);
        return detail;
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

    /** Who made an admin call, for the audit log: the principal's name, tenant and client address. */
    static AuditLog.Actor actor(Context ctx) {
        Principal p = principal(ctx);
        return new AuditLog.Actor(p.tenantId(), p.name(), ctx.ip());
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
                AuditLog.record(h, actor(ctx), clock.millis(), "tenant.create", "tenant", tid, Map.of("name", name));
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
        db.jdbi().useTransaction(h -> {
            h.createUpdate("INSERT INTO access_keys (tenant_id, access_key, secret_enc, description, enabled, "
                            + "created_at) VALUES (:t, :k, :s, :d, 1, :now)")
                    .bind("t", tenant).bind("k", accessKey).bind("s", cipher.encrypt(accessKey, secret))
                    .bind("d", description).bind("now", now).execute();
            AuditLog.record(h, actor(ctx), now, "access_key.create", "access_key", accessKey,
                    Map.of("description", description));
        });
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
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            int n = h.createUpdate("UPDATE access_keys SET revoked_at = :now, enabled = 0 WHERE access_key = :k "
                            + "AND tenant_id = :t AND revoked_at IS NULL")
                    .bind("now", now).bind("k", key).bind("t", principal(ctx).tenantId()).execute();
            if (n == 0) {
                throw AdminApiException.notFound("No access key '" + key + "'.");
            }
            AuditLog.record(h, actor(ctx), now, "access_key.revoke", "access_key", key, Map.of());
        });
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
        db.jdbi().useTransaction(h -> {
            h.createUpdate("INSERT INTO apps (tenant_id, app_key, kind, name, package_name, description, "
                            + "tauri_public_key, sparkle_public_key, created_at, updated_at) VALUES (:t, :k, :kind, :n, "
                            + ":p, :d, :tk, :sk, :now, :now)")
                    .bind("t", tenant).bind("k", key).bind("kind", kind.wireName()).bind("n", name)
                    .bind("p", packageName).bind("d", description).bind("tk", tauriKey).bind("sk", sparkleKey)
                    .bind("now", now).execute();
            AuditLog.record(h, actor(ctx), now, "app.create", "app", key, Map.of("after", in.fields()));
        });
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
        Map<String, Object> before = render(app, snap);
        db.jdbi().useTransaction(h -> {
            h.createUpdate("UPDATE apps SET name = :n, description = :d, tauri_public_key = :tk, "
                            + "sparkle_public_key = :sk, updated_at = :now WHERE id = :id")
                    .bind("n", name).bind("d", description).bind("tk", tauriKey).bind("sk", sparkleKey)
                    .bind("now", clock.millis()).bind("id", app.id()).execute();
            AuditLog.record(h, actor(ctx), clock.millis(), "app.update", "app", app.key(), changes(before, in));
        });
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
            AuditLog.record(h, actor(ctx), now, "app.delete", "app", app.key(),
                    Map.of("name", app.name(), "kind", app.kind().wireName()));
        });
        catalog.refresh();
        ctx.status(204);
    }
}
