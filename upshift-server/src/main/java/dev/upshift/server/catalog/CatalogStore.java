package dev.upshift.server.catalog;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.rollout.FlowRule;
import dev.upshift.core.rollout.GrayRule;
import dev.upshift.core.rollout.ReleaseVersion;
import dev.upshift.core.rollout.Strategy;
import dev.upshift.core.version.SemVer;
import java.time.Instant;
import java.time.LocalTime;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import dev.upshift.server.auth.SecretCipher;
import dev.upshift.server.db.Database;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.jdbi.v3.core.Handle;

/**
 * Holds the current {@link CatalogSnapshot} and rebuilds it from the database after every admin write.
 *
 * <p>Rebuilding reads everything (apps, versions, files, keys) in one read transaction, which keeps the snapshot
 * consistent and the code obvious. It costs milliseconds for thousands of versions; an incremental rebuild is a
 * later optimisation if catalogs grow past that. Rebuilds are serialised so a slow, older rebuild can never
 * replace a newer one.
 */
public final class CatalogStore {
    private final Database db;
    private final SecretCipher cipher;
    private final AtomicReference<CatalogSnapshot> current = new AtomicReference<>(CatalogSnapshot.empty());

    public CatalogStore(Database db, SecretCipher cipher) {
        this.db = db;
        this.cipher = cipher;
    }

    public CatalogSnapshot current() {
        return current.get();
    }

    public synchronized CatalogSnapshot refresh() {
        // One consistent read: SQLite transactions are serializable; PostgreSQL needs REPEATABLE READ for every
        // SELECT of the rebuild to see the same commits.
        CatalogSnapshot next = db.dialect() == Database.Dialect.POSTGRESQL
                ? db.jdbi().inTransaction(org.jdbi.v3.core.transaction.TransactionIsolationLevel.REPEATABLE_READ, this::load)
                : db.jdbi().inTransaction(this::load);
        current.set(next);
        return next;
    }

    private CatalogSnapshot load(Handle h) {
        Map<String, App> apps = new HashMap<>();
        Map<Long, App> appsById = new HashMap<>();
        h.createQuery("SELECT id, tenant_id, app_key, kind, name, package_name, description, created_at, "
                        + "tauri_public_key, sparkle_public_key FROM apps WHERE deleted_at IS NULL")
                .map((rs, ctx) -> new App(rs.getLong("id"), rs.getLong("tenant_id"), rs.getString("app_key"),
                        AppKind.fromWireName(rs.getString("kind")).orElseThrow(), rs.getString("name"),
                        rs.getString("package_name"), rs.getString("description"), rs.getLong("created_at"),
                        rs.getString("tauri_public_key"), rs.getString("sparkle_public_key")))
                .forEach(a -> {
                    apps.put(a.key(), a);
                    appsById.put(a.id(), a);
                });

        Map<Long, List<VersionFile>> files = new HashMap<>();
        h.createQuery("SELECT f.id, f.version_id, f.role, f.format, f.blob_sha256, f.file_name, f.media_type, "
                        + "f.signature, f.ed_signature, f.signer_sha256, f.blockmap_sha256, f.created_at, b.size, b.md5, "
                        + "b.sha1, b.sha512, bm.size AS blockmap_size FROM version_files f "
                        + "JOIN blobs b ON b.sha256 = f.blob_sha256 LEFT JOIN blobs bm ON bm.sha256 = f.blockmap_sha256 "
                        + "ORDER BY f.id")
                .map((rs, ctx) -> Map.entry(rs.getLong("version_id"), new VersionFile(rs.getLong("id"),
                        rs.getString("role"), rs.getString("format"), rs.getString("blob_sha256"), rs.getLong("size"),
                        rs.getString("md5"), rs.getString("sha1"), rs.getString("sha512"), rs.getString("file_name"),
                        rs.getString("media_type"), rs.getString("signature"), rs.getString("ed_signature"),
                        rs.getString("signer_sha256"), rs.getString("blockmap_sha256") == null ? null
                        : new VersionFile.Blockmap(rs.getString("blockmap_sha256"), rs.getLong("blockmap_size")),
                        rs.getLong("created_at"))))
                .forEach(e -> files.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));

