package dev.upshift.server.catalog;

import dev.upshift.core.kind.AppKind;
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
        CatalogSnapshot next = db.jdbi().inTransaction(this::load);
        current.set(next);
        return next;
    }

    private CatalogSnapshot load(Handle h) {
        Map<String, App> apps = new HashMap<>();
        Map<Long, App> appsById = new HashMap<>();
        h.createQuery("SELECT id, tenant_id, app_key, kind, name, package_name, description, created_at "
                        + "FROM apps WHERE deleted_at IS NULL")
                .map((rs, ctx) -> new App(rs.getLong("id"), rs.getLong("tenant_id"), rs.getString("app_key"),
                        AppKind.fromWireName(rs.getString("kind")).orElseThrow(), rs.getString("name"),
                        rs.getString("package_name"), rs.getString("description"), rs.getLong("created_at")))
                .forEach(a -> {
                    apps.put(a.key(), a);
                    appsById.put(a.id(), a);
                });

        Map<Long, Map<String, VersionFile>> files = new HashMap<>();
        h.createQuery("SELECT f.version_id, f.role, f.blob_sha256, f.file_name, f.media_type, f.created_at, "
                        + "b.size, b.md5, b.sha512 FROM version_files f JOIN blobs b ON b.sha256 = f.blob_sha256")
                .map((rs, ctx) -> Map.entry(rs.getLong("version_id"), new VersionFile(rs.getString("role"),
                        rs.getString("blob_sha256"), rs.getLong("size"), rs.getString("md5"), rs.getString("sha512"),
                        rs.getString("file_name"), rs.getString("media_type"), rs.getLong("created_at"))))
                .forEach(e -> files.computeIfAbsent(e.getKey(), k -> new HashMap<>()).put(e.getValue().role(), e.getValue()));

        Map<Long, List<Version>> versions = new HashMap<>();
        h.createQuery("SELECT * FROM versions WHERE deleted_at IS NULL")
                .map((rs, ctx) -> new Version(rs.getLong("id"), rs.getLong("app_id"), rs.getString("version_name"),
                        rs.getLong("version_code"), rs.getString("version_key"), rs.getString("platform"),
                        rs.getString("arch"), rs.getString("description"), rs.getString("release_note"),
                        rs.getString("changelog"), rs.getString("release_url"), rs.getString("url_path"),
                        rs.getString("content"), rs.getString("signature"), rs.getInt("is_pre_release") == 1,
                        rs.getInt("upgrade_mode"), rs.getLong("forced_upgrade_version_code"),
                        rs.getLong("silent_upgrade_version_code"), rs.getString("update_type"),
                        rs.getLong("created_at"), files.getOrDefault(rs.getLong("id"), Map.of())))
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

        Map<String, AccessKey> keys = new HashMap<>();
        h.createQuery("SELECT tenant_id, access_key, secret_enc FROM access_keys "
                        + "WHERE enabled = 1 AND revoked_at IS NULL")
                .map((rs, ctx) -> new AccessKey(rs.getLong("tenant_id"), rs.getString("access_key"),
                        cipher.decrypt(rs.getString("access_key"), rs.getString("secret_enc"))))
                .forEach(k -> keys.put(k.accessKey(), k));

        return new CatalogSnapshot(apps, sorted, keys, System.currentTimeMillis());
    }
}
