package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import dev.upshift.core.kind.AppKind;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.artifacts.ArtifactTooLargeException;
import dev.upshift.server.artifacts.FileFormat;
import dev.upshift.server.artifacts.MediaTypes;
import dev.upshift.server.artifacts.StoredBlob;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.catalog.VersionPatch;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.db.Database;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.BodyReader;
import dev.upshift.server.http.Json;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import dev.upshift.server.publish.UploadChecks;
import io.javalin.http.Context;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The files of versions: artifact upload, block maps, APK patches. Also the one place any publishing path (admin API,
 * CI upload, {@code upshift release publish}) attaches bytes to a version, through {@link #attach}.
 *
 * <p>Pipeline of one upload: stream the body into the store's staging area within the size cap, hashing it
 * (nothing is visible yet); compare the hashes the uploader declared; run the platform checks ({@link UploadChecks}:
 * Tauri minisign, Sparkle Ed25519, APK signer); refuse a different file for an occupied (role, format) slot; only
 * then commit the blob (durable, content-addressed) and insert the row. A refusal at any step discards the staged
 * bytes, so nothing already stored changes and nothing half-written becomes visible.
 */
public final class ArtifactAdmin {
    private static final String BLOCKMAP = ".blockmap";

    private final Database db;
    private final CatalogStore catalog;
    private final ArtifactStore artifacts;
    private final DownloadLinks links;
    private final UploadChecks checks;
    private final Clock clock;
    private final long maxArtifactBytes;

    public ArtifactAdmin(Database db, CatalogStore catalog, ArtifactStore artifacts, DownloadLinks links,
                         UploadChecks checks, Clock clock, long maxArtifactBytes) {
        this.db = db;
        this.catalog = catalog;
        this.artifacts = artifacts;
        this.links = links;
        this.checks = checks;
        this.clock = clock;
        this.maxArtifactBytes = maxArtifactBytes;
    }

    void register(AdminRoutes r) {
        String base = AdminApi.PREFIX + "/apps/{appKey}/versions/{id}";
        r.put(base + "/artifact", Role.PUBLISHER, this::upload);
        r.get(base + "/artifacts", Role.VIEWER, this::list);
        r.put(base + "/patches", Role.PUBLISHER, this::uploadPatch);
    }

    /**
     * What the uploader says about a file. Hashes and signatures are optional; when given they must match the bytes.
     *
     * @param declaredSha256 hex SHA-256 the uploader computed, or null
     * @param declaredSha512 SHA-512 as hex or base64 (electron-builder writes base64), or null
     * @param signature      Tauri updater signature (base64 of the minisign .sig file), or null
     * @param edSignature    Sparkle base64 Ed25519 signature, or null
     */
    public record FileUpload(String role, String fileName, String declaredSha256, String declaredSha512,
                             String signature, String edSignature) {
    }

    // ---- HTTP handlers ---------------------------------------------------------------------------------------

    private void upload(Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = VersionAdmin.ownedVersion(ctx, app, snap);
        String role = Optional.ofNullable(ctx.queryParam("role")).orElse("install");
        String fileName = Optional.ofNullable(ctx.queryParam("fileName"))
                .orElse(defaultFileName(app.name() + "-" + v.name()));
        FileUpload up = new FileUpload(role, fileName, param(ctx, "X-Content-SHA256", "sha256"),
                param(ctx, "X-Content-SHA512", "sha512"), param(ctx, "X-Updater-Signature", "signature"),
                param(ctx, "X-Sparkle-Signature", "edSignature"));
        checkUpload(app, up);
        VersionFile f;
        try (ArtifactStore.Staged staged = receive(ctx)) {
            f = attach(app, v, up, staged, AdminApi.actor(ctx));
        }
        Version updated = catalog.current().version(v.id()).orElseThrow();
        Json.respond(ctx, 200, renderFile(app, updated, f));
    }

    private void list(Context ctx) {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = VersionAdmin.ownedVersion(ctx, app, snap);
        Json.respond(ctx, 200, Map.of("items", v.files().stream().map(f -> renderFile(app, v, f)).toList()));
    }

    private static String param(Context ctx, String header, String query) {
        String h = ctx.header(header);
        String value = h != null && !h.isBlank() ? h : ctx.queryParam(query);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Checks that need no bytes, so a bad request is refused before a large body is read. */
    public void checkUpload(App app, FileUpload up) {
        if (!app.kind().hasArtifacts()) {
            throw AdminApiException.invalid(app.kind().wireName() + " apps have no artifacts: "
                    + (app.kind() == AppKind.URL ? "their versions link to urlPath." : "their versions carry 'content'."));
        }
        if (!up.role().equals("install") && !up.role().equals("update")) {
            throw AdminApiException.invalid("Query 'role' must be 'install' or 'update'; got '" + up.role() + "'.");
        }
        validateFileName(up.fileName());
        if (up.declaredSha256() != null && !up.declaredSha256().matches("[0-9a-fA-F]{64}")) {
            throw AdminApiException.invalid("The declared sha256 must be 64 hexadecimal digits.");
        }
        if (up.signature() != null && up.signature().length() > 4096) {
            throw AdminApiException.invalid("The updater signature is longer than 4096 characters.");
        }
        if (up.edSignature() != null && up.edSignature().length() > 128) {
            throw AdminApiException.invalid("The Sparkle signature is longer than 128 characters.");
        }
    }

    // ---- the attach pipeline ---------------------------------------------------------------------------------

    /**
     * Verifies staged bytes and attaches them to a version: as the file of {@code up.role()} in the format of its
     * name, or, for a name ending {@code .blockmap}, as the block map of the version's file without that suffix.
     * Idempotent: the same bytes again return the existing file. The caller closes {@code staged}.
     *
     * @throws AdminApiException 400 bad input, 409 a different file already holds the slot, 422 a check failed
     */
    public VersionFile attach(App app, Version v, FileUpload up, ArtifactStore.Staged staged, AuditLog.Actor actor)
            throws IOException {
        checkUpload(app, up);
        StoredBlob blob = staged.blob();
        checks.declaredHashes(up.declaredSha256(), up.declaredSha512(), blob);
        if (up.fileName().toLowerCase(Locale.ROOT).endsWith(BLOCKMAP)
                && up.fileName().length() > BLOCKMAP.length()) {
            return attachBlockmap(app, v, up, staged, actor);
        }
        String format = FileFormat.of(up.fileName());
        Optional<VersionFile> existing = v.files().stream()
                .filter(f -> f.role().equals(up.role()) && f.format().equals(format)).findFirst();
        if (existing.isPresent()) {
            if (!existing.get().sha256().equals(blob.sha256())) {
                throw AdminApiException.conflict("Version " + v.name() + " already has a different " + up.role()
                        + " artifact" + (format.isEmpty() ? "" : " in " + format + " format") + " ("
                        + existing.get().fileName() + ", sha256 " + existing.get().sha256() + "). Artifacts are "
                        + "immutable: publish a new version instead.");
            }
            return existing.get();
        }
        String signature = up.signature() != null ? up.signature() : "";
        // A file uploaded without its own signature takes the version's, if it is the file that signature was for.
        boolean legacySigned = up.role().equals("update") || v.file("update").isEmpty();
        String effectiveSignature = !signature.isEmpty() ? signature
                : app.kind() == AppKind.TAURI && legacySigned ? v.signature() : "";
        UploadChecks.Verified verified = checks.verify(app, catalog.current(), format, effectiveSignature,
                up.edSignature(), staged);
        staged.commit();
        long now = clock.millis();
        String mediaType = MediaTypes.forFileName(up.fileName());
        try {
            db.jdbi().useTransaction(h -> {
                insertBlob(h, blob, now);
                h.createUpdate("INSERT INTO version_files (version_id, role, format, blob_sha256, file_name, media_type, "
                                + "signature, ed_signature, signer_sha256, created_at) VALUES (:v, :role, :format, :s, "
                                + ":name, :type, :sig, :ed, :signer, :now)")
                        .bind("v", v.id()).bind("role", up.role()).bind("format", format).bind("s", blob.sha256())
                        .bind("name", up.fileName()).bind("type", mediaType).bind("sig", signature)
                        .bind("ed", up.edSignature() != null ? up.edSignature() : "")
                        .bind("signer", verified.apkSignerSha256()).bind("now", now).execute();
                AuditLog.record(h, actor, now, "artifact.attach", "version", v.id(), fileDetail(app, v, up, blob));
            });
        } catch (RuntimeException e) {
            if (Sql.isUniqueViolation(e)) {
                // Another upload for this slot finished first: the same bytes make this one a successful retry.
                Optional<VersionFile> winner = catalog.refresh().version(v.id()).flatMap(x -> x.files().stream()
                        .filter(f -> f.role().equals(up.role()) && f.format().equals(format)).findFirst());
                if (winner.isPresent() && winner.get().sha256().equals(blob.sha256())) {
                    return winner.get();
                }
                throw AdminApiException.conflict("Another upload for the " + up.role() + " artifact of version "
                        + v.name() + " finished first with different bytes; artifacts are immutable.");
            }
            throw e;
        }
        return catalog.refresh().version(v.id()).orElseThrow().files().stream()
                .filter(f -> f.role().equals(up.role()) && f.format().equals(format)).findFirst().orElseThrow();
    }

    private static Map<String, Object> fileDetail(App app, Version v, FileUpload up, StoredBlob blob) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("appKey", app.key());
        m.put("version", v.name());
        m.put("role", up.role());
        m.put("fileName", up.fileName());
        m.put("sha256", blob.sha256());
        m.put("size", blob.size());
        return m;
    }

    private VersionFile attachBlockmap(App app, Version v, FileUpload up, ArtifactStore.Staged staged,
                                       AuditLog.Actor actor) throws IOException {
        String target = up.fileName().substring(0, up.fileName().length() - BLOCKMAP.length());
        VersionFile file = v.files().stream().filter(f -> f.fileName().equals(target)).findFirst().orElseThrow(() ->
                AdminApiException.invalid("Version " + v.name() + " has no file named '" + target + "'; upload it "
                        + "before its block map " + up.fileName() + "."));
        StoredBlob blob = staged.blob();
        if (file.blockmap() != null) {
            if (!file.blockmap().sha256().equals(blob.sha256())) {
                throw AdminApiException.conflict(target + " already has a different block map (sha256 "
                        + file.blockmap().sha256() + "); block maps are immutable like their files.");
            }
            return file;
        }
        staged.commit();
        long now = clock.millis();
        int updated = db.jdbi().inTransaction(h -> {
            insertBlob(h, blob, now);
            int n = h.createUpdate("UPDATE version_files SET blockmap_sha256 = :s WHERE id = :id "
                    + "AND blockmap_sha256 IS NULL").bind("s", blob.sha256()).bind("id", file.id()).execute();
            if (n > 0) {
                AuditLog.record(h, actor, now, "artifact.blockmap", "version", v.id(), fileDetail(app, v, up, blob));
            }
            return n;
        });
        VersionFile after = catalog.refresh().version(v.id()).orElseThrow().files().stream()
                .filter(f -> f.id() == file.id()).findFirst().orElseThrow();
        if (updated == 0 && !after.blockmap().sha256().equals(blob.sha256())) {
            throw AdminApiException.conflict("Another upload gave " + target + " a different block map first.");
        }
        return after;
    }

    /** Records a committed blob's digests; the same bytes uploaded again (any version) share the row. */
    public static void insertBlob(org.jdbi.v3.core.Handle h, StoredBlob blob, long now) {
        h.createUpdate("INSERT INTO blobs (sha256, size, md5, sha1, sha512, created_at) VALUES (:s, :size, :md5, "
                        + ":sha1, :sha512, :now) ON CONFLICT (sha256) DO NOTHING")
                .bind("s", blob.sha256()).bind("size", blob.size()).bind("md5", blob.md5()).bind("sha1", blob.sha1())
                .bind("sha512", blob.sha512()).bind("now", now).execute();
    }

    /** Streams the request body into the artifact store's staging area within the size cap. */
    ArtifactStore.Staged receive(Context ctx) throws IOException {
        return stage(ctx.req().getInputStream(), ctx.req().getContentLengthLong());
    }

    /**
     * Streams {@code in} into staging: refused at once when {@code declaredLength} is over the cap, and again while
     * reading, so a lying Content-Length stores nothing either.
     */
    public ArtifactStore.Staged stage(InputStream body, long declaredLength) throws IOException {
        if (declaredLength == 0) {
            throw AdminApiException.invalid("The request body is empty; send the file's bytes as the body.");
        }
        if (declaredLength > maxArtifactBytes) {
            throw new AdminApiException(AdminApiException.AdminError.PAYLOAD_TOO_LARGE,
                    "Artifact of " + declaredLength + " bytes is larger than max-artifact-bytes=" + maxArtifactBytes + ".");
        }
        ArtifactStore.Staged staged;
        try (InputStream in = new RequestBodyStream(body)) {
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

    Map<String, Object> renderFile(App app, Version v, VersionFile f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", f.role());
        m.put("format", f.format());
        m.put("fileName", f.fileName());
        m.put("mediaType", f.mediaType());
        m.put("size", f.size());
        m.put("md5", f.md5());
        m.put("sha256", f.sha256());
        m.put("sha512", f.sha512());
        if (app.kind() == AppKind.TAURI || !f.signature().isEmpty()) {
            m.put("signature", v.signatureOf(f));
        }
        if (!f.edSignature().isEmpty()) {
            m.put("edSignature", f.edSignature());
        }
        if (!f.signerSha256().isEmpty()) {
            m.put("signerSha256", f.signerSha256());
        }
        if (f.blockmap() != null) {
            m.put("blockmap", Map.of("sha256", f.blockmap().sha256(), "size", f.blockmap().size()));
        }
        m.put("downloadUrl", links.download(app, v, f.role()));
        m.put("uploadedAt", Sql.rfc3339(f.createdAt()));
        return m;
    }

    // ---- APK patches -----------------------------------------------------------------------------------------

    /**
     * {@code PUT .../versions/{id}/patches?fromVersionId=N&patchAlgo=1&fileName=...}: an APK delta patch from an
     * older installed version to this one (1 = HDiffPatch, 2 = bsdiff). Offered by {@code /v1/apk/upgrade} to
     * clients on that older version that ask for the algorithm.
     */
    private void uploadPatch(Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        App app = AdminApi.ownedApp(ctx, snap);
        Version v = VersionAdmin.ownedVersion(ctx, app, snap);
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
        Optional<VersionPatch> existing = snap.patch(v.id(), base.id(), (int) algo);
        try (ArtifactStore.Staged staged = receive(ctx)) {
            blob = staged.blob();
            checks.declaredHashes(param(ctx, "X-Content-SHA256", "sha256"), param(ctx, "X-Content-SHA512", "sha512"), blob);
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
                    AuditLog.record(h, AdminApi.actor(ctx), now, "patch.upload", "version", v.id(), Map.of(
                            "appKey", app.key(), "fromVersion", base.name(), "version", v.name(), "patchAlgo", algo,
                            "fileName", fileName, "sha256", blob.sha256(), "size", blob.size()));
                });
            } catch (RuntimeException e) {
                if (!Sql.isUniqueViolation(e)) {
                    throw e;
                }
                boolean sameBytes = catalog.refresh().patch(v.id(), base.id(), (int) algo)
                        .map(p -> p.file().sha256().equals(blob.sha256())).orElse(false);
                if (!sameBytes) {
                    throw AdminApiException.conflict("Another upload of this patch finished first with different bytes; "
                            + "patches are immutable.");
                }
            }
        }
        CatalogSnapshot after = catalog.refresh();
        VersionPatch p = after.patch(v.id(), base.id(), (int) algo).orElseThrow();
        Json.respond(ctx, 200, renderPatch(app, p));
    }

    Map<String, Object> renderPatch(App app, VersionPatch p) {
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

    // ---- file names ------------------------------------------------------------------------------------------

    /** Marks read failures of the request body, so they answer 400 instead of passing for storage errors. */
    private static final class RequestBodyStream extends FilterInputStream {
        RequestBodyStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new BodyReader.IncompleteBodyException(e);
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

    public static void validateFileName(String name) {
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
