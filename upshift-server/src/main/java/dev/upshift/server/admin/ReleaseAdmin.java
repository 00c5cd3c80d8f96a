package dev.upshift.server.admin;

import dev.upshift.server.accounts.Role;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.http.Json;
import dev.upshift.server.publish.ManifestPlans;
import dev.upshift.server.publish.ReleasePlan;
import dev.upshift.server.publish.ReleasePublisher;
import dev.upshift.server.publish.UploadChecks;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Publishing a build's output through the admin API (what {@code upshift release publish} calls): upload each file,
 * then post the build manifest that names them.
 *
 * <ul>
 *   <li>{@code PUT /apps/{appKey}/uploads/{fileName}}: raw bytes, optional {@code X-Content-SHA256}; 201.
 *   <li>{@code POST /apps/{appKey}/releases?manifest=latest-mac.yml[&strategy=false][&channel=beta][&percentage=10]
 *       [&upgradeType=3]}: the manifest as the body (Tauri {@code latest.json} for tauri apps, an electron-builder
 *       channel file for electron apps); 201 with what was published.
 * </ul>
 */
public final class ReleaseAdmin {
    private final CatalogStore catalog;
    private final ArtifactAdmin files;
    private final ReleasePublisher publisher;
    private final UploadChecks checks;
    private final long maxBodyBytes;

    public ReleaseAdmin(CatalogStore catalog, ArtifactAdmin files, ReleasePublisher publisher, UploadChecks checks,
                        long maxBodyBytes) {
        this.catalog = catalog;
        this.files = files;
        this.publisher = publisher;
        this.checks = checks;
        this.maxBodyBytes = maxBodyBytes;
    }

    public void register(AdminRoutes r) {
        r.put(AdminApi.PREFIX + "/apps/{appKey}/uploads/{fileName}", Role.PUBLISHER, this::upload);
        r.post(AdminApi.PREFIX + "/apps/{appKey}/releases", Role.PUBLISHER, this::release);
    }

    private void upload(Context ctx) throws IOException {
        App app = AdminApi.ownedApp(ctx, catalog.current());
        String fileName = ctx.pathParam("fileName");
        files.checkUpload(app, new ArtifactAdmin.FileUpload("install", fileName, null, null, null, null));
        ReleasePublisher.Upload u;
        try (ArtifactStore.Staged staged = files.receive(ctx)) {
            checks.declaredHashes(ctx.header("X-Content-SHA256"), ctx.header("X-Content-SHA512"), staged.blob());
            u = publisher.stageUpload(app, fileName, staged, AdminApi.actor(ctx));
        }
        Json.respond(ctx, 201, Map.of("fileName", u.fileName(), "sha256", u.sha256(), "size", u.size()));
    }

    private void release(Context ctx) throws IOException {
        App app = AdminApi.ownedApp(ctx, catalog.current());
        byte[] manifest = AdminApi.body(ctx, maxBodyBytes);
        ReleasePlan plan = ManifestPlans.plan(app, ctx.queryParam("manifest"), manifest);
        List<ReleasePublisher.Published> done = publisher.publish(app, plan, options(ctx), AdminApi.actor(ctx));
        Json.respond(ctx, 201, Map.of("versions", done.stream().map(ReleaseAdmin::render).toList()));
    }

    /** Reads the rollout options shared by the admin and the CI publishing routes. */
    public static ReleasePublisher.Options options(Context ctx) {
        String strategy = ctx.queryParam("strategy");
        if (strategy != null && !strategy.equals("true") && !strategy.equals("false")) {
            throw AdminApiException.invalid("Query 'strategy' must be true or false.");
        }
        return new ReleasePublisher.Options(!"false".equals(strategy), ctx.queryParam("channel"),
                intParam(ctx, "percentage", 0, 100), intParam(ctx, "upgradeType", 0, 3));
    }

    private static Integer intParam(Context ctx, String name, int min, int max) {
        String v = ctx.queryParam(name);
        return v == null || v.isEmpty() ? null : (int) AdminApi.queryLong(ctx, name, 0, min, max);
    }

    public static Map<String, Object> render(ReleasePublisher.Published p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("versionId", p.versionId());
        m.put("versionName", p.versionName());
        m.put("platform", p.platform());
        m.put("arch", p.arch());
        m.put("created", p.created());
        m.put("files", p.files());
        m.put("strategyId", p.strategyId());
        return m;
    }
}
