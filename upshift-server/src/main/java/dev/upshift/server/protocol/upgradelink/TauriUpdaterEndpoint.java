package dev.upshift.server.protocol.upgradelink;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.protocol.UpgradeLinkCode;
import dev.upshift.core.rollout.ClientVersion;
import dev.upshift.server.artifacts.FileFormat;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.CatalogSnapshot;
import dev.upshift.server.catalog.CatalogStore;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.db.Sql;
import dev.upshift.server.http.Json;
import dev.upshift.server.rollout.UpdateChecks;
import dev.upshift.server.http.ClientRouter;
import dev.upshift.server.http.ClientExchange;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /v1/tauri/upgrade}: the Tauri v2 updater's dynamic endpoint, configured in {@code tauri.conf.json} as
 * {@code .../v1/tauri/upgrade?tauriKey=K&versionName={{current_version}}&target={{target}}&arch={{arch}}&bundle_type={{bundle_type}}}
 * with header {@code X-AccessKey}.
 *
 * <p>An update is HTTP 200 with the bare updater JSON {@code {version, pub_date, url, signature, notes, upgradeType}}
 * (no envelope; Tauri passes extra fields to the app as raw JSON); no update is HTTP 204 with no body; errors are
 * the usual JSON error with a 4xx/5xx status, which Tauri reports as a failed check.
 *
 * <p>Which file: a signed update bundle if the version has one, else a signed install package. With
 * {@code bundle_type} (appimage, deb, rpm, app, msi, nsis) only a file of that format is offered; if the offered
 * version has none, the answer is 204, because installing another format (an AppImage over a .deb install) would
 * break the app. Each file carries its own signature, so one version can serve every format.
 */
public final class TauriUpdaterEndpoint {
    private static final List<String> BUNDLE_TYPES = List.of("app", "appimage", "deb", "msi", "nsis", "rpm");

    private final CatalogStore catalog;
    private final UpdateChecks checks;
    private final DownloadLinks links;

    public TauriUpdaterEndpoint(CatalogStore catalog, UpdateChecks checks, DownloadLinks links) {
        this.catalog = catalog;
        this.checks = checks;
        this.links = links;
    }

    public void register(ClientRouter r) {
        r.get("/v1/tauri/upgrade", ClientRouter.Threading.SELECTOR, this::handle);
    }

    private void handle(ClientExchange exchange) {
        CatalogSnapshot snap = catalog.current();
        AppKind kind = AppKind.TAURI;
        String appKey = FeedQuery.required(exchange, kind.keyField());
        ClientVersion current = ClientVersion.of(FeedQuery.semver("versionName", FeedQuery.required(exchange, "versionName")));
        String target = FeedQuery.choice(exchange, kind, "target", kind.platforms());
        String arch = FeedQuery.choice(exchange, kind, "arch", kind.arches());
        String bundleType = FeedQuery.optional(exchange, "bundle_type");
        if (bundleType != null) {
            bundleType = bundleType.toLowerCase(Locale.ROOT);
            if (!bundleType.equals("unknown") && !BUNDLE_TYPES.contains(bundleType)) {
                throw new ClientApiException(UpgradeLinkCode.INVALID_PARAMETER, "Parameter bundle_type must be one of "
                        + String.join(", ", BUNDLE_TYPES) + " or unknown");
            }
        }
        ClientVersion appointed = FeedQuery.appointed(exchange);
        App app = ClientCall.feedApp(exchange, snap, kind, appKey);

        UpdateChecks.Outcome outcome = checks.check(snap, app, new UpdateChecks.Request(current, appointed, target, arch,
                UpgradeEndpoint.channel(FeedQuery.optional(exchange, "channel")), UpgradeEndpoint.deviceKey(FeedQuery.optional(exchange, "devKey"), exchange),
                UpgradeEndpoint.deviceModel(FeedQuery.optional(exchange, "devModelKey"))));
        UpgradeEndpoint.refuseIfFlowLimited(exchange, outcome);
        Optional<VersionFile> file = outcome.isOffer() ? pick(outcome.offered(), bundleType) : Optional.empty();
        if (file.isEmpty()) {
            exchange.status(204);
            return;
        }
        Version v = outcome.offered();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", v.name());
        body.put("pub_date", Sql.rfc3339(v.createdAt()));
        body.put("url", links.file(app, v, file.get()));
        body.put("signature", v.signatureOf(file.get()));
        body.put("notes", outcome.offer().strategy().promptText());
        body.put("upgradeType", outcome.offer().strategy().upgradeType());
        exchange.respondJson(200, Json.bytes(body));
    }

    /**
     * The signed file to offer: with a {@code bundle_type}, a file of that format (update bundle before install
     * package); without one, the first signed update bundle, else the first signed install package. Files without an
     * updater signature are never offered: Tauri would refuse them.
     */
    static Optional<VersionFile> pick(Version v, String bundleType) {
        List<String> formats = bundleType == null || bundleType.equals("unknown") ? null
                : FileFormat.forTauriBundle(bundleType);
        for (String role : List.of("update", "install")) {
            for (VersionFile f : v.files()) {
                if (f.role().equals(role) && !v.signatureOf(f).isEmpty()
                        && (formats == null || formats.contains(f.format()))) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }
}
