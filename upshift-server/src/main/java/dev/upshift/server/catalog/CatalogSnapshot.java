package dev.upshift.server.catalog;

import dev.upshift.core.rollout.Strategy;
import java.util.Collection;
import java.util.Set;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
    private final Map<CodeKey, Version> versionsByCode;
    private final Map<String, AccessKey> accessKeys;
    private final long loadedAtMillis;

    private final Map<Long, List<StrategyEntry>> strategiesByApp;
    private final Map<String, VersionPatch> patches;
    private final Map<String, Long> deletedVersionIds;
    private final Map<Long, VersionPatch> patchesById;
    private final Map<Long, List<Strategy>> rulesByApp;
    private final Map<Long, StrategyEntry> strategiesById;
    private final Map<Long, Map<String, Set<Long>>> groupsByTenantAndDevice;

    CatalogSnapshot(Map<String, App> appsByKey, Map<Long, List<Version>> versionsByApp,
                    Map<String, AccessKey> accessKeys, Map<Long, List<StrategyEntry>> strategiesByApp,
                    Map<Long, Map<String, Set<Long>>> groupsByTenantAndDevice, List<VersionPatch> patches,
                    Map<String, Long> deletedVersionIds, long loadedAtMillis) {
        this.deletedVersionIds = Map.copyOf(deletedVersionIds);
        Map<String, VersionPatch> patchIndex = new HashMap<>();
        Map<Long, VersionPatch> patchById = new HashMap<>();
        for (VersionPatch p : patches) {
            patchIndex.put(p.versionId() + ":" + p.fromVersionId() + ":" + p.algo(), p);
            patchById.put(p.id(), p);
        }
        this.patches = patchIndex;
        this.patchesById = patchById;
        this.strategiesByApp = Map.copyOf(strategiesByApp);
        Map<Long, List<Strategy>> rules = new HashMap<>();
        Map<Long, StrategyEntry> strategyIndex = new HashMap<>();
        strategiesByApp.forEach((app, list) -> {
            rules.put(app, list.stream().filter(StrategyEntry::offerable).map(StrategyEntry::rule).toList());
            list.forEach(s -> strategyIndex.put(s.id(), s));
        });
        this.rulesByApp = rules;
        this.strategiesById = strategyIndex;
        this.groupsByTenantAndDevice = groupsByTenantAndDevice;
        this.appsByKey = Map.copyOf(appsByKey);
        this.versionsByApp = Map.copyOf(versionsByApp);
        this.accessKeys = Map.copyOf(accessKeys);
        this.loadedAtMillis = loadedAtMillis;
        Map<Long, Version> byId = new HashMap<>();
        Map<String, Version> byIdentity = new HashMap<>();
        Map<CodeKey, Version> byCode = new HashMap<>();
        for (List<Version> list : versionsByApp.values()) {
            for (Version v : list) {
                byId.put(v.id(), v);
                byIdentity.put(identity(v.appId(), v.platform(), v.arch(), v.versionKey()), v);
                // Several SemVer versions can share one legacy integer code (1.2.0-beta.1 and 1.2.0); a lookup
                // by code prefers the release.
                byCode.merge(new CodeKey(v.appId(), v.platform(), v.arch(), v.code()), v,
                        (a, b) -> a.preRelease() && !b.preRelease() ? b : a);
            }
        }
        this.versionsById = byId;
        this.versionsByIdentity = byIdentity;
        this.versionsByCode = byCode;
    }

    public static CatalogSnapshot empty() {
        return new CatalogSnapshot(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), List.of(), Map.of(), 0);
    }

    /**
     * Looked up by every check of an integer-code kind, so not a string, which each lookup had to build and hash
     * character by character (the lookup was 1.7% of a check's CPU in a profile, most of it the map's cache misses,
     * which stay). Equals and hashCode are written out, since a record's generated ones go through method handles the
     * JIT leaves as calls (see {@code FactTally.DailyKey}).
     */
    private record CodeKey(long appId, String platform, String arch, long code) {
        @Override
        public boolean equals(Object o) {
            return o instanceof CodeKey k && appId == k.appId && code == k.code && Objects.equals(platform, k.platform)
                    && Objects.equals(arch, k.arch);
        }

        @Override
        public int hashCode() {
            return Long.hashCode((appId * 31 + code) * 31 + Objects.hashCode(platform)) * 31 + Objects.hashCode(arch);
        }
    }

    static String identity(long appId, String platform, String arch, String key) {
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
        return Optional.ofNullable(versionsByCode.get(new CodeKey(appId, platform, arch, code)));
    }

    /**
     * The id of the version a client runs, live or deleted: by canonical SemVer when given, else by integer code.
     * Only for recognising installed versions; deleted versions are never offered.
     */
    public Optional<Long> installedVersionId(long appId, String platform, String arch, String semver, long code) {
        Optional<Version> live = liveInstalledVersion(appId, platform, arch, semver, code);
        return live.isPresent() ? Optional.of(live.get().id()) : deletedVersionId(appId, platform, arch, semver, code);
    }

    /** The version a client runs if it is live: by canonical SemVer when given, else by integer code. */
    public Optional<Version> liveInstalledVersion(long appId, String platform, String arch, String semver, long code) {
        return semver != null ? versionByIdentity(appId, platform, arch, semver) : versionByCode(appId, platform, arch, code);
    }

    /** The id a deleted version had, so that clients still running it are recognised. */
    public Optional<Long> deletedVersionId(long appId, String platform, String arch, String semver, long code) {
        return Optional.ofNullable(deletedVersionIds.get(identity(appId, platform, arch, semver != null ? semver : "#" + code)));
    }

    /** The delta patch from an installed version to a newer one, for one algorithm. */
    public Optional<VersionPatch> patch(long versionId, long fromVersionId, int algo) {
        return Optional.ofNullable(patches.get(versionId + ":" + fromVersionId + ":" + algo));
    }

    public Optional<VersionPatch> patch(long id) {
        return Optional.ofNullable(patchesById.get(id));
    }

    /** All patches that produce a version. */
    public List<VersionPatch> patchesTo(long versionId) {
        return patchesById.values().stream().filter(p -> p.versionId() == versionId).toList();
    }

    /** The app's strategies in the engine's form. */
    public List<Strategy> rules(long appId) {
        return rulesByApp.getOrDefault(appId, List.of());
    }

    public List<StrategyEntry> strategies(long appId) {
        return strategiesByApp.getOrDefault(appId, List.of());
    }

    public Optional<StrategyEntry> strategy(long id) {
        return Optional.ofNullable(strategiesById.get(id));
    }

    /** The device groups a device belongs to within a tenant. */
    public Set<Long> groupsOf(long tenantId, String deviceKey) {
        if (deviceKey == null) {
            return Set.of();
        }
        return groupsByTenantAndDevice.getOrDefault(tenantId, Map.of()).getOrDefault(deviceKey, Set.of());
    }

    public int appCount() {
        return appsByKey.size();
    }

    public long loadedAtMillis() {
        return loadedAtMillis;
    }
}