        Map<Long, List<Version>> versions = new HashMap<>();
        h.createQuery("SELECT * FROM versions WHERE deleted_at IS NULL")
                .map((rs, ctx) -> new Version(rs.getLong("id"), rs.getLong("app_id"), rs.getString("version_name"),
                        rs.getLong("version_code"), rs.getString("version_key"), rs.getString("platform"),
                        rs.getString("arch"), rs.getString("description"), rs.getString("release_note"),
                        rs.getString("changelog"), rs.getString("release_url"), rs.getString("url_path"),
                        rs.getString("content"), rs.getString("signature"), rs.getInt("is_pre_release") == 1,
                        rs.getInt("upgrade_mode"), rs.getLong("forced_upgrade_version_code"),
                        rs.getLong("silent_upgrade_version_code"), rs.getString("update_type"),
                        rs.getLong("created_at"), files.getOrDefault(rs.getLong("id"), List.of()),
                        release(appsById.get(rs.getLong("app_id")), rs.getLong("id"), rs.getLong("version_code"),
                                rs.getString("version_key"), rs.getString("platform"), rs.getString("arch"),
                                rs.getInt("is_pre_release") == 1), rs.getLong("yanked_at"),
                        rs.getString("yank_reason"), rs.getString("min_system_version")))
                .forEach(v -> {
                    if (appsById.containsKey(v.appId())) {
                        versions.computeIfAbsent(v.appId(), k -> new ArrayList<>()).add(v);
                    }
                });
        Map<Long, List<Version>> sorted = new HashMap<>();
        versions.forEach((appId, list) -> {
            list.sort(Comparator.comparingLong(Version::code).reversed().thenComparing(Version::id, Comparator.reverseOrder()));
            sorted.put(appId, List.copyOf(list));
        });

        Map<Long, Version> versionsById = new HashMap<>();
        versions.values().forEach(list -> list.forEach(v -> versionsById.put(v.id(), v)));
        Map<Long, List<StrategyEntry>> strategies = loadStrategies(h, appsById, versionsById);
        Map<Long, Map<String, Set<Long>>> groups = new HashMap<>();
        h.createQuery("SELECT g.tenant_id, d.device_key, m.group_id FROM device_group_members m "
                        + "JOIN device_groups g ON g.id = m.group_id JOIN devices d ON d.id = m.device_id "
                        + "WHERE g.deleted_at IS NULL")
                .map((rs, ctx) -> new Object[]{rs.getLong(1), rs.getString(2), rs.getLong(3)})
                .forEach(r -> groups.computeIfAbsent((Long) r[0], k -> new HashMap<>())
                        .computeIfAbsent((String) r[1], k -> new HashSet<>()).add((Long) r[2]));

        Map<String, AccessKey> keys = new HashMap<>();
        h.createQuery("SELECT tenant_id, access_key, secret_enc FROM access_keys "
                        + "WHERE enabled = 1 AND revoked_at IS NULL")
                .map((rs, ctx) -> new AccessKey(rs.getLong("tenant_id"), rs.getString("access_key"),
                        cipher.decrypt(rs.getString("access_key"), rs.getString("secret_enc"))))
                .forEach(k -> keys.put(k.accessKey(), k));

