package dev.upshift.server.publish;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.admin.ArtifactAdmin;
import dev.upshift.server.admin.StrategyAdmin;
import dev.upshift.server.admin.VersionAdmin;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.db.Database;
import dev.upshift.server.http.Json;
import dev.upshift.core.version.SemVer;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Publishes a release from a build manifest: the one path behind the CI upload endpoints and
 * {@code upshift release publish}.
 *
 * <p>Two steps, so no request has to carry a manifest and gigabytes together: files are first uploaded one by one
 * ({@link #stageUpload}: verified hashes, committed, remembered per app and file name), then the manifest is posted
 * ({@link #publish}). Publishing resolves every file the manifest names (an earlier upload of that name, else a
 * fetch from an allowed host) and runs every check before it creates anything; then it creates or reuses one
 * version per platform and arch, attaches the files with their signatures and block maps, and adds a strategy
 * unless the version already has one. Every step is idempotent, so a publish that failed half-way (a network error
 * on a fetch, a crash) is finished by running it again; different bytes for a published file are refused (409).
 */
public final class ReleasePublisher {
    private final Database db;
    private final CatalogStore catalog;
    private final ArtifactStore artifacts;
    private final ArtifactAdmin files;
    private final VersionAdmin versions;
    private final StrategyAdmin strategies;
    private final UploadChecks checks;
    private final RemoteFetcher fetcher;
    private final Clock clock;
    private final long maxArtifactBytes;

    public ReleasePublisher(Database db, CatalogStore catalog, ArtifactStore artifacts, ArtifactAdmin files,
                            VersionAdmin versions, StrategyAdmin strategies, UploadChecks checks, RemoteFetcher fetcher,
                            Clock clock, long maxArtifactBytes) {
        this.db = db;
        this.catalog = catalog;
        this.artifacts = artifacts;
        this.files = files;
        this.versions = versions;
        this.strategies = strategies;
        this.checks = checks;
        this.fetcher = fetcher;
        this.clock = clock;
        this.maxArtifactBytes = maxArtifactBytes;
    }

    /** How to roll the published versions out; nulls take the documented defaults. */
    public record Options(boolean createStrategy, String channel, Integer percentage, Integer upgradeType) {
        public static final Options DEFAULTS = new Options(true, null, null, null);
    }

    /** What a publish did, per version. */
    public record Published(long versionId, String versionName, String platform, String arch, boolean created,
                            List<String> files, Long strategyId) {
    }

    /** A file uploaded ahead of its manifest. */
    public record Upload(String fileName, String sha256, long size) {
    }

    /**
     * Commits staged bytes as an upload for {@code app} under {@code fileName}, replacing an earlier upload of the
     * same name (a CI retry). The declared hashes, if any, have been checked by the caller.
     */
    public Upload stageUpload(App app, String fileName, ArtifactStore.Staged staged, AuditLog.Actor actor)
            throws IOException {
        ArtifactAdmin.validateFileName(fileName);
        StoredBlob blob = staged.blob();
        staged.commit();
        long now = clock.millis();
        db.jdbi().useTransaction(h -> {
            ArtifactAdmin.insertBlob(h, blob, now);
            h.createUpdate("DELETE FROM publish_uploads WHERE app_id = :app AND file_name = :name")
                    .bind("app", app.id()).bind("name", fileName).execute();
            h.createUpdate("INSERT INTO publish_uploads (app_id, file_name, blob_sha256, created_at) "
                            + "VALUES (:app, :name, :s, :now)")
                    .bind("app", app.id()).bind("name", fileName).bind("s", blob.sha256()).bind("now", now).execute();
            AuditLog.record(h, actor, now, "upload.stage", "app", app.key(),
                    Map.of("fileName", fileName, "sha256", blob.sha256(), "size", blob.size()));
        });
        return new Upload(fileName, blob.sha256(), blob.size());
    }

    /** Carries out a plan; see the class comment for the order of steps. */
    public List<Published> publish(App app, ReleasePlan plan, Options options, AuditLog.Actor actor)
            throws IOException {
        if (plan.versions().isEmpty()) {
            throw AdminApiException.invalid("The manifest names no files to publish.");
        }
        Map<String, StoredBlob> uploads = uploads(app);
        Map<PlannedKey, ArtifactStore.Staged> sources = new HashMap<>();
        try {
            // 1. Resolve and verify everything before anything is created.
            for (ReleasePlan.PlannedVersion pv : plan.versions()) {
                for (ReleasePlan.PlannedFile pf : pv.files()) {
                    ArtifactStore.Staged staged = source(app, pf, uploads);
                    sources.put(new PlannedKey(pv, pf), staged);
                    checks.declaredHashes(null, pf.declaredSha512(), staged.blob());
                    checks.verify(app, catalog.current(), dev.upshift.server.artifacts.FileFormat.of(pf.fileName()),
                            pf.signature() == null ? "" : pf.signature(), null, staged);
                }
            }
            // 2. Create or reuse versions, attach files and block maps, add strategies.
            List<Published> out = new ArrayList<>();
            for (ReleasePlan.PlannedVersion pv : plan.versions()) {
                out.add(publishVersion(app, pv, options, sources, uploads, actor));
            }
            forgetUploads(app, plan);
            return out;
        } finally {
            for (ArtifactStore.Staged s : sources.values()) {
                s.close();
            }
        }
    }

    private record PlannedKey(ReleasePlan.PlannedVersion version, ReleasePlan.PlannedFile file) {
    }

    private Published publishVersion(App app, ReleasePlan.PlannedVersion pv, Options options,
                                     Map<PlannedKey, ArtifactStore.Staged> sources, Map<String, StoredBlob> uploads,
                                     AuditLog.Actor actor) throws IOException {
        CatalogSnapshot snap = catalog.current();
        String key = SemVer.parse(pv.versionName()).value().map(SemVer::canonical).orElse(pv.versionName());
        Optional<Version> existing = snap.versionByIdentity(app.id(), pv.platform(), pv.arch(), key);
        boolean created = existing.isEmpty();
        Version v = existing.orElseGet(() -> versions.create(app, versionFields(app, pv), actor));
        List<String> names = new ArrayList<>();
        for (ReleasePlan.PlannedFile pf : pv.files()) {
            ArtifactStore.Staged staged = sources.get(new PlannedKey(pv, pf));
            VersionFile f = files.attach(app, v, new ArtifactAdmin.FileUpload(pf.role(), pf.fileName(), null,
                    pf.declaredSha512(), pf.signature(), null), staged, actor);
            names.add(f.fileName());
            StoredBlob blockmap = uploads.get(pf.fileName() + ".blockmap");
            if (blockmap != null) {
                v = catalog.current().version(v.id()).orElseThrow();
                files.attach(app, v, new ArtifactAdmin.FileUpload(pf.role(), pf.fileName() + ".blockmap", null, null,
                        null, null), artifacts.alreadyStored(blockmap), actor);
                names.add(pf.fileName() + ".blockmap");
            }
            v = catalog.current().version(v.id()).orElseThrow();
        }
        Long strategyId = null;
        long versionId = v.id();
        boolean hasStrategy = catalog.current().strategies(app.id()).stream()
                .anyMatch(s -> s.rule().version().id() == versionId);
        if (options.createStrategy() && !hasStrategy) {
            strategyId = strategies.create(app, strategyFields(v, pv, options), actor).id();
        }
        return new Published(v.id(), v.name(), v.platform(), v.arch(), created, names, strategyId);
    }

    private static ObjectNode versionFields(App app, ReleasePlan.PlannedVersion pv) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("versionName", pv.versionName());
        n.put(app.kind().platformField().wireName(), pv.platform());
        n.put("arch", pv.arch());
        if (pv.notes() != null) {
            n.put("releaseNote", pv.notes().length() > 65536 ? pv.notes().substring(0, 65536) : pv.notes());
        }
        if (pv.minSystemVersion() != null && !pv.minSystemVersion().isEmpty()) {
            n.put("minSystemVersion", pv.minSystemVersion());
        }
        return n;
    }

    /**
     * The strategy a publish adds: enabled from now with no end, prompt upgrade with the release notes, to
     * everyone on the version's channel (stable, or the pre-release tag's channel), unless options say otherwise.
     */
    private static ObjectNode strategyFields(Version v, ReleasePlan.PlannedVersion pv, Options o) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("versionId", v.id());
        n.put("name", "Release " + v.name());
        n.put("description", "Published from a build manifest");
        n.put("upgradeType", o.upgradeType() != null ? o.upgradeType() : 1);
        if (pv.notes() != null) {
            n.put("promptText", pv.notes().length() > 4096 ? pv.notes().substring(0, 4096) : pv.notes());
        }
        if (o.channel() != null) {
            n.put("channel", o.channel());
        }
        if (o.percentage() != null) {
            n.put("percentage", o.percentage());
        }
        return n;
    }

    /** Where a planned file's bytes come from: an earlier upload of that name, else an allowed fetch. */
    private ArtifactStore.Staged source(App app, ReleasePlan.PlannedFile pf, Map<String, StoredBlob> uploads)
            throws IOException {
        StoredBlob uploaded = uploads.get(pf.fileName());
        if (uploaded != null) {
            return artifacts.alreadyStored(uploaded);
        }
        if (pf.url() != null && fetcher.mayFetch(pf.url())) {
            return fetcher.fetch(pf.url(), artifacts, maxArtifactBytes);
        }
        throw AdminApiException.invalid("File '" + pf.fileName() + "' named by the manifest was not uploaded for app "
                + app.key() + (pf.url() == null ? "" : ", and its URL's host is not in publish-fetch-hosts")
                + ". Upload every file first, then post the manifest.");
    }

    private Map<String, StoredBlob> uploads(App app) {
        Map<String, StoredBlob> m = new LinkedHashMap<>();
        db.jdbi().useHandle(h -> h.createQuery("SELECT u.file_name, b.sha256, b.size, b.md5, b.sha1, b.sha512 "
                        + "FROM publish_uploads u JOIN blobs b ON b.sha256 = u.blob_sha256 WHERE u.app_id = :app")
                .bind("app", app.id())
                .map((rs, ctx) -> Map.entry(rs.getString(1), new StoredBlob(rs.getString(2), rs.getLong(3),
                        rs.getString(4), rs.getString(5), rs.getString(6))))
                .forEach(e -> m.put(e.getKey(), e.getValue())));
        return m;
    }

    private void forgetUploads(App app, ReleasePlan plan) {
        db.jdbi().useTransaction(h -> {
            for (ReleasePlan.PlannedVersion pv : plan.versions()) {
                for (ReleasePlan.PlannedFile pf : pv.files()) {
                    for (String name : List.of(pf.fileName(), pf.fileName() + ".blockmap")) {
                        h.createUpdate("DELETE FROM publish_uploads WHERE app_id = :app AND file_name = :name")
                                .bind("app", app.id()).bind("name", name).execute();
                    }
                }
            }
        });
    }
}
