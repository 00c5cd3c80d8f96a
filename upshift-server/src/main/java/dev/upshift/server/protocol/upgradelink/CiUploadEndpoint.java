package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.auth.LegacySignatureV1;
import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.server.audit.AuditLog;
import dev.upshift.server.admin.AdminApiException;
import dev.upshift.server.admin.ArtifactAdmin;
import dev.upshift.server.admin.ReleaseAdmin;
import dev.upshift.server.artifacts.ArtifactStore;
import dev.upshift.server.catalog.AccessKey;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.publish.ManifestPlans;
import dev.upshift.server.publish.ReleasePublisher;
import dev.upshift.server.publish.UploadChecks;
import dev.upshift.server.http.ClientExchange;
import dev.upshift.server.http.JavalinExchange;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;

/**
 * Publishing from CI with an access key, in the client API's envelope (upgradelink-protocol §4.10), for tauri and
 * electron apps, under {@code github-action} and the original's misspelt {@code github-aciton}:
 *
 * <ul>
 *   <li>{@code PUT /v1/<kind>/github-action/files/<fileName>?<kind>Key=K}: one build file as the raw body. The v1
 *       signature covers the body like every client call; it is computed while the file streams to staging, so
 *       files of any size are signed without being held in memory. Optional {@code X-Content-SHA256}.
 *   <li>{@code POST /v1/tauri/github-action/upload?tauriKey=K}: the Tauri {@code latest.json} as the body, signed.
 *       {@code POST /v1/electron/github-action/upload?electronKey=K&manifest=latest-mac.yml}: an electron-builder
 *       channel file. Files are those uploaded before, or fetched from {@code publish-fetch-hosts}. Query options
 *       {@code strategy}, {@code channel}, {@code percentage}, {@code upgradeType} as in the admin API.
 * </ul>
 *
 * <p>Unlike the original, which checked only that {@code X-AccessKey} was present, both routes verify the
 * signature, the timestamp window and the nonce. Errors: 400003 for bad manifests, files and failed checks
 * (the message names the check), 413001 for oversized bodies, 404001 for unknown apps, 401001/401002 for auth.
 */
public final class CiUploadEndpoint {
    private static final List<String> ALIASES = List.of("github-action", "github-aciton");

    private final CatalogStore catalog;
    private final ClientCall calls;
    private final ArtifactAdmin files;
    private final ReleasePublisher publisher;
    private final UploadChecks checks;

    public CiUploadEndpoint(CatalogStore catalog, ClientCall calls, ArtifactAdmin files, ReleasePublisher publisher,
                            UploadChecks checks) {
        this.catalog = catalog;
        this.calls = calls;
        this.files = files;
        this.publisher = publisher;
        this.checks = checks;
    }

    public void register(RoutesConfig r) {
        for (AppKind kind : List.of(AppKind.TAURI, AppKind.ELECTRON)) {
            for (String alias : ALIASES) {
                String base = "/v1/" + kind.wireName() + "/" + alias;
                r.put(base + "/files/{fileName}", ctx -> clientErrors(() -> uploadFile(kind, ctx)));
                r.post(base + "/upload", ctx -> clientErrors(() -> publish(kind, ctx)));
            }
        }
    }

    private void uploadFile(AppKind kind, Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        ClientExchange exchange = new JavalinExchange(ctx);
        String appKey = FeedQuery.required(exchange, kind.keyField());
        // Cheap checks first, so an unsigned or misaddressed request is refused before its body is stored.
        for (String h : List.of("X-Timestamp", "X-Nonce", "X-AccessKey", "X-Signature")) {
            if (ctx.header(h) == null || ctx.header(h).isEmpty()) {
                throw new ClientApiException(UpgradeLinkCode.INVALID_HEADER, "Missing header " + h);
            }
        }
        AccessKey claimed = snap.accessKey(ctx.header("X-AccessKey")).orElseThrow(() -> new ClientApiException(
                UpgradeLinkCode.AUTH_FAILED, "X-AccessKey is unknown or disabled"));
        App app = ClientCall.ownedApp(new ClientCall.Signed(snap, claimed, null), kind, appKey);
        String fileName = ctx.pathParam("fileName");
        files.checkUpload(app, new ArtifactAdmin.FileUpload("install", fileName, null, null, null, null));

        MessageDigest bodyDigest = LegacySignatureV1.bodyDigest();
        ReleasePublisher.Upload u;
        try (ArtifactStore.Staged staged = files.stage(new DigestInputStream(ctx.req().getInputStream(), bodyDigest),
                ctx.req().getContentLengthLong())) {
            calls.authenticateStreamed(exchange, snap, bodyDigest);
            checks.declaredHashes(ctx.header("X-Content-SHA256"), ctx.header("X-Content-SHA512"), staged.blob());
            u = publisher.stageUpload(app, fileName, staged, ciActor(app, claimed, ctx));
        }
        ClientCall.respond(exchange, UpgradeLinkCode.OK, "success", "",
                Map.of("fileName", u.fileName(), "sha256", u.sha256(), "size", u.size()));
    }

    private void publish(AppKind kind, Context ctx) throws IOException {
        CatalogSnapshot snap = catalog.current();
        ClientExchange exchange = new JavalinExchange(ctx);
        String appKey = FeedQuery.required(exchange, kind.keyField());
        byte[] body = calls.body(exchange);
        AccessKey key = calls.authenticate(exchange, snap, body);
        App app = ClientCall.ownedApp(new ClientCall.Signed(snap, key, null), kind, appKey);
        List<ReleasePublisher.Published> done = publisher.publish(app,
                ManifestPlans.plan(app, ctx.queryParam("manifest"), body), ReleaseAdmin.options(ctx),
                ciActor(app, key, ctx));
        ClientCall.respond(exchange, UpgradeLinkCode.OK, "success", "",
                Map.of("versions", done.stream().map(ReleaseAdmin::render).toList()));
    }

    /** CI publishes under its access key's name in the audit log. */
    private static AuditLog.Actor ciActor(App app, AccessKey key, Context ctx) {
        return new AuditLog.Actor(app.tenantId(), "ci (access key " + key.accessKey() + ")", ctx.ip());
    }

    private interface Handler {
        void run() throws IOException;
    }

    /** The publishing core speaks admin API errors; CI speaks the client envelope. */
    private static void clientErrors(Handler h) throws IOException {
        try {
            h.run();
        } catch (AdminApiException e) {
            UpgradeLinkCode code = switch (e.error()) {
                case PAYLOAD_TOO_LARGE -> UpgradeLinkCode.PAYLOAD_TOO_LARGE;
                case NOT_FOUND -> UpgradeLinkCode.RECORD_NOT_FOUND;
                case INTERNAL -> UpgradeLinkCode.INTERNAL;
                case UNAUTHORIZED, FORBIDDEN -> UpgradeLinkCode.AUTH_FAILED;
                default -> UpgradeLinkCode.INVALID_PARAMETER;
            };
            throw new ClientApiException(code, e.getMessage());
        }
    }
}
