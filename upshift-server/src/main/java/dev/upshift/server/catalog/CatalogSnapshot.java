package dev.upshift.server.catalog;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable picture of everything a client request needs: apps, versions with their files, and access keys.
 * Client requests read only this, never the database; admin writes build a new snapshot and swap it in
 * (see {@link CatalogStore}). Lookups are hash-map hits.
 */
public final class CatalogSnapshot {
    private final Map<String, App> appsByKey;
    private final Map<Long, List<Version>> versionsByApp;
    private final Map<Long, Version> versionsById;
    private final Map<String, Version> versionsByIdentity;
    private final Map<String, Version> versionsByCode;
    private final Map<String, AccessKey> accessKeys;
    private final long loadedAtMillis;

    CatalogSnapshot(Map<String, App> appsByKey, Map<Long, List<Version>> versionsByApp,
                    Map<String, AccessKey> accessKeys, long loadedAtMillis) {
        this.appsByKey = Map.copyOf(appsByKey);
        this.versionsByApp = Map.copyOf(versionsByApp);
        this.accessKeys = Map.copyOf(accessKeys);
        this.loadedAtMillis = loadedAtMillis;
        Map<Long, Version> byId = new HashMap<>();
        Map<String, Version> byIdentity = new HashMap<>();
        Map<String, Version> byCode = new HashMap<>();
        for (List<Version> list : versionsByApp.values()) {
            for (Version v : list) {
                byId.put(v.id(), v);
                byIdentity.put(identity(v.appId(), v.platform(), v.arch(), v.versionKey()), v);
                // Several SemVer versions can share one legacy integer code (1.2.0-beta.1 and 1.2.0); a lookup
                // by code prefers the release.
                byCode.merge(identity(v.appId(), v.platform(), v.arch(), Long.toString(v.code())), v,
                        (a, b) -> a.preRelease() && !b.preRelease() ? b : a);
            }
        }
        this.versionsById = byId;
        this.versionsByIdentity = byIdentity;
        this.versionsByCode = byCode;
    }

    public static CatalogSnapshot empty() {
        return new CatalogSnapshot(Map.of(), Map.of(), Map.of(), 0);
    }

    private static String identity(long appId, String platform, String arch, String key) {
        return appId + "\u0000" + platform + "\u0000" + arch + "\u0000" + key;
    }

    public Optional<App> app(String key) {
        return Optional.ofNullable(appsByKey.get(key));
    }

    public Collection<App> apps() {
        return appsByKey.values();
    }

    public Optional<AccessKey> accessKey(String accessKey) {
        return Optional.ofNullable(accessKeys.get(accessKey));
    }

    /** All versions of an app, highest code first. */
    public List<Version> versions(long appId) {
        return versionsByApp.getOrDefault(appId, List.of());
    }

    public Optional<Version> version(long id) {
        return Optional.ofNullable(versionsById.get(id));
    }

    /** The version with exactly this identity (integer code as text, or canonical SemVer). */
    public Optional<Version> versionByIdentity(long appId, String platform, String arch, String versionKey) {
        return Optional.ofNullable(versionsByIdentity.get(identity(appId, platform, arch, versionKey)));
    }

    /** The version with this integer code; for SemVer kinds the release wins over its pre-releases. */
    public Optional<Version> versionByCode(long appId, String platform, String arch, long code) {
        return Optional.ofNullable(versionsByCode.get(identity(appId, platform, arch, Long.toString(code))));
    }

    public int appCount() {
        return appsByKey.size();
    }

    public long loadedAtMillis() {
        return loadedAtMillis;
    }
}