        List<VersionPatch> patches = h.createQuery("SELECT p.id, p.version_id, p.from_version_id, p.patch_algo, "
                        + "p.blob_sha256, p.file_name, p.created_at, b.size, b.md5, b.sha1, b.sha512 FROM version_patches p "
                        + "JOIN blobs b ON b.sha256 = p.blob_sha256")
                .map((rs, ctx) -> new VersionPatch(rs.getLong("id"), rs.getLong("version_id"), rs.getLong("from_version_id"),
                        rs.getInt("patch_algo"), VersionFile.plain("patch", rs.getString("blob_sha256"), rs.getLong("size"),
                        rs.getString("md5"), rs.getString("sha1"), rs.getString("sha512"), rs.getString("file_name"),
                        "application/octet-stream", rs.getLong("created_at"))))
                .list();
        // Deleted versions are never offered, but clients still run them: listed source restrictions must recognise them.
        Map<String, Long> deleted = new HashMap<>();
        h.createQuery("SELECT id, app_id, platform, arch, version_key, version_code FROM versions WHERE deleted_at IS NOT NULL")
                .map((rs, ctx) -> new Object[]{rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getLong(6)})
                .forEach(r -> {
                    deleted.put(CatalogSnapshot.identity((Long) r[1], (String) r[2], (String) r[3], (String) r[4]), (Long) r[0]);
                    deleted.putIfAbsent(CatalogSnapshot.identity((Long) r[1], (String) r[2], (String) r[3], "#" + r[5]), (Long) r[0]);
                });
        return new CatalogSnapshot(apps, sorted, keys, strategies, groups, patches, deleted, System.currentTimeMillis());
    }

    private static ReleaseVersion release(App app, long id, long code, String key, String platform, String arch,
                                          boolean preRelease) {
        SemVer semver = app != null && app.kind().versionScheme() == AppKind.VersionScheme.SEMVER ? SemVer.of(key) : null;
        return new ReleaseVersion(id, code, semver, platform, arch, preRelease);
    }

    private static StrategyHealth health(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new StrategyHealth(nullableInt(rs, "failure_threshold"), rs.getInt("failure_min_attempts"),
                nullableInt(rs, "success_threshold"), StrategyHealth.parseStages(rs.getString("stages")),
                rs.getInt("stage_index"), nullableLong(rs, "stage_started_at"), rs.getLong("health_since"),
                nullableLong(rs, "paused_at"), rs.getString("pause_reason"));
    }

    private static Integer nullableInt(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static Long nullableLong(java.sql.ResultSet rs, String column) throws java.sql.SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : v;
    }

    private static Map<Long, List<StrategyEntry>> loadStrategies(Handle h, Map<Long, App> apps, Map<Long, Version> versions) {
        Map<Long, List<GrayRule>> gray = new HashMap<>();
        h.createQuery("SELECT id, strategy_id, enabled, begin_at, end_at, device_limit FROM gray_rules "
                        + "WHERE deleted_at IS NULL ORDER BY begin_at, id")
                .map((rs, ctx) -> Map.entry(rs.getLong("strategy_id"), new GrayRule(rs.getLong("id"),
                        rs.getInt("enabled") == 1, Instant.ofEpochMilli(rs.getLong("begin_at")),
                        Instant.ofEpochMilli(rs.getLong("end_at")), rs.getLong("device_limit"))))
                .forEach(e -> gray.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        Map<Long, List<FlowRule>> flow = new HashMap<>();
        h.createQuery("SELECT id, strategy_id, enabled, begin_time, end_time, dimension, rule_limit, soft FROM flow_rules "
                        + "WHERE deleted_at IS NULL ORDER BY id")
                .map((rs, ctx) -> Map.entry(rs.getLong("strategy_id"), new FlowRule(rs.getLong("id"),
                        rs.getInt("enabled") == 1, LocalTime.parse(rs.getString("begin_time")),
                        LocalTime.parse(rs.getString("end_time")),
                        FlowRule.Dimension.valueOf(rs.getString("dimension").toUpperCase(Locale.ROOT)),
                        rs.getLong("rule_limit"), rs.getInt("soft") == 1)))
                .forEach(e -> flow.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        Map<Long, List<StrategyEntry>> out = new HashMap<>();
        h.createQuery("SELECT * FROM strategies WHERE deleted_at IS NULL ORDER BY id")
                .map((rs, ctx) -> {
                    App app = apps.get(rs.getLong("app_id"));
                    Version v = versions.get(rs.getLong("version_id"));
                    if (app == null || v == null) {
                        return null; // the app or the target version is deleted: the strategy cannot offer anything
                    }
                    long id = rs.getLong("id");
                    Strategy rule = new Strategy(id, v.release(), rs.getInt("enabled") == 1,
                            Instant.ofEpochMilli(rs.getLong("begin_at")), Instant.ofEpochMilli(rs.getLong("end_at")),
                            rs.getInt("upgrade_type"), rs.getString("prompt_text"),
                            StrategyCodec.targeting(rs.getString("targeting"), rs.getString("targeting_data")),
                            StrategyCodec.source(rs.getString("source_type"), rs.getString("source_data"),
                                    app.kind().versionScheme() == AppKind.VersionScheme.SEMVER),
                            rs.getString("channel"), rs.getInt("percentage"), gray.getOrDefault(id, List.of()),
                            flow.getOrDefault(id, List.of()), rs.getInt("rollback") == 1);
                    // A yanked version is offered by no strategy, from the next request on.
                    return new StrategyEntry(rule, app.id(), rs.getString("name"), rs.getString("description"),
                            rs.getLong("created_at"), rs.getLong("updated_at"),
                            !v.yanked() && (!app.kind().hasArtifacts() || !v.files().isEmpty()), health(rs));
                })
                .forEach(s -> {
                    if (s != null) {
                        out.computeIfAbsent(s.appId(), k -> new ArrayList<>()).add(s);
                    }
                });
        return out;
    }
}
